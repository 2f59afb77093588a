"""The request bodies, held to the exact JSON in expected/ (written by hand, not
generated from the code), and the reading of OpenSearch's answers."""
from __future__ import annotations

import pytest

from portrait.search.opensearch_bodies import (
    alias_actions,
    index_body,
    search_body,
    search_result,
    suggest_body,
    suggestions,
    version_params,
)
from portrait.search.opensearch_bodies import suggest_terms
from portrait.search.port import Hit, SearchQuery, SearchResult, Suggestion, TagCount

from .fakes import expected, project


@pytest.mark.parametrize(("case", "query"), [
    ("search_one_word", SearchQuery(text="python")),
    ("search_two_words", SearchQuery(text="react portfolio")),
    ("search_typo", SearchQuery(text="pyhton")),
    ("search_prefix", SearchQuery(text="  analytical eng ")),
    ("search_tags_filter", SearchQuery(text="python", tags=("web", "data"), page=3, size=10)),
    ("search_empty_with_tags", SearchQuery(text="", tags=("python",))),
])
def test_search_bodies_are_the_expected_json(case, query):
    assert search_body(query) == expected(case)


def test_a_blank_query_is_the_empty_query():
    assert search_body(SearchQuery(text="   ", tags=("python",))) == expected(
        "search_empty_with_tags")


def test_a_page_past_the_result_window_asks_for_no_hits_but_still_counts():
    body = search_body(SearchQuery(text="python", page=501, size=20))

    assert (body["from"], body["size"], body["track_total_hits"]) == (0, 0, True)
    assert "tags" in body["aggs"]


def test_the_last_page_inside_the_window_is_asked_for():
    body = search_body(SearchQuery(text="python", page=500, size=20))

    assert (body["from"], body["size"]) == (9980, 20)


def test_suggest_body_counts_the_phrases_that_begin_with_the_typed_words():
    # "Node.j": the words "node" and "j", the last one half typed, from any word start.
    assert suggest_body("Node.j", 5) == expected("suggest")


def test_the_typed_key_holds_words_only_so_no_regex_operator_reaches_the_include():
    titles = suggest_body('a.?+*|{}[]()"\\#@&<>~b', 5)["aggs"]["titles"]
    assert titles["filter"] == {"prefix": {"suggest": "t:a b"}}
    assert titles["aggs"]["phrases"]["terms"]["include"] == "t:a b.*"


def test_text_without_a_word_asks_for_nothing():
    assert suggest_body(".?+*", 5) is None


def test_index_body_of_a_domain_has_one_shard_and_the_mapping():
    assert index_body(serverless=False) == expected("index_es")


def test_index_body_of_a_collection_has_no_shard_settings():
    assert index_body(serverless=True) == {"mappings": expected("index_es")["mappings"]}


def test_alias_switch_removes_every_old_index_and_adds_the_new_one_in_one_request():
    body = alias_actions("projects", add="projects-20250304050607890123",
                         remove=["projects-20250101000000000000", "projects-initial"])

    assert body == expected("alias_switch")


def test_first_alias_is_a_lone_add():
    assert alias_actions("projects", add="projects-initial") == {
        "actions": [{"add": {"index": "projects-initial", "alias": "projects"}}]}


@pytest.mark.parametrize("version", [-1, 2**63])
def test_versions_outside_what_external_versioning_takes_are_refused(version):
    with pytest.raises(ValueError):
        version_params(version)


def _hit(document, score, highlight=None):
    source = {**expected("document"), "project_id": document.project_id,
              "title": document.title, "suggest": suggest_terms(document)}
    return {"_index": "projects-initial", "_id": document.project_id, "_score": score,
            "_source": source, **({"highlight": highlight} if highlight else {})}


def test_search_result_reads_hits_highlights_total_and_facets():
    first, second = project("01JA", title="Engine"), project("01JB", title="Notes")
    response = {
        "hits": {"total": {"value": 42, "relation": "eq"}, "hits": [
            _hit(first, 3.5, {"title": ["<mark>Engine</mark>"]}),
            _hit(second, None),
        ]},
        "aggregations": {"tags": {"buckets": [{"key": "python", "doc_count": 30},
                                              {"key": "history", "doc_count": 12}]}},
    }

    assert search_result(response) == SearchResult(
        hits=[Hit(document=first, score=3.5, highlights={"title": ["<mark>Engine</mark>"]}),
              Hit(document=second, score=0.0, highlights={})],
        total=42,
        tag_facets=[TagCount("python", 30), TagCount("history", 12)],
    )


def _title_bucket(term, count, project_id, title):
    return {"key": term, "doc_count": count, "newest": {"hits": {"hits": [
        {"_source": {"project_id": project_id, "title": title}}]}}}


def test_suggestions_take_titles_and_tags_in_turn_up_to_the_limit():
    response = {"aggregations": {
        "titles": {"phrases": {"buckets": [
            _title_bucket(f"t:title {i} \x1f ", 9 - i, f"01J{i}", f"Title {i}")
            for i in range(3)]}},
        "tags": {"phrases": {"buckets": [
            {"key": "g:python \x1f \x1fpython", "doc_count": 9}]}},
    }}

    assert suggestions(response, 4) == [
        Suggestion("Title 0", "title", "01J0"), Suggestion("python", "tag"),
        Suggestion("Title 1", "title", "01J1"), Suggestion("Title 2", "title", "01J2"),
    ]


def test_a_phrase_counted_under_two_of_its_words_is_suggested_once_as_its_newest_spells_it():
    response = {"aggregations": {
        "titles": {"phrases": {"buckets": [
            _title_bucket("t:photo app \x1f ", 40, "01JA", "PHOTO  app"),
            _title_bucket("t:app \x1fphoto ", 40, "01JA", "PHOTO  app"),
            _title_bucket("t:app \x1fgarden ", 12, "01JG", "Garden App"),
        ]}},
        "tags": {"phrases": {"buckets": [
            {"key": "g:source \x1fopen \x1fopen-source", "doc_count": 3}]}},
    }}

    assert suggestions(response, 5) == [
        Suggestion("PHOTO app", "title", "01JA"), Suggestion("open-source", "tag"),
        Suggestion("Garden App", "title", "01JG")]
