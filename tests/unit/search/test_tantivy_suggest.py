"""The Tantivy adapter's walk over its term dictionary (tantivy_suggest) finds
what counting every live project would: the best-first walk may skip branches
only when they cannot hold one of the best. (Among phrases of equal count, which
come first is the walk's choice: it does not open every branch to break a tie.)"""
from __future__ import annotations

import random
from collections import Counter

import pytest

from portrait.search.completions import distinct, index_terms, phrase_key, typed_key
from portrait.search.tantivy_index import TantivyIndex
from portrait.search.tantivy_suggest import completions, has_deleted_documents
from tests.contract.projects import project

_WORDS = ("photo", "photos", "app", "apple", "garden", "gallery", "python", "planner", "pixel",
          "simple", "tiny", "in", "map", "mapper", "a")


def _title(rng: random.Random) -> str:
    # Skewed picks, so some phrases are frequent and most are rare, as titles are.
    count = rng.choice((1, 2, 2, 3, 3, 4))
    return " ".join(rng.choice(_WORDS[:rng.randint(2, len(_WORDS))]).capitalize()
                    for _ in range(count))


def _counted(titles: dict[str, str], prefix: str) -> dict[str, int]:
    """Every phrase completing `prefix`, and how many live projects hold it."""
    key, _ = typed_key("title", prefix)
    counts: Counter[str] = Counter()
    for title in titles.values():
        counts.update({term for term in index_terms("title", (title,))[0]
                       if term.startswith(key)})
    return {phrase_key(term): count for term, count in distinct(counts.items(), len(counts))}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """400 projects in 4 commits, then a fifth of them retitled or deleted: an index
    that still holds replaced and deleted documents."""
    rng = random.Random(25)
    index = TantivyIndex(tmp_path_factory.mktemp("suggest"))
    titles = {f"p{number:03d}": _title(rng) for number in range(400)}
    for batch in range(4):
        with index.batch():
            for number in range(batch * 100, batch * 100 + 100):
                index.index(project(f"p{number:03d}", titles[f"p{number:03d}"]))
    for project_id in rng.sample(sorted(titles), 80):
        if rng.random() < 0.5:
            index.delete(project_id, 2)
            del titles[project_id]
        else:
            titles[project_id] = _title(rng)
            index.index(project(project_id, titles[project_id], version=2))
    return index, titles


@pytest.mark.parametrize("prefix", ["p", "a", "ph", "photo", "photo a", "app ", "simple photo",
                                    "tiny photo app g", "in", "m", "z"])
@pytest.mark.parametrize("limit", [1, 5, 12])
def test_the_walk_finds_the_most_frequent_phrases_exactly(corpus, prefix, limit) -> None:
    index, titles = corpus
    opened = index._reader()
    searcher = opened.index.searcher()
    assert has_deleted_documents(searcher)

    found = [(phrase_key(term), count) for term, count in
             completions(searcher, opened.schema, "title", prefix, limit, exact=True)]

    every = _counted(titles, prefix)
    assert [count for _, count in found] == sorted(every.values(), reverse=True)[:limit]
    assert all(every[phrase] == count for phrase, count in found)
    assert len({phrase for phrase, _ in found}) == len(found)


def test_without_deleted_documents_term_frequencies_are_the_counts(tmp_path) -> None:
    index = TantivyIndex(tmp_path)
    with index.batch():
        for number, title in enumerate(["Tiny Map"] * 3 + ["Map Maker", "Tiny"]):
            index.index(project(f"p{number}", title))
    opened = index._reader()
    searcher = opened.index.searcher()
    assert not has_deleted_documents(searcher)

    assert [(phrase_key(term), count) for term, count in completions(
        searcher, opened.schema, "title", "ma", 5, exact=False)] == [("tiny map ", 3),
                                                                     ("map maker ", 1)]
