"""A small fixed relevance set for project search: corpus, judged queries, nDCG@10.

Why: the search figures in bench_search.py say how fast the engine is, not
whether it finds the right projects. This file holds what a ranking change is
measured against: 283 projects written out here (63 hand-written ones the
queries are about, and 220 unrelated projects built from a vocabulary that
shares no word, prefix or one-edit neighbour with any query, so they only
dilute the statistics), and 40 queries with graded judgments written from
what a person typing the query wants, not from what any engine returned.

Grades: 3 exactly what was asked for, 2 clearly relevant, 1 related or
partly relevant; a project not listed is 0. Some judged projects carry none
of the query's words (a Django recipe site for "python", a pocket-money
app for "budget tracker"): no word-matching engine finds them, which caps
the score below 1 but keeps the judgments honest.

Run `python bench/search_relevance.py` (or bench_search.py --relevance-only):
about a second, both engines' nDCG@10 per query and the means.
"""
from __future__ import annotations

import itertools
import math
import sys
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers/common/python"))

from portrait.search.port import ProjectDocument  # noqa: E402

# (id, title, owner's display name, tags, description)
_JUDGED_PROJECTS = [
    # Gardens
    ("g01", "Garden Planner", "Maya Okafor", ("garden", "productivity"),
     "Plan raised beds, crop rotation and watering for a small vegetable garden. "
     "Prints a planting calendar for each bed."),
    ("g02", "Community Garden Map", "Tomás Ferreira", ("maps", "garden"),
     "An interactive map of the community gardens of Lisbon with opening hours and plot "
     "waiting lists."),
    ("g03", "Balcony Herbs", "Lena Weiss", ("photography", "garden"),
     "Growing basil, mint and thyme in pots: a photo diary of a balcony garden through one "
     "summer."),
    ("g04", "Seed Swap", "Maya Okafor", ("web", "garden"),
     "A web app where neighbours trade seeds and seedlings for their gardens."),
    ("g05", "Kyoto Temple Walks", "Kenji Sato", ("photography", "travel"),
     "Photographs from temples around Kyoto and the moss garden at Saiho-ji."),
    ("g06", "Gnome Generator", "Priya Nair", ("3d", "art"),
     "A silly procedural generator for 3D garden gnome figurines, ready to print."),
    ("g07", "Soil Moisture Sensor", "Jonas Berg", ("arduino", "hardware", "garden"),
     "An Arduino sensor that tells when the garden needs watering and logs moisture readings "
     "every hour."),
    ("g08", "Harbour Lights", "Eli Gardner", ("photography",),
     "Long exposure photographs of the harbour at night."),
    ("g09", "Gardening Podcast Artwork", "Sofia Rossi", ("design", "podcast"),
     "Cover art and episode artwork for a weekly gardening podcast."),
    ("g10", "Urban Orchard Planner", "Maya Okafor", ("garden", "maps"),
     "Choose fruit trees for a city orchard by soil, sun and space, then lay out the rows."),
    # Budgets
    ("b01", "Budget Tracker", "Noah Fischer", ("finance", "productivity"),
     "Track monthly spending against a budget, with categories, alerts and CSV import from "
     "your bank."),
    ("b02", "Expense Tracker for Couples", "Amara Diallo", ("finance", "mobile"),
     "Split shared expenses and see who owes what each month; a tracker for two."),
    ("b03", "Family Budget Spreadsheet", "Noah Fischer", ("finance",),
     "A spreadsheet template for planning a household budget, with a yearly summary tab."),
    ("b04", "Habit Tracker", "Lucas Moreau", ("react", "productivity"),
     "Mark daily habits and keep streaks going; a small React app with reminders."),
    ("b05", "Low Budget Short Film", "Sofia Rossi", ("film", "video"),
     "A short film shot in one weekend on a tiny budget with borrowed cameras."),
    ("b06", "Rust Budget CLI", "Jonas Berg", ("rust", "cli", "finance"),
     "A command line budgeting tool written in Rust: reads bank exports and reports where "
     "the money went."),
    ("b07", "Pocket Money", "Amara Diallo", ("finance", "education"),
     "Teach kids to save: a tiny app that follows pocket money and savings goals."),
    ("b08", "Travel Budget Calculator", "Kenji Sato", ("travel", "finance"),
     "Estimate the daily cost of a trip from flights, hostels and food prices per city."),
    # Python
    ("p01", "Python Photo Organizer", "Ada Lovelace", ("python", "photography", "cli"),
     "Sorts thousands of photos into folders by date using their EXIF data; written in "
     "Python."),
    ("p02", "Learning Python", "Lucas Moreau", ("python", "education"),
     "Exercises and notes from my first year of Python programming."),
    ("p03", "Django Recipe Site", "Sofia Rossi", ("python", "web", "food"),
     "A recipe website built with Django and PostgreSQL, with search and shopping lists."),
    ("p04", "Snake Game", "Jonas Berg", ("python", "game"),
     "The classic snake game in Pygame, made with my daughter over a rainy weekend."),
    ("p05", "Ball Python Care Log", "Priya Nair", ("pets",),
     "Feeding and shedding log for our pet ball python, Noodle."),
    ("p06", "Weather Dashboard", "Noah Fischer", ("python", "data", "web"),
     "A Python and Flask dashboard showing data from my backyard weather station."),
    ("p07", "Data Science Portfolio", "Amara Diallo", ("python", "data", "ml"),
     "Jupyter notebooks on housing prices and churn prediction, and a small Python plotting "
     "library."),
    # React
    ("r01", "React Portfolio Template", "Lucas Moreau", ("react", "web", "frontend"),
     "A starter template for developer portfolios built with React and Tailwind."),
    ("r02", "Reactive Streams Talk", "Jonas Berg", ("backend", "writing"),
     "Slides and demos from my conference talk on reactive programming on the JVM."),
    ("r03", "Kanban Board", "Amara Diallo", ("react", "productivity"),
     "A drag and drop kanban board in React that works offline."),
    ("r04", "Vue Weather Widget", "Noah Fischer", ("web", "frontend"),
     "A tiny weather widget in Vue, written to compare with my React version."),
    ("r05", "Reaction Time Game", "Priya Nair", ("game", "web"),
     "Measure your reaction time in the browser and compare with friends."),
    ("r06", "React Native Plant Care", "Maya Okafor", ("react", "mobile", "garden"),
     "A React Native app that reminds you to water your house plants."),
    # Portraits and photography
    ("ph01", "Street Portraits of Lagos", "Chidi Okeke", ("photography", "portrait"),
     "Black and white portraits of strangers photographed on the streets of Lagos."),
    ("ph02", "Portrait Lighting Guide", "Chidi Okeke", ("photography", "education"),
     "Notes and diagrams on one-light and two-light setups for studio portrait photography."),
    ("ph03", "Self Portrait a Day", "Lena Weiss", ("photography", "art"),
     "Three hundred and sixty-five self portraits, one for each day of 2023."),
    ("ph04", "Wedding Photography", "Tomás Ferreira", ("photography",),
     "Selected photos from weddings in Porto and Braga, mostly candid."),
    ("ph05", "AI Portrait Generator", "Priya Nair", ("ai", "ml", "art"),
     "Generate stylised portraits from a selfie with a diffusion model."),
    ("ph06", "Film Photo Gallery", "Kenji Sato", ("film", "photography", "travel"),
     "Scans from 35mm film: Portra 400 and HP5 rolls from a trip to Iceland."),
    ("ph07", "Photo Gallery in Rust", "Jonas Berg", ("rust", "photography", "web"),
     "A static photo gallery generator written in Rust, fast even with ten thousand images."),
    ("ph08", "Gallery Opening Poster", "Sofia Rossi", ("design", "print"),
     "Poster design for a friend's gallery opening in Milan."),
    ("ph09", "Photographer Website", "Tomás Ferreira", ("web", "photography"),
     "Portfolio site for a wedding photographer, with a gallery of recent work."),
    ("ph10", "Family Album Scanner", "Ada Lovelace", ("photography", "python"),
     "Scans old family albums and restores faded colours in the photos."),
    # Watercolour, names
    ("a01", "Watercolor Sketchbook", "Zoë Martin", ("watercolor", "art"),
     "Loose watercolor sketches of cafés and markets, painted on location."),
    ("a02", "Watercolour Palettes", "Zoë Martin", ("watercolor", "art"),
     "Swatches and mixing charts for my travel watercolour palette."),
    ("a03", "Water Intake Reminder", "Lucas Moreau", ("health", "mobile"),
     "A phone app that reminds you to drink enough water during the day."),
    ("a04", "Ink and Wash Portraits", "Lena Weiss", ("art", "portrait"),
     "Portraits drawn in ink with loose watercolor washes."),
    ("a05", "Zine Fair Booth", "Zoë Martin", ("design", "print"),
     "Booth design and printed zines for the spring zine fair."),
    ("a06", "Variable Font Specimen", "Martin Schulz", ("typography", "design"),
     "A specimen site for a variable font with live sliders."),
    ("n01", "Analytical Engine Emulator", "Ada Lovelace", ("history", "programming"),
     "An emulator of Babbage's Analytical Engine that runs the first published program."),
    ("n02", "Lovelace Biography Zine", "Sofia Rossi", ("writing", "print"),
     "A zine about the life of Ada Lovelace and the first computer program."),
    ("n03", "Bernoulli Numbers Notebook", "Ada Lovelace", ("math", "python"),
     "Computing Bernoulli numbers step by step, following Note G."),
    # Recipes, weather, learning, travel
    ("c01", "Recipe Box", "Amara Diallo", ("food", "web"),
     "A recipe app that saves recipes from any website and builds a shopping list."),
    ("c02", "Meal Planner", "Maya Okafor", ("food", "productivity"),
     "Weekly meal plans and shopping lists, with recipes from the family cookbook."),
    ("c03", "Bread Baking Journal", "Lena Weiss", ("food", "writing"),
     "Notes on hydration, flour and proofing times for each loaf I baked this year."),
    ("c04", "Grandma's Recipes", "Kenji Sato", ("food", "family"),
     "Handwritten family recipes, transcribed and photographed."),
    ("c05", "Cocktail Recipe App", "Lucas Moreau", ("mobile", "food"),
     "A phone app of cocktail recipes with a shaker timer."),
    ("w01", "Weather Station", "Jonas Berg", ("arduino", "hardware"),
     "A solar powered weather station that posts temperature and wind readings every ten "
     "minutes."),
    ("w02", "Weather App", "Priya Nair", ("mobile", "react"),
     "A minimal weather app with hourly forecasts, made with React Native."),
    ("m01", "Machine Learning Notes", "Amara Diallo", ("ml", "education"),
     "Notes from a machine learning course: regression, trees and neural networks."),
    ("m02", "Bird Song Classifier", "Kenji Sato", ("ml", "audio"),
     "A neural network that recognises bird songs from short recordings."),
    ("m03", "Sewing Machine Restoration", "Lena Weiss", ("diy",),
     "Restoring a 1950s sewing machine, part by part."),
    ("m04", "Learning Japanese", "Kenji Sato", ("education", "language"),
     "Flash cards and a study log for learning Japanese."),
    ("t01", "Travel Journal", "Kenji Sato", ("travel", "writing"),
     "A travel journal with maps and photos from six months across South America."),
    ("t02", "Hiking Trail Map", "Tomás Ferreira", ("maps", "travel"),
     "Trail maps for day hikes around Sintra with elevation profiles."),
]

# The unrelated projects: every topic with every kind. No word here is, begins with
# or is one edit from any query word (checked when the set was written).
_FILLER_TOPICS = ("knitting", "chess", "astronomy", "pottery", "origami", "beekeeping",
                  "calligraphy", "sailing", "birdwatching", "bouldering", "sourdough",
                  "aquarium", "genealogy", "typewriter", "vinyl", "lighthouse", "quilting",
                  "terrarium", "kite", "lantern", "harmonica", "mosaic")
_FILLER_KINDS = ("notebook", "archive", "catalogue", "diary", "toolkit", "almanac",
                 "logbook", "atlas", "index", "handbook")
_FILLER_OWNERS = ("Hugo Lindqvist", "Ines Duarte", "Oskar Novak", "Yara Haddad",
                  "Felix Brandt", "Nina Petrova", "Ravi Menon", "Clara Dubois",
                  "Emil Sørensen", "Aiko Tanaka", "Mateo Ruiz", "Freya Olsen")
_FILLER_TAGS = ("craft", "hobby", "history", "music", "outdoors", "science", "writing")
_FILLER_DESCRIPTIONS = (
    "A {kind} about {topic}: notes, sketches and references collected over several years.",
    "Everything I know about {topic}, sorted into a {kind} that friends can borrow.",
    "Small experiments with {topic}, written up one evening at a time in this {kind}.",
    "A shared {kind} for the local {topic} club, with meeting notes and a reading list.",
)


@dataclass(frozen=True)
class RelevanceQuery:
    category: str  # one word, multi-word, typo, prefix, name, tag-filtered
    text: str
    judged: dict[str, int]  # project id -> grade 1..3; anything else is 0
    tags: tuple[str, ...] = ()


_GARDEN = {"g01": 3, "g02": 3, "g03": 2, "g04": 2, "g07": 2, "g05": 1, "g06": 1, "g09": 1,
           "g10": 1, "r06": 1}
_PYTHON = {"p01": 3, "p02": 3, "p03": 2, "p04": 2, "p06": 2, "p07": 2, "p05": 1, "n03": 1,
           "ph10": 1}
_PORTRAIT = {"ph01": 3, "ph02": 3, "ph03": 3, "ph05": 3, "a04": 2, "ph04": 1}
_WATERCOLOR = {"a01": 3, "a02": 3, "a04": 2}
_BUDGET_TRACKER = {"b01": 3, "b02": 2, "b03": 2, "b06": 2, "b07": 2, "b08": 1}
_PHOTO_GALLERY = {"ph06": 3, "ph07": 3, "ph09": 2, "p01": 1}
_RECIPE_APP = {"c01": 3, "c05": 3, "p03": 2, "c02": 1, "c04": 1}
_GARDEN_PLANNER = {"g01": 3, "g10": 2, "g02": 1, "g07": 1}
_KANBAN = {"r03": 3}

QUERIES = [
    RelevanceQuery("one word", "garden", _GARDEN),
    RelevanceQuery("one word", "python", _PYTHON),
    RelevanceQuery("one word", "portrait", _PORTRAIT),
    RelevanceQuery("one word", "watercolor", _WATERCOLOR),
    RelevanceQuery("one word", "react",
                   {"r01": 3, "r03": 3, "r06": 3, "w02": 3, "b04": 2, "r04": 1}),
    RelevanceQuery("one word", "weather", {"w01": 3, "p06": 3, "w02": 3, "r04": 3}),
    RelevanceQuery("one word", "kanban", _KANBAN),
    RelevanceQuery("one word", "recipes",
                   {"c01": 3, "c04": 3, "c05": 3, "p03": 3, "c02": 2}),
    RelevanceQuery("multi-word", "budget tracker", _BUDGET_TRACKER),
    RelevanceQuery("multi-word", "photo gallery", _PHOTO_GALLERY),
    RelevanceQuery("multi-word", "weather dashboard", {"p06": 3, "w01": 2, "w02": 1, "r04": 1}),
    RelevanceQuery("multi-word", "recipe app", _RECIPE_APP),
    RelevanceQuery("multi-word", "garden planner", _GARDEN_PLANNER),
    RelevanceQuery("multi-word", "street photography lagos", {"ph01": 3}),
    RelevanceQuery("multi-word", "machine learning", {"m01": 3, "m02": 2, "p07": 2, "ph05": 1}),
    RelevanceQuery("multi-word", "self portrait",
                   {"ph03": 3, "ph01": 1, "ph02": 1, "ph05": 1, "a04": 1}),
    RelevanceQuery("multi-word", "react kanban board", {"r03": 3, "r01": 1, "b04": 1}),
    RelevanceQuery("typo", "pyhton", _PYTHON),
    RelevanceQuery("typo", "graden", _GARDEN),
    RelevanceQuery("typo", "watercolr", _WATERCOLOR),
    RelevanceQuery("typo", "portriat", _PORTRAIT),
    RelevanceQuery("typo", "bugdet tracker", _BUDGET_TRACKER),
    RelevanceQuery("typo", "recipie app", _RECIPE_APP),
    RelevanceQuery("typo", "kanbna", _KANBAN),
    RelevanceQuery("prefix", "watercol", _WATERCOLOR),
    RelevanceQuery("prefix", "budget tra", _BUDGET_TRACKER),
    RelevanceQuery("prefix", "garden pla", _GARDEN_PLANNER),
    RelevanceQuery("prefix", "portr", _PORTRAIT),
    RelevanceQuery("prefix", "kanb", _KANBAN),
    RelevanceQuery("prefix", "photo gal", _PHOTO_GALLERY),
    RelevanceQuery("name", "ada lovelace", {"p01": 3, "n01": 3, "n03": 3, "ph10": 3, "n02": 2}),
    RelevanceQuery("name", "zoe martin", {"a01": 3, "a02": 3, "a05": 3}),
    RelevanceQuery("name", "okafor", {"g01": 3, "g04": 3, "g10": 3, "r06": 3, "c02": 3}),
    RelevanceQuery("name", "gardner", {"g08": 3}),
    RelevanceQuery("tag-filtered", "portrait", {"ph01": 3, "ph02": 3, "ph03": 3, "ph04": 1},
                   tags=("photography",)),
    RelevanceQuery("tag-filtered", "python", {"p01": 3}, tags=("cli",)),
    RelevanceQuery("tag-filtered", "tracker", {"b01": 3, "b02": 3, "b06": 2, "b07": 2, "b03": 1},
                   tags=("finance",)),
    RelevanceQuery("tag-filtered", "", {"a01": 3, "a02": 3}, tags=("watercolor",)),
    RelevanceQuery("tag-filtered", "garden", {"g07": 3}, tags=("arduino", "hardware")),
    RelevanceQuery("tag-filtered", "app",
                   {"a03": 3, "c05": 3, "w02": 3, "r06": 3, "b02": 2, "b07": 1},
                   tags=("mobile",)),
]

# --------------------------------------------------------------------- the corpus

_EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _timestamp(number: int) -> str:
    """Spread over about a week, in an order unrelated to the ids (ties newest first)."""
    moment = _EPOCH + timedelta(minutes=(number * 7919) % 10_007)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _user_id(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "u-" + folded.lower().replace(" ", "-")


def _document(number: int, project_id: str, title: str, name: str, tags: tuple[str, ...],
              description: str) -> ProjectDocument:
    user_id = _user_id(name)
    return ProjectDocument(
        project_id=project_id, user_id=user_id, username=user_id.removeprefix("u-"),
        name=name, title=title, description=description, tags=tags,
        thumbnail_key=None, created_at=_timestamp(0), updated_at=_timestamp(number),
        version=1)


def _fillers() -> list[tuple[str, str, str, tuple[str, ...], str]]:
    rows = []
    pairs = itertools.product(_FILLER_TOPICS, _FILLER_KINDS)
    for number, (topic, kind) in enumerate(pairs):
        description = _FILLER_DESCRIPTIONS[number % len(_FILLER_DESCRIPTIONS)]
        rows.append((f"f{number:03d}", f"{topic.title()} {kind.title()}",
                     _FILLER_OWNERS[number % len(_FILLER_OWNERS)],
                     (_FILLER_TAGS[number % len(_FILLER_TAGS)],),
                     description.format(topic=topic, kind=kind)))
    return rows


def corpus() -> list[ProjectDocument]:
    """The judged projects and the fillers, always the same."""
    rows = _JUDGED_PROJECTS + _fillers()
    return [_document(number, *row) for number, row in enumerate(rows, start=1)]


# --------------------------------------------------------------------- the metric


def ndcg_at(ranked_ids: list[str], judged: dict[str, int], k: int = 10) -> float:
    """Normalised discounted cumulative gain of the first k results, gain 2^grade - 1
    (1.0: the best order the judgments allow; an unjudged result gains nothing)."""
    ideal = _dcg(sorted(judged.values(), reverse=True)[:k])
    if ideal == 0:
        return 1.0 if not ranked_ids else 0.0
    return _dcg([judged.get(project_id, 0) for project_id in ranked_ids[:k]]) / ideal


def _dcg(grades: list[int]) -> float:
    return sum((2 ** grade - 1) / math.log2(position + 2)
               for position, grade in enumerate(grades))


if __name__ == "__main__":
    import bench_search

    bench_search.main(["--relevance-only"])
