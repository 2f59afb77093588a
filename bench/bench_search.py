"""Project search: the embedded Tantivy engine against SQLite FTS5, and a relevance check.

Not a test: figures are printed, never asserted. It answers two questions of
issue 13: is the local engine (portrait.search.tantivy_index, behind the
search port) fast enough with 100 000 projects, and how does it compare with
the obvious embedded alternative, SQLite's FTS5 (stdlib sqlite3)? And, with
the fixed set in search_relevance.py, did a change make the ranking worse
(nDCG@10 per query and the mean)?

    python bench/bench_search.py                  # 100 000 projects, 20 runs
    python bench/bench_search.py --docs 20000 --runs 10
    python bench/bench_search.py --relevance-only # a few seconds

Both engines get the same generated projects (seeded: every run the same) and
do the same work per search: a page of 20 by relevance (ties newest first),
the total, tag counts over the matches and highlighted fragments. Timings
interleave the engines and queries after a warm-up, so a busy machine skews
both alike; the first line prints the machine's load.
"""
from __future__ import annotations

import argparse
import itertools
import math
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers/common/python"))

import tantivy  # noqa: E402

import search_relevance  # noqa: E402
from portrait.search.port import ProjectDocument, SearchQuery  # noqa: E402
from portrait.search.tantivy_index import TantivyIndex, query_words  # noqa: E402

SEED = 13
BATCH = 5_000  # documents per commit
PAGE = 20
# What the port promises (search(): title x3, display name x2, description x1) and the
# engine's number of tag counts per result: the FTS5 baseline does the same.
FIELD_BOOSTS = {"title": 3.0, "name": 2.0, "description": 1.0}
TAG_FACETS = 50

# ------------------------------------------------------------- generated projects

# Most frequent first: picks follow a Zipf-like distribution over each list.
TOPICS = ("photo", "garden", "budget", "recipe", "weather", "portfolio", "travel", "music",
          "fitness", "habit", "portrait", "book", "coffee", "plant", "city", "movie", "game",
          "language", "expense", "workout", "sleep", "water", "mood", "podcast", "film",
          "street", "ocean", "mountain", "family", "wedding", "pet", "bird", "star", "bike",
          "chess", "news", "job", "study", "home", "car", "art", "poetry", "space", "map",
          "data", "code", "note", "task", "event", "shop")
KINDS = ("app", "tracker", "gallery", "planner", "dashboard", "journal", "portfolio",
         "generator", "bot", "map", "shop", "website", "blog", "library", "toolkit",
         "visualizer", "timer", "game", "clone", "series", "study", "collection", "zine",
         "sketchbook", "api", "extension", "widget", "theme", "template", "analyzer")
TECH = ("python", "react", "rust", "vue", "flutter", "swift", "django", "arduino", "unity",
        "blender", "go", "kotlin", "svelte", "node", "rails", "figma", "processing",
        "typescript", "godot", "elixir")
ADJECTIVES = ("simple", "tiny", "minimal", "personal", "open", "smart", "daily", "retro",
              "cozy", "pixel", "modern", "weekly", "interactive", "offline", "shared",
              "family", "little", "quick", "mobile", "second")
TAGS = ("photography", "web", "python", "design", "javascript", "react", "art", "mobile",
        "travel", "data", "ui", "game", "music", "illustration", "portrait", "food",
        "typescript", "open-source", "productivity", "finance", "garden", "film", "ml",
        "rust", "3d", "landscape", "diy", "hardware", "arduino", "writing", "api", "cli",
        "backend", "frontend", "css", "animation", "branding", "typography", "print",
        "watercolor", "ux", "ai", "education", "fitness", "health", "video", "podcast",
        "poetry", "maps", "climate", "ceramics", "woodwork", "knitting", "drone",
        "astronomy", "raspberry-pi", "security", "devops", "accessibility", "go")
FIRST_NAMES = ("Ada", "Noah", "Maya", "Lucas", "Amara", "Kenji", "Sofia", "Jonas", "Priya",
               "Tomás", "Lena", "Chidi", "Zoë", "Eli", "Hugo", "Ines", "Oskar", "Yara",
               "Felix", "Nina", "Ravi", "Clara", "Emil", "Aiko", "Mateo", "Freya", "Omar",
               "Leila", "Marco", "Anya", "Sam", "Iris", "Theo", "Mira", "Jun", "Rosa",
               "Idris", "Elif", "Pablo", "Greta", "Kofi", "Hana", "Luca", "Nora", "Arjun",
               "Selin", "Diego", "Maren", "Tariq", "Vera")
LAST_NAMES = ("Lovelace", "Fischer", "Okafor", "Moreau", "Diallo", "Sato", "Rossi", "Berg",
              "Nair", "Ferreira", "Weiss", "Okeke", "Martin", "Gardner", "Lindqvist",
              "Duarte", "Novak", "Haddad", "Brandt", "Petrova", "Menon", "Dubois",
              "Sørensen", "Tanaka", "Ruiz", "Olsen", "Khan", "Silva", "Kowalski", "Jensen",
              "Costa", "Ivanova", "Mensah", "Yilmaz", "Park", "Nguyen", "Schulz", "Romero",
              "Aydin", "Holm")
FEATURES = ("dark mode", "offline sync", "export to CSV", "full text search", "tags",
            "sharing", "reminders", "charts", "keyboard shortcuts", "notifications",
            "multiple users", "a REST API", "image upload", "printing", "translations")
PLACES = ("Lisbon", "Berlin", "Tokyo", "Nairobi", "Lima", "Oslo", "Austin", "Seoul", "Porto",
          "Kyoto")
SENTENCES = (
    "A {adj} {kind} for {topic} built with {tech}.",
    "I made this to keep track of my {topic} and share it with friends.",
    "It started as a weekend project and grew into something I use every day.",
    "Features include {feature}, {feature} and {feature}.",
    "Written in {tech} with a focus on speed and accessibility.",
    "The {topic} data comes from public sources and is updated every {period}.",
    "Photos were taken on a {camera} around {place}.",
    "Next steps: {feature} and better {feature}.",
    "Inspired by {first}'s work on {topic} {kind} design.",
    "Try the {kind} online or run it locally; feedback on the {topic} part is welcome.",
)
TITLES = ("{topic} {kind}", "{topic} {kind}", "{adj} {topic} {kind}", "{tech} {topic} {kind}",
          "{topic} {kind} in {tech}", "{adj} {kind}")
_NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
_TWO_YEARS_S = 2 * 365 * 24 * 3600


class _Zipf:
    """Picks from `items`, the n-th (from 1) with weight 1 / n**s."""

    def __init__(self, items: tuple, s: float = 1.0) -> None:
        self.items = items
        self.cumulative = list(itertools.accumulate(1 / (rank ** s)
                                                    for rank in range(1, len(items) + 1)))

    def pick(self, rng: random.Random):
        return rng.choices(self.items, cum_weights=self.cumulative)[0]


_PICKERS = {"topic": _Zipf(TOPICS), "kind": _Zipf(KINDS), "tech": _Zipf(TECH),
            "adj": _Zipf(ADJECTIVES, 0.7), "feature": _Zipf(FEATURES, 0.5),
            "place": _Zipf(PLACES, 0.5), "first": _Zipf(FIRST_NAMES, 0.5),
            "camera": _Zipf(("phone", "film camera", "mirrorless camera", "drone")),
            "period": _Zipf(("day", "week", "hour", "month"))}
_TAG_PICKER = _Zipf(TAGS, 1.1)


def _fill(template: str, rng: random.Random) -> str:
    """Each {placeholder} replaced by its own pick (one may appear twice)."""
    for key, picker in _PICKERS.items():
        while "{" + key + "}" in template:
            template = template.replace("{" + key + "}", picker.pick(rng), 1)
    return template


def _title(rng: random.Random) -> str:
    return " ".join(word if word == "in" else word.capitalize()
                    for word in _fill(rng.choice(TITLES), rng).split())


def _description(rng: random.Random) -> str:
    target = rng.randint(10, 60)
    words: list[str] = []
    while len(words) < target:
        words += _fill(rng.choice(SENTENCES), rng).split()
    return " ".join(words[:target]).rstrip(".,;:") + "."


def _tags(rng: random.Random, title: str) -> tuple[str, ...]:
    count = rng.choices(range(6), weights=(15, 25, 25, 18, 10, 7))[0]
    tags = {_TAG_PICKER.pick(rng) for _ in range(count)}
    tech = next((word.lower() for word in title.split() if word.lower() in TECH), None)
    if tech in TAGS and count and rng.random() < 0.7:
        tags.add(tech)  # a "Python ..." project is often tagged python
    return tuple(sorted(tags))[:5]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def generate(count: int, seed: int = SEED) -> list[ProjectDocument]:
    """`count` projects by count // 4 owners (a few with hundreds of projects, most
    with one to four), updated over the last two years; always the same for a seed."""
    rng = random.Random(seed)
    owners = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
              for _ in range(max(count // 4, 1))]
    pick_owner = _Zipf(tuple(range(len(owners))), 0.5)
    documents = []
    for number in range(count):
        owner = pick_owner.pick(rng)
        title = _title(rng)
        updated = _NOW - timedelta(seconds=rng.uniform(0, _TWO_YEARS_S))
        documents.append(ProjectDocument(
            project_id=f"p{number:06d}", user_id=f"u{owner:05d}", username=f"user{owner}",
            name=owners[owner], title=title, description=_description(rng),
            tags=_tags(rng, title), thumbnail_key=f"projects/p{number:06d}/cover.webp",
            created_at=_iso(updated - timedelta(days=rng.randint(0, 90))),
            updated_at=_iso(updated), version=1))
    return documents


# --------------------------------------------------------------------- the queries


@dataclass(frozen=True)
class BenchQuery:
    category: str
    text: str
    tags: tuple[str, ...] = ()

    def label(self) -> str:
        tags = f" [tags: {', '.join(self.tags)}]" if self.tags else ""
        return f'"{self.text}"{tags}'


QUERIES = (
    BenchQuery("one word", "garden"), BenchQuery("one word", "python"),
    BenchQuery("one word", "portrait"), BenchQuery("one word", "budget"),
    BenchQuery("two words", "photo gallery"), BenchQuery("two words", "budget tracker"),
    BenchQuery("two words", "react dashboard"), BenchQuery("two words", "weather app"),
    BenchQuery("typo", "pyhton"), BenchQuery("typo", "graden"),
    BenchQuery("typo", "portrat"), BenchQuery("typo", "wether app"),
    BenchQuery("prefix", "budget tra"), BenchQuery("prefix", "photo gal"),
    BenchQuery("prefix", "garden pl"), BenchQuery("prefix", "react das"),
    BenchQuery("tag-filtered", "garden", ("photography",)),
    BenchQuery("tag-filtered", "budget tracker", ("finance",)),
    BenchQuery("tag-filtered", "python", ("cli", "data")),
    BenchQuery("tag-filtered", "", ("react",)),
)
CATEGORIES = ("one word", "two words", "typo", "prefix", "tag-filtered")
SUGGEST_PREFIXES = ("p", "g", "b", "w", "a", "ph", "ga", "bu", "re", "tr", "pyt", "gar", "wea",
                    "por", "tra", "fil", "phot", "gard", "budg", "reac", "port", "trac",
                    "coff", "musi")


# ------------------------------------------------------------- the FTS5 baseline


_FTS5_SCHEMA = """
CREATE TABLE projects (id INTEGER PRIMARY KEY, project_id TEXT NOT NULL, title TEXT NOT NULL,
                       updated_ms INTEGER NOT NULL);
CREATE INDEX projects_newest ON projects (updated_ms);
CREATE TABLE project_tags (id INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (id, tag))
    WITHOUT ROWID;
CREATE INDEX tags_by_tag ON project_tags (tag, id);
CREATE VIRTUAL TABLE projects_fts USING fts5(
    title, name, description,
    tokenize = 'porter unicode61 remove_diacritics 2', prefix = '1 2 3 4');
"""
# bm25() weights in column order, the engine's boosts (title 3, name 2, description 1).
_BM25 = "bm25(projects_fts, {title}, {name}, {description})".format(**FIELD_BOOSTS)


def fts5_available() -> bool:
    with sqlite3.connect(":memory:") as db:
        return any(option == "ENABLE_FTS5" for (option,) in db.execute("PRAGMA compile_options"))


def fts5_match(text: str) -> str | None:
    """The engine's query in FTS5 syntax: any of the words (the engine's own split,
    stop words dropped alike), the last one also as a prefix. FTS5 has no fuzzy
    matching, so a misspelt word is looked up as typed."""
    words = query_words(text)
    if not words:
        return None
    return " OR ".join(f'"{word.text}"' + ("*" if word.prefix else "") for word in words)


class Fts5Index:
    """The same projects in an SQLite FTS5 table (title, name, description), tags in
    a side table; answers what the engine's search() and suggest() answer."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path)
        self.db.executescript(_FTS5_SCHEMA)

    def load(self, documents: list[ProjectDocument], batch: int = BATCH) -> None:
        for start in range(0, len(documents), batch):
            with self.db:  # one transaction (one commit) per batch
                for number, document in enumerate(documents[start:start + batch], start):
                    self._insert(number + 1, document)

    def _insert(self, rowid: int, document: ProjectDocument) -> None:
        updated = datetime.fromisoformat(document.updated_at)
        self.db.execute("INSERT INTO projects VALUES (?, ?, ?, ?)",
                        (rowid, document.project_id, document.title,
                         int(updated.timestamp() * 1000)))
        self.db.execute("INSERT INTO projects_fts (rowid, title, name, description) "
                        "VALUES (?, ?, ?, ?)",
                        (rowid, document.title, document.name, document.description))
        self.db.executemany("INSERT OR IGNORE INTO project_tags VALUES (?, ?)",
                            [(rowid, tag.lower()) for tag in document.tags])

    def search(self, query: SearchQuery) -> tuple[list[str], int]:
        """Project ids of the first page and the total (tag counts computed and dropped)."""
        match = fts5_match(query.text)
        tags = sorted({tag.lower() for tag in query.tags})
        if match is None:
            return self._newest(tags, query.size)
        # "+": checked on each match; a plain rowid constraint would make FTS5 run the
        # full-text query once per tagged project (a thousand times slower here).
        tag_filter, params = _tag_filter("+projects_fts.rowid", tags)
        page = self.db.execute(
            "SELECT p.project_id, highlight(projects_fts, 0, '<mark>', '</mark>'), "
            "highlight(projects_fts, 1, '<mark>', '</mark>'), "
            "snippet(projects_fts, 2, '<mark>', '</mark>', '…', 32) "
            "FROM projects_fts JOIN projects p ON p.id = projects_fts.rowid "
            f"WHERE projects_fts MATCH ? {tag_filter} "
            f"ORDER BY {_BM25}, p.updated_ms DESC LIMIT ?",
            (match, *params, query.size)).fetchall()
        (total,), = self.db.execute(
            f"SELECT count(*) FROM projects_fts WHERE projects_fts MATCH ? {tag_filter}",
            (match, *params))
        self._facets("WHERE id IN (SELECT rowid FROM projects_fts WHERE projects_fts MATCH ?)",
                     (match,))
        return [row[0] for row in page], total

    def _newest(self, tags: list[str], size: int) -> tuple[list[str], int]:
        where, params = _tag_filter("id", tags, keyword="WHERE")
        page = self.db.execute(f"SELECT project_id FROM projects {where} "
                               "ORDER BY updated_ms DESC LIMIT ?", (*params, size)).fetchall()
        (total,), = self.db.execute(f"SELECT count(*) FROM projects {where}", params)
        self._facets("", ())
        return [row[0] for row in page], total

    def _facets(self, where: str, params: tuple) -> list[tuple[str, int]]:
        return self.db.execute(f"SELECT tag, count(*) AS n FROM project_tags {where} "
                               f"GROUP BY tag ORDER BY n DESC, tag LIMIT {TAG_FACETS}",
                               params).fetchall()

    def suggest(self, prefix: str, limit: int = 5) -> list[str]:
        """Distinct titles holding the typed words (the last one begun), then tags
        beginning with the text, alternately, as the engine does."""
        titles = self._title_suggestions(prefix, limit)
        typed = prefix.strip().lower()
        tags = [tag for (tag,) in self.db.execute(
            "SELECT DISTINCT tag FROM project_tags WHERE tag >= ? AND tag < ? ORDER BY tag "
            "LIMIT ?", (typed, typed + "\U0010ffff", limit))] if typed else []
        mixed = [item for pair in zip(titles, tags) for item in pair]
        mixed += titles[len(tags):] + tags[len(titles):]
        return mixed[:limit]

    def _title_suggestions(self, prefix: str, limit: int) -> list[str]:
        words = [word.text for word in query_words(prefix)]
        if not words:
            return []
        match = "title : (" + " AND ".join(f'"{word}"' for word in words) + "*)"
        found: dict[str, str] = {}
        rows = self.db.execute("SELECT title FROM projects_fts WHERE projects_fts MATCH ? "
                               "LIMIT 1000", (match,))
        for (title,) in rows:  # read lazily: stops at `limit` distinct titles
            found.setdefault(title.casefold(), title)
            if len(found) == limit:
                break
        return list(found.values())

    def close(self) -> None:
        self.db.close()


def _tag_filter(column: str, tags: list[str], *, keyword: str = "AND") -> tuple[str, tuple]:
    """The SQL keeping projects with any of `tags` (none: no condition), and its values."""
    if not tags:
        return "", ()
    marks = ", ".join("?" for _ in tags)
    return (f"{keyword} {column} IN (SELECT id FROM project_tags WHERE tag IN ({marks}))",
            tuple(tags))


# --------------------------------------------------------------------- measuring


def percentile(samples: list[float], p: float) -> float:
    """Nearest rank: the smallest sample with at least p % of the samples at or below it."""
    ordered = sorted(samples)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def interleaved(calls: dict[tuple, Callable[[], object]], runs: int) -> dict[tuple, list[float]]:
    """Each call once to warm up, then `runs` rounds of every call in turn; the
    samples in milliseconds, per call."""
    for call in calls.values():
        call()
    samples: dict[tuple, list[float]] = {name: [] for name in calls}
    for _ in range(runs):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            samples[name].append((time.perf_counter() - started) * 1000)
    return samples


def disk_bytes(path: Path) -> int:
    """Allocated bytes, as du counts them."""
    files = [path] if path.is_file() else [Path(root) / name
                                          for root, _, names in os.walk(path) for name in names]
    return sum(file.stat().st_blocks * 512 for file in files)


def index_engine(engine: TantivyIndex, documents: list[ProjectDocument]) -> None:
    """Write `documents` through batch(), BATCH per commit."""
    for start in range(0, len(documents), BATCH):
        with engine.batch():
            for document in documents[start:start + BATCH]:
                engine.index(document)


def timed(call: Callable[[], object]) -> tuple[float, float]:
    """Wall seconds, and CPU seconds of every thread of this process: the engine indexes
    on a thread of its own, and on a busy machine CPU time is the steadier cost."""
    started, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - started, time.process_time() - cpu


# ---------------------------------------------------------------------- printing


def table(headers: list[str], rows: Iterable[list[str]]) -> None:
    rows = [headers] + [list(row) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    for number, row in enumerate(rows):
        print("  " + "  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                               for i, (cell, width) in enumerate(zip(row, widths))).rstrip())
        if number == 0:
            print("  " + "  ".join("-" * width for width in widths))


def ms(value: float) -> str:
    return f"{value:.2f}"


def thousands(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def machine_line(corpus: str) -> str:
    loads = " ".join(f"{load:.2f}" for load in os.getloadavg())
    return f"machine: {os.cpu_count()} cores, load average {loads} (1/5/15 min) | corpus: {corpus}"


def versions_line() -> str:
    return (f"Python {platform.python_version()}, {tantivy.__version__}, "
            f"SQLite {sqlite3.sqlite_version} (FTS5 "
            f"{'compiled in' if fts5_available() else 'MISSING'})")


# ------------------------------------------------------------------ the sections


def bench_indexing(documents: list[ProjectDocument], folder: Path
                   ) -> tuple[TantivyIndex, Fts5Index]:
    engine = TantivyIndex(folder / "tantivy")
    engine_seconds, engine_cpu = timed(lambda: index_engine(engine, documents))
    engine_bytes = disk_bytes(folder / "tantivy")
    rebuild_seconds, _ = timed(lambda: engine.rebuild(iter(documents)))
    rebuilt_bytes = disk_bytes(folder / "tantivy")
    baseline = Fts5Index(str(folder / "fts5.sqlite"))
    fts5_seconds, fts5_cpu = timed(lambda: baseline.load(documents))
    fts5_bytes = disk_bytes(folder / "fts5.sqlite")
    count = len(documents)
    print(f"\nIndexing {thousands(count)} projects")
    table(["", "Tantivy (port)", "SQLite FTS5"], [
        [f"batches of {thousands(BATCH)}, one commit each: docs/s",
         thousands(count / engine_seconds), thousands(count / fts5_seconds)],
        ["  the same, seconds", f"{engine_seconds:.1f}", f"{fts5_seconds:.1f}"],
        ["  the same, docs per CPU-second (all threads)", thousands(count / engine_cpu),
         thousands(count / fts5_cpu)],
        ["rebuild() into a fresh index: docs/s", thousands(count / rebuild_seconds), "-"],
        ["  the same, seconds", f"{rebuild_seconds:.1f}", "-"],
        ["size on disk after the batches, MB", f"{engine_bytes / 1e6:.1f}",
         f"{fts5_bytes / 1e6:.1f}"],
        ["size on disk after rebuild(), MB", f"{rebuilt_bytes / 1e6:.1f}", "-"],
    ])
    return engine, baseline


def bench_search(engine: TantivyIndex, baseline: Fts5Index, runs: int) -> None:
    calls, totals = {}, {}
    for number, query in enumerate(QUERIES):
        search = SearchQuery(text=query.text, tags=query.tags, size=PAGE)
        calls[("tantivy", number)] = lambda search=search: engine.search(search)
        calls[("fts5", number)] = lambda search=search: baseline.search(search)
        totals[number] = (engine.search(search).total, baseline.search(search)[1])
    samples = interleaved(calls, runs)
    print(f"\nSearch, ms per query ({runs} runs each after a warm-up, engines interleaved; "
          f"page of {PAGE} + total + tag counts + highlights)")
    rows = []
    for number, query in enumerate(QUERIES):
        ours, theirs = samples[("tantivy", number)], samples[("fts5", number)]
        rows.append([f"{query.category:<13}{query.label()}",
                     ms(percentile(ours, 50)), ms(percentile(ours, 95)),
                     thousands(totals[number][0]),
                     ms(percentile(theirs, 50)), ms(percentile(theirs, 95)),
                     thousands(totals[number][1])])
    for category in (*CATEGORIES, None):
        numbers = [n for n, q in enumerate(QUERIES) if category in (None, q.category)]
        ours = [s for n in numbers for s in samples[("tantivy", n)]]
        theirs = [s for n in numbers for s in samples[("fts5", n)]]
        rows.append([f"  all {category or 'queries'} ({len(ours)} samples)",
                     ms(percentile(ours, 50)), ms(percentile(ours, 95)), "",
                     ms(percentile(theirs, 50)), ms(percentile(theirs, 95)), ""])
    table(["query", "Tantivy p50", "p95", "matches", "FTS5 p50", "p95", "matches"], rows)
    print("  FTS5 has no fuzzy matching: its typo queries look up the misspelt word as typed"
          " (hence few or no matches).\n"
          "  FTS5's porter tokenizer stems a typed prefix too (\"das\" becomes \"da\"), so"
          " a prefix query may match more there.")


def bench_suggest(engine: TantivyIndex, baseline: Fts5Index, runs: int) -> None:
    calls = {}
    for prefix in SUGGEST_PREFIXES:
        calls[("tantivy", prefix)] = lambda prefix=prefix: engine.suggest(prefix, 5)
        calls[("fts5", prefix)] = lambda prefix=prefix: baseline.suggest(prefix, 5)
    samples = interleaved(calls, runs)
    print(f"\nSuggest, ms ({len(SUGGEST_PREFIXES)} prefixes of 1-4 letters, 5 completions, "
          f"{runs} runs each)\n  FTS5: prefix query on titles read unranked until 5 "
          "distinct, + a tag range; the engine: the most frequent distinct titles and tags\n"
          "  from any word start, read from its term dictionary")
    rows = []
    for length in (1, 2, 3, 4, None):
        chosen = [p for p in SUGGEST_PREFIXES if length in (None, len(p))]
        ours = [s for p in chosen for s in samples[("tantivy", p)]]
        theirs = [s for p in chosen for s in samples[("fts5", p)]]
        rows.append([f"{length} letter{'s' if length != 1 else ''}" if length else "all",
                     str(len(chosen)), ms(percentile(ours, 50)), ms(percentile(ours, 95)),
                     ms(percentile(theirs, 50)), ms(percentile(theirs, 95))])
    table(["prefixes", "n", "Tantivy p50", "p95", "FTS5 p50", "p95"], rows)


def bench_relevance(folder: Path) -> None:
    documents = search_relevance.corpus()
    engine = TantivyIndex(folder / "relevance-tantivy")
    with engine.batch():
        for document in documents:
            engine.index(document)
    baseline = Fts5Index(":memory:")
    baseline.load(documents)
    rows, ours_all, theirs_all = [], [], []
    for query in search_relevance.QUERIES:
        search = SearchQuery(text=query.text, tags=query.tags, size=10)
        ours = search_relevance.ndcg_at(
            [hit.document.project_id for hit in engine.search(search).hits], query.judged)
        theirs = search_relevance.ndcg_at(baseline.search(search)[0], query.judged)
        ours_all.append((query.category, ours))
        theirs_all.append((query.category, theirs))
        rows.append([f"{query.category:<13}{_relevance_label(query)}", f"{ours:.3f}",
                     f"{theirs:.3f}"])
    for category in (*dict.fromkeys(q.category for q in search_relevance.QUERIES), None):
        rows.append([f"  mean {category or 'of all'} queries",
                     _mean(ours_all, category), _mean(theirs_all, category)])
    baseline.close()
    print(f"\nRelevance: nDCG@10 over the fixed set in search_relevance.py "
          f"({len(documents)} projects, {len(search_relevance.QUERIES)} judged queries)")
    table(["query", "Tantivy", "FTS5"], rows)


def _relevance_label(query: search_relevance.RelevanceQuery) -> str:
    return BenchQuery(query.category, query.text, query.tags).label()


def _mean(scores: list[tuple[str, float]], category: str | None) -> str:
    chosen = [score for cat, score in scores if category in (None, cat)]
    return f"{sum(chosen) / len(chosen):.3f}"


# ------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="generated projects")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each query")
    parser.add_argument("--relevance-only", action="store_true",
                        help="only the nDCG@10 table (a few seconds)")
    args = parser.parse_args(argv)
    if not fts5_available():
        sys.exit("this SQLite has no FTS5: the baseline cannot run")
    if args.relevance_only:
        print(machine_line(f"the fixed relevance set ({len(search_relevance.corpus())} projects)"))
    else:
        print(machine_line(f"{thousands(args.docs)} generated projects (seed {SEED}), "
                           f"{args.runs} runs per query"))
    print(versions_line())
    with tempfile.TemporaryDirectory(prefix="bench-search-") as folder:
        if not args.relevance_only:
            started = time.perf_counter()
            documents = generate(args.docs)
            print(f"generated in {time.perf_counter() - started:.1f} s")
            engine, baseline = bench_indexing(documents, Path(folder))
            bench_search(engine, baseline, args.runs)
            bench_suggest(engine, baseline, args.runs)
            baseline.close()
        bench_relevance(Path(folder))


if __name__ == "__main__":
    main()
