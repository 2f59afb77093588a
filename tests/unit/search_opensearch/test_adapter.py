"""OpenSearchIndex against a scripted engine: the requests it sends (method, path,
query parameters, body) and what it makes of the answers, per service."""
from __future__ import annotations

import pytest

from portrait.search.port import RebuildReport, SearchQuery, SearchResult, SearchUnavailable

from .fakes import expected, project

FRESH = "projects-20250304050607890123"
CONFLICT = {"error": {"type": "version_conflict_engine_exception",
                      "reason": "[01JPROJECT]: version conflict"}, "status": 409}
NO_INDEX = {"error": {"type": "index_not_found_exception", "reason": "no such index"},
            "status": 404}
NO_ALIAS = {"error": "alias [projects] missing", "status": 404}
ACK = {"acknowledged": True}


def _sent(engine):
    return [(r.method, r.path, r.params) for r in engine.requests]


def _items(*statuses, ids=()):
    ids = list(ids) or [f"01J{i}" for i in range(len(statuses))]
    return {"errors": any(s >= 300 for s in statuses),
            "items": [{"index": {"_id": i, "status": s}} for i, s in zip(ids, statuses)]}


# --- index and delete ----------------------------------------------------------------


def test_index_on_a_domain_writes_through_the_alias_with_external_versioning(engine, make_index):
    engine.reply({"result": "created"}, status=201)

    assert make_index("es").index(project()) is True
    (request,) = engine.requests
    assert (request.method, request.path) == ("PUT", "/projects/_doc/01JPROJECT")
    assert request.params == {"version": "7", "version_type": "external",
                              "require_alias": "true"}
    assert request.body == expected("document")


def test_index_on_a_collection_sends_no_require_alias(engine, make_index):
    engine.reply({"result": "created"}, status=201)

    make_index("aoss").index(project())

    assert engine.requests[0].params == {"version": "7", "version_type": "external"}


def test_wait_for_refresh_is_asked_of_domains_only(engine, make_index):
    make_index("es", wait_for_refresh=True).index(project())
    make_index("aoss", wait_for_refresh=True).index(project())

    assert [r.params.get("refresh") for r in engine.requests] == ["wait_for", None]


def test_a_version_conflict_on_index_means_older_or_equal_and_is_ignored(engine, make_index):
    engine.reply(CONFLICT, status=409)

    assert make_index().index(project()) is False


def test_delete_writes_a_tombstone_at_the_deletion_version(engine, make_index):
    engine.reply({"result": "updated"})

    assert make_index().delete("01JPROJECT", 8) is True
    (request,) = engine.requests
    assert (request.method, request.path) == ("PUT", "/projects/_doc/01JPROJECT")
    assert request.params == {"version": "8", "version_type": "external",
                              "require_alias": "true"}
    assert request.body == {"project_id": "01JPROJECT", "version": 8, "deleted": True}


def test_a_delete_older_than_what_is_stored_is_ignored(engine, make_index):
    engine.reply(CONFLICT, status=409)

    assert make_index().delete("01JPROJECT", 3) is False


# --- get, search, suggest ----------------------------------------------------------


def test_get_reads_the_document_in_real_time(engine, make_index):
    engine.reply({"_id": "01JPROJECT", "found": True, "_source": expected("document")})

    assert make_index().get("01JPROJECT") == project()
    assert _sent(engine) == [("GET", "/projects/_doc/01JPROJECT", {})]


@pytest.mark.parametrize("answer", [
    ({"found": True, "_source": {"project_id": "01JPROJECT", "version": 8, "deleted": True}},
     200),
    ({"_id": "01JPROJECT", "found": False}, 404),
])
def test_get_of_a_tombstone_or_nothing_is_none(engine, make_index, answer):
    body, status = answer
    engine.reply(body, status=status)

    assert make_index().get("01JPROJECT") is None


def test_search_posts_the_body_to_the_alias_and_reads_the_answer(engine, make_index):
    engine.reply({
        "hits": {"total": {"value": 1, "relation": "eq"}, "hits": [{
            "_id": "01JPROJECT", "_score": 2.0, "_source": expected("document"),
            "highlight": {"title": ["<mark>Analytical</mark> engine notes"]}}]},
        "aggregations": {"tags": {"buckets": [{"key": "python", "doc_count": 1}]}},
    })

    result = make_index().search(SearchQuery(text="python"))

    (request,) = engine.requests
    assert (request.method, request.path, request.body) == (
        "POST", "/projects/_search", expected("search_one_word"))
    assert result.total == 1 and result.hits[0].document == project()
    assert result.hits[0].highlights == {"title": ["<mark>Analytical</mark> engine notes"]}
    assert [(f.tag, f.count) for f in result.tag_facets] == [("python", 1)]


def test_search_before_anything_was_indexed_finds_nothing(engine, make_index):
    engine.reply(NO_INDEX, status=404)

    assert make_index().search(SearchQuery(text="python")) == SearchResult([], 0, [])


@pytest.mark.parametrize("query", [SearchQuery(size=51), SearchQuery(page=0),
                                   SearchQuery(text="x" * 201)])
def test_invalid_queries_are_refused_before_any_request(engine, make_index, query):
    with pytest.raises(ValueError):
        make_index().search(query)
    assert engine.requests == []


def test_suggest_sends_one_search_for_titles_and_tags(engine, make_index):
    engine.reply({"hits": {"hits": []}, "aggregations": {
        "titles": {"phrases": {"buckets": [
            {"key": "t:node js tools \x1f ", "doc_count": 2, "newest": {"hits": {"hits": [
                {"_source": {"project_id": "01JA", "title": "Node.js tools"}}]}}}]}},
        "tags": {"phrases": {"buckets": [
            {"key": "g:node js \x1f \x1fnode.js", "doc_count": 3}]}},
    }})

    found = make_index().suggest(" Node.j ")

    assert [(s.text, s.kind, s.project_id) for s in found] == [
        ("Node.js tools", "title", "01JA"), ("node.js", "tag", None)]
    assert (engine.requests[0].path, engine.requests[0].body) == (
        "/projects/_search", expected("suggest"))


@pytest.mark.parametrize(("prefix", "limit"), [("  ", 5), ("py", 0), ("(((", 5)])
def test_nothing_to_complete_sends_nothing(engine, make_index, prefix, limit):
    assert make_index().suggest(prefix, limit) == []
    assert engine.requests == []


# --- rename_user ---------------------------------------------------------------------


def _user_hit(project_id, name, version=7):
    return {"_index": "projects-initial", "_id": project_id, "_version": version,
            "_source": {**expected("document"), "project_id": project_id, "name": name,
                        "version": version},
            "sort": [project_id]}


def test_rename_user_rewrites_each_stale_document_at_its_own_version(engine, make_index):
    engine.reply({"hits": {"hits": [_user_hit("01JA", "Ada Lovelace"),
                                    _user_hit("01JB", "Ada King")]}})
    engine.reply(_items(200))

    assert make_index().rename_user("01JUSER", "Ada King") == 1
    search, bulk = engine.requests
    assert (search.path, search.body) == ("/projects/_search", {
        "size": 200, "version": True,
        "query": {"bool": {"filter": [{"term": {"user_id": "01JUSER"}}],
                           "must_not": [{"term": {"deleted": True}}]}},
        "sort": [{"project_id": {"order": "asc"}}]})
    assert (bulk.method, bulk.path) == ("POST", "/_bulk")
    assert bulk.body == [
        {"index": {"_index": "projects-initial", "_id": "01JA", "version": 7,
                   "version_type": "external_gte"}},
        {**expected("document"), "project_id": "01JA", "name": "Ada King"},
    ]


def test_rename_user_reads_again_and_rewrites_what_moved_on_meanwhile(engine, make_index):
    engine.reply({"hits": {"hits": [_user_hit("01JA", "Ada Lovelace")]}})
    engine.reply(_items(409, ids=["01JA"]))
    engine.reply({"docs": [{**_user_hit("01JA", "Ada Lovelace", version=8), "found": True}]})
    engine.reply(_items(200))

    assert make_index().rename_user("01JUSER", "Ada King") == 1
    mget, retry = engine.requests[2:]
    assert (mget.path, mget.body) == ("/projects/_mget", {"ids": ["01JA"]})
    assert retry.body[0]["index"]["version"] == 8


def test_rename_user_pages_through_many_documents(engine, make_index):
    first_page = [_user_hit(f"01J{i:03}", "Old") for i in range(200)]
    engine.reply({"hits": {"hits": first_page}})
    engine.reply({"hits": {"hits": [_user_hit("01J200", "Old")]}})
    engine.reply(_items(*[200] * 201))

    assert make_index().rename_user("01JUSER", "New") == 201
    assert engine.requests[1].body["search_after"] == ["01J199"]


def test_rename_user_with_nothing_indexed_changes_nothing(engine, make_index):
    engine.reply(NO_INDEX, status=404)

    assert make_index().rename_user("01JUSER", "New") == 0
    assert len(engine.requests) == 1


# --- rebuild and ensure_index ------------------------------------------------------


def test_rebuild_on_a_domain_loads_refreshes_switches_then_drops_the_old_index(
        engine, make_index):
    engine.reply(ACK).reply(_items(201, 201)).reply({})
    engine.reply({"projects-initial": {"aliases": {"projects": {}}}}).reply(ACK).reply(ACK)

    report = make_index("es").rebuild(iter([project("01JA"), project("01JB", version=2)]))

    assert report == RebuildReport(indexed=2, index_name=FRESH, previous="projects-initial")
    assert [(m, p) for m, p, _ in _sent(engine)] == [
        ("PUT", f"/{FRESH}"), ("POST", "/_bulk"), ("POST", f"/{FRESH}/_refresh"),
        ("GET", "/_alias/projects"), ("POST", "/_aliases"), ("DELETE", "/projects-initial")]
    create, bulk, _, _, switch, _ = engine.requests
    assert create.body == expected("index_es")
    assert bulk.body[0] == {"index": {"_index": FRESH, "_id": "01JA", "version": 7,
                                      "version_type": "external"}}
    assert bulk.body[3]["version"] == 2 and len(bulk.body) == 4
    assert switch.body == {"actions": [
        {"remove": {"index": "projects-initial", "alias": "projects"}},
        {"add": {"index": FRESH, "alias": "projects"}}]}


def test_rebuild_on_a_collection_waits_until_the_documents_are_searchable(engine, make_index):
    engine.reply(ACK).reply(_items(201))
    engine.reply({"count": 0}).reply({"count": 1})
    engine.reply(NO_ALIAS, status=404).reply(ACK)

    report = make_index("aoss").rebuild([project()])

    assert report == RebuildReport(indexed=1, index_name=FRESH, previous=None)
    assert [p for _, p, _ in _sent(engine)] == [
        f"/{FRESH}", "/_bulk", f"/{FRESH}/_count", f"/{FRESH}/_count",
        "/_alias/projects", "/_aliases"]
    assert engine.requests[0].body == {"mappings": expected("index_es")["mappings"]}
    assert engine.sleeps == [2.0]


def test_a_rebuild_that_fails_while_loading_drops_its_index_and_keeps_the_alias(
        engine, make_index):
    engine.reply(ACK).reply({"error": "overloaded"}, status=503).reply(ACK)

    with pytest.raises(SearchUnavailable):
        make_index().rebuild([project()])
    assert [(m, p) for m, p, _ in _sent(engine)] == [
        ("PUT", f"/{FRESH}"), ("POST", "/_bulk"), ("DELETE", f"/{FRESH}")]


def test_the_first_write_of_a_process_makes_sure_the_alias_exists(engine, make_index):
    engine.reply({"projects-20240101000000000000": {"aliases": {"projects": {}}}})
    engine.reply({"result": "created"}, status=201)
    engine.reply({"result": "created"}, status=201)

    index = make_index("es", alias_exists=False)
    assert index.index(project()) is True and index.index(project()) is True
    assert [r.method for r in engine.requests] == ["GET", "PUT", "PUT"]  # checked once


def test_ensure_index_does_nothing_when_the_alias_exists(engine, make_index):
    engine.reply({"projects-20240101000000000000": {"aliases": {"projects": {}}}})

    assert make_index().ensure_index() is False
    assert len(engine.requests) == 1


def test_ensure_index_creates_the_first_index_then_the_alias(engine, make_index):
    engine.reply(NO_ALIAS, status=404).reply(ACK).reply(ACK)

    assert make_index("aoss").ensure_index() is True
    _, create, alias = engine.requests
    assert (create.method, create.path) == ("PUT", "/projects-initial")
    assert create.body == {"mappings": expected("index_es")["mappings"]}
    assert alias.body == {"actions": [{"add": {"index": "projects-initial",
                                               "alias": "projects"}}]}


def test_ensure_index_racing_another_cold_start_still_adds_the_alias(engine, make_index):
    engine.reply(NO_ALIAS, status=404)
    engine.reply({"error": {"type": "resource_already_exists_exception",
                            "reason": "index [projects-initial] already exists"}}, status=400)
    engine.reply(ACK)

    assert make_index().ensure_index() is True
    assert engine.requests[-1].path == "/_aliases"
