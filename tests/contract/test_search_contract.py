"""The search port's contract: what every adapter does, seen through the port alone.

Each test runs once per adapter (see conftest.py): Tantivy always, OpenSearch
when an endpoint is configured.
"""
from __future__ import annotations

import threading

from portrait.search.port import SearchQuery, SearchResult, Suggestion, TagCount
from tests.contract.projects import ids, project, timestamp


def search(index, text: str = "", **options) -> SearchResult:
    return index.search(SearchQuery(text=text, **options))


# --------------------------------------------------------------------- relevance


def test_a_word_is_found_in_title_name_and_description_title_first(search_index) -> None:
    search_index.index(project("in-title", "Harbour lights", description="Long exposure at night"))
    search_index.index(project("in-name", "Morning boats", name="Hana Harbour", user_id="u-hana"))
    search_index.index(project("in-description", "Studio session",
                               description="Boats resting in the harbour at dawn"))

    assert ids(search(search_index, "harbour")) == ["in-title", "in-name", "in-description"]
    assert ids(search(search_index, "lights")) == ["in-title"]
    assert ids(search(search_index, "hana")) == ["in-name"]
    assert ids(search(search_index, "dawn")) == ["in-description"]


def test_any_word_finds_a_project_and_more_of_them_rank_it_higher(search_index) -> None:
    search_index.index(project("both", "Harbour lights", description="Taken at dawn"))
    search_index.index(project("one", "Harbour market"))
    search_index.index(project("neither", "Mountain hut"))

    assert ids(search(search_index, "harbour dawn")) == ["both", "one"]
    assert search(search_index, "harbour sunset").total == 2


def test_a_typo_in_a_word_of_five_letters_or_more_still_finds_it(search_index) -> None:
    search_index.index(project("p", "Harbour lights"))

    for typo in ["harbuor", "harbur", "harbouur", "hxrbour", "lihgts"]:
        assert ids(search(search_index, typo)) == ["p"], typo
    assert search(search_index, "hxrbxur").total == 0  # two edits are one too many


def test_shorter_words_must_be_spelled_right(search_index) -> None:
    search_index.index(project("p", "Boat trip", description="A cat on deck"))

    for typo in ["baot", "tirp", "cta", "bost"]:
        assert search(search_index, typo).total == 0, typo
    assert ids(search(search_index, "boat")) == ["p"]


def test_the_last_word_also_matches_as_a_prefix(search_index) -> None:
    search_index.index(project("harbour", "Harbour lights"))
    search_index.index(project("harvest", "Harvest moon"))

    assert ids(search(search_index, "harb")) == ["harbour"]
    assert sorted(ids(search(search_index, "har"))) == ["harbour", "harvest"]
    assert ids(search(search_index, "lights harb")) == ["harbour"]
    # Only the last word may be unfinished: "harb" is not a word on its own.
    assert ids(search(search_index, "harb moon")) == ["harvest"]


def test_highlights_mark_matched_words_and_escape_the_rest(search_index) -> None:
    search_index.index(project("p", "Cats & <dogs>", description="Two cats asleep on a sofa"))

    hit = search(search_index, "cats").hits[0]
    title = hit.highlights["title"][0]
    assert "<mark>Cats</mark>" in title
    assert "&amp;" in title and "&lt;dogs&gt;" in title and "<dogs>" not in title
    assert "<mark>cats</mark>" in hit.highlights["description"][0]
    assert "name" not in hit.highlights  # nothing matched there

    unfinished = search(search_index, "two asle").hits[0]
    assert "<mark>asleep</mark>" in unfinished.highlights["description"][0]


def test_equal_scores_are_ordered_newest_first(search_index) -> None:
    for project_id, minute in [("old", 10), ("newest", 30), ("middle", 20)]:
        search_index.index(project(project_id, "Harbour lights", updated_at=timestamp(minute)))

    assert ids(search(search_index, "harbour")) == ["newest", "middle", "old"]


def test_pages_split_the_matches_and_total_counts_them_all(search_index) -> None:
    for number in range(25):
        search_index.index(project(f"p{number:02d}", f"Harbour study {number}"))
    search_index.index(project("other", "Mountain hut"))

    pages = [search(search_index, "harbour", page=page, size=10) for page in (1, 2, 3, 4)]

    assert [page.total for page in pages] == [25, 25, 25, 25]
    assert [len(page.hits) for page in pages] == [10, 10, 5, 0]
    # Equal scores, so newest first across the pages too.
    assert [i for page in pages for i in ids(page)] == [f"p{n:02d}" for n in range(24, -1, -1)]


# -------------------------------------------------------------------- tags, facets


def test_the_tag_filter_keeps_projects_with_any_of_the_tags(search_index) -> None:
    search_index.index(project("sea", "Harbour lights", tags=("sea",)))
    search_index.index(project("night", "Night walk", tags=("night",)))
    search_index.index(project("both", "Night harbour", tags=("sea", "night")))
    search_index.index(project("city", "Harbour market", tags=("city",)))

    assert sorted(ids(search(search_index, tags=("sea", "night")))) == ["both", "night", "sea"]
    assert ids(search(search_index, tags=("city",))) == ["city"]
    assert search(search_index, tags=("nowhere",)).total == 0
    assert sorted(ids(search(search_index, "harbour", tags=("sea",)))) == ["both", "sea"]


def test_tag_facets_count_every_match_of_the_text_before_the_tag_filter(search_index) -> None:
    search_index.index(project("a", "Harbour at dawn", tags=("sea", "boats")))
    search_index.index(project("b", "Harbour at night", tags=("sea", "night")))
    search_index.index(project("c", "Harbour market", tags=("sea", "city", "boats")))
    search_index.index(project("d", "Mountain hut", tags=("sea", "snow")))

    result = search(search_index, "harbour")
    assert result.tag_facets == [TagCount("sea", 3), TagCount("boats", 2),
                                 TagCount("city", 1), TagCount("night", 1)]

    filtered = search(search_index, "harbour", tags=("night",))
    assert ids(filtered) == ["b"] and filtered.total == 1
    assert filtered.tag_facets == result.tag_facets

    assert search(search_index).tag_facets[:2] == [TagCount("sea", 4), TagCount("boats", 2)]


def test_no_text_lists_projects_newest_first_with_or_without_tags(search_index) -> None:
    search_index.index(project("a", "Harbour lights", tags=("sea",), updated_at=timestamp(10)))
    search_index.index(project("b", "Market day", tags=("city",), updated_at=timestamp(30)))
    search_index.index(project("c", "Night harbour", tags=("sea",), updated_at=timestamp(20)))

    assert ids(search(search_index)) == ["b", "c", "a"]
    assert ids(search(search_index, tags=("sea",))) == ["c", "a"]


# ------------------------------------------------------------------------ versions


def test_a_duplicated_or_older_update_leaves_the_newest_document(search_index) -> None:
    newer = project("p", "Harbour at night", version=2)

    assert [search_index.index(newer) for _ in range(3)] == [True, False, False]
    assert search_index.index(project("p", "Harbour at dawn", version=1)) is False

    assert search_index.get("p") == newer
    assert ids(search(search_index, "night")) == ["p"]
    assert search(search_index, "dawn").total == 0


def test_a_duplicated_or_older_delete_leaves_the_newest_tombstone(search_index) -> None:
    search_index.index(project("p", "Harbour lights", version=1))

    assert [search_index.delete("p", 3) for _ in range(3)] == [True, False, False]
    assert search_index.delete("p", 2) is False
    assert search_index.index(project("p", "Harbour lights", version=3)) is False
    assert search_index.get("p") is None


def test_a_deleted_project_is_never_shown_counted_or_suggested(search_index) -> None:
    search_index.index(project("gone", "Harbour lights", tags=("sea",)))
    search_index.index(project("kept", "Harbour market", tags=("city",)))
    search_index.delete("gone", 2)

    # The update that came before the delete arrives late: it must not bring it back.
    assert search_index.index(project("gone", "Harbour lights", tags=("sea",))) is False

    result = search(search_index, "harbour")
    assert ids(result) == ["kept"] and result.total == 1
    assert result.tag_facets == [TagCount("city", 1)]
    assert search(search_index).total == 1
    assert search(search_index, tags=("sea",)).total == 0
    assert all(s.project_id != "gone" for s in search_index.suggest("harbour"))
    assert Suggestion("sea", "tag") not in search_index.suggest("se")
    assert search_index.get("gone") is None


def test_renaming_a_user_rewrites_their_name_on_each_live_project(search_index) -> None:
    search_index.index(project("a1", "Harbour lights", name="Ada Lovelace", version=3))
    search_index.index(project("a2", "Mountain hut", name="Ada Lovelace"))
    search_index.index(project("a3", "Deleted one", name="Ada Lovelace"))
    search_index.delete("a3", 2)
    search_index.index(project("g1", "Garden", name="Grace Hopper", user_id="u-grace"))

    assert search_index.rename_user("u-ada", "Ada King") == 2

    renamed = search(search_index, "king")
    assert sorted(ids(renamed)) == ["a1", "a2"]
    assert all("<mark>King</mark>" in hit.highlights["name"][0] for hit in renamed.hits)
    assert search(search_index, "lovelace").total == 0
    assert search_index.get("a1").name == "Ada King"
    assert search_index.get("a1").version == 3  # the project itself did not change
    assert search_index.get("g1").name == "Grace Hopper"
    assert search_index.get("a3") is None
    assert search_index.rename_user("u-ada", "Ada King") == 0


# --------------------------------------------------------------------- suggestions


def test_suggestions_complete_titles_and_tags(search_index) -> None:
    search_index.index(project("py1", "Python for photographers", tags=("python", "code")))
    search_index.index(project("py2", "Pythagoras in paint", tags=("maths",)))
    search_index.index(project("ph", "Photo walk", tags=("pyrography",)))

    found = search_index.suggest("pyth")
    assert Suggestion("Python for photographers", "title", "py1") in found
    assert Suggestion("Pythagoras in paint", "title", "py2") in found
    assert Suggestion("python", "tag") in found
    assert {s.text for s in found} <= {"Python for photographers", "Pythagoras in paint",
                                       "python"}

    assert Suggestion("Python for photographers", "title", "py1") in search_index.suggest(
        "PYTHON FO")
    assert len(search_index.suggest("p", limit=2)) == 2
    assert search_index.suggest("zzz") == []


def test_suggestions_are_distinct_phrases_most_frequent_first_from_any_word(
        search_index) -> None:
    titles = ["Photo App"] * 3 + ["Simple Photo App"] * 2 + ["Photo Album"]
    for number, title in enumerate(titles):
        tags = ("photography", "open-source") if number < 4 else ("photo-book",)
        search_index.index(project(f"p{number}", title, tags=tags))
    # Another spelling of the same words: the same phrase (its oldest project).
    search_index.index(project("p6", "PHOTO  app", tags=("Photography",),
                               updated_at=timestamp(0)))

    # One suggestion per phrase, however many projects share it (in whatever spelling),
    # the most frequent first; a title shows and leads to its newest project. Titles and
    # tags alternate.
    assert search_index.suggest("pho") == [
        Suggestion("Photo App", "title", "p2"), Suggestion("photography", "tag"),
        Suggestion("Simple Photo App", "title", "p4"), Suggestion("photo-book", "tag"),
        Suggestion("Photo Album", "title", "p5")]
    # From the start of any word of a title or tag, the typed words in their order.
    assert [s.text for s in search_index.suggest("app")] == ["Photo App", "Simple Photo App"]
    assert [s.text for s in search_index.suggest("photo a", limit=10)] == [
        "Photo App", "Simple Photo App", "Photo Album"]
    assert [s.text for s in search_index.suggest("sourc")] == ["open-source"]
    assert [s.text for s in search_index.suggest("photo-b")] == ["photo-book"]
    assert search_index.suggest("app photo") == []
    assert search_index.suggest("(((") == []


def test_suggestions_count_live_projects_only(search_index) -> None:
    for number in range(3):
        search_index.index(project(f"h{number}", "Harbour lights"))
    search_index.index(project("m0", "Harbour market"))
    search_index.index(project("m1", "Harbour market"))
    assert [s.text for s in search_index.suggest("harb")] == ["Harbour lights", "Harbour market"]

    # Two of the three change their title, the third is deleted: the market leads now.
    search_index.index(project("h0", "Harbour market", version=2))
    search_index.index(project("h1", "Lighthouse", version=2))
    search_index.delete("h2", 2)
    assert search_index.suggest("harb") == [Suggestion("Harbour market", "title", "h0")]
    assert search_index.suggest("light") == [Suggestion("Lighthouse", "title", "h1")]


# ------------------------------------------------------------------------ rebuild


def test_a_rebuild_switches_the_alias_while_searches_keep_answering(search_index) -> None:
    for number in range(10):
        search_index.index(project(f"p{number:04d}", f"Portrait number {number}",
                                   tags=("studio",)))
    answers: list[int] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            try:
                answers.append(search(search_index, "portrait").total)
                search_index.suggest("port")
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                failures.append(exc)

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        report = search_index.rebuild(
            project(f"p{number:04d}", f"Portrait number {number}", tags=("studio",), version=2)
            for number in range(2000))
    finally:
        stop.set()
        searcher.join()

    assert failures == []
    assert answers and min(answers) >= 10  # the old index until the switch, the new after
    assert report.indexed == 2000
    assert report.previous is not None and report.index_name != report.previous
    assert search(search_index, "portrait").total == 2000
    assert search_index.get("p0001").version == 2

    again = search_index.rebuild([project("p0001", "Portrait number 1", version=3)])
    assert again.previous == report.index_name
    assert ids(search(search_index, "portrait")) == ["p0001"]


# ------------------------------------------------------------------ hostile input

HOSTILE = [
    '"', '"unclosed phrase', "title:harbour", "harbour AND", "AND OR NOT", "(((", ")",
    "[1 TO 5]", "{*}", "*", "?", "harb*", "harbour~2", "harbour^10", "\\", "/.*/", "+-!",
    "&&||", "a" * 200, "word " * 40, "日本語の写真", "🙂📷", "\u202eevil", "\x00\x01", "   ", "",
    "ß İ ǅ", "'; DROP TABLE projects; --", "<script>alert(1)</script>", "é" * 200,
]


def test_hostile_text_never_makes_a_query_fail(search_index) -> None:
    search_index.index(project("p", "Harbour lights", tags=("sea",)))
    problems = {}
    for text in HOSTILE:
        try:
            search(search_index, text)
            search(search_index, text, tags=(text,))
            search_index.suggest(text)
        except Exception as exc:  # noqa: BLE001 - every failure is reported
            problems[text] = repr(exc)

    assert problems == {}
    assert ids(search(search_index, '(harbour) AND "lights:')) == ["p"]  # words, not syntax
