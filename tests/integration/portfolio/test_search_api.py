"""GET /search and /search/suggest over the embedded engine, fed by IndexFunction."""
from __future__ import annotations

import pytest

from portrait.search import engine
from portrait.search.port import SearchUnavailable
from tests.integration.api.conftest import ADMIN_PASSWORD
from tests.integration.portfolio.search_support import bus_message, index, project_event, site  # noqa: F401


def _made(site, member, title: str, tags: list[str]) -> str:
    return site.project(member, title=title, tags=tags, description="made for the tests")["project_id"]


def test_indexed_projects_answer_in_the_list_shape_with_facets(site) -> None:
    ada = site.member()
    ids = [_made(site, ada, "Expense Tracker", ["react", "flask"]),
           _made(site, ada, "Expense Report", ["flask"]),
           _made(site, ada, "Garden Journal", ["hobby"])]
    assert index(site, [project_event(i, "project.created") for i in ids]) == {
        "batchItemFailures": []}
    page = site.get("/search?query=expense&size=1").json()
    assert (page["total"], page["page"], page["size"], page["pages"]) == (2, 1, 1, 2)
    hit = page["items"][0]
    assert set(hit) >= {"project_id", "title", "description", "tags", "user_id", "username",
                        "name", "thumbnail_url", "score", "highlights"}
    # username is the handle and name the display name, as on users and projects.
    assert (hit["username"], hit["name"]) == (ada["username"], "Ada Lovelace")
    assert hit["user_id"] == ada["user_id"]
    # The next page by its cursor, as every list pages (page=2 names the same one).
    second = site.get(f"/search?query=expense&size=1&cursor={page['next_cursor']}").json()
    assert second["page"] == 2 and second["next_cursor"] is None
    assert second["items"] == site.get("/search?query=expense&size=1&page=2").json()["items"]
    assert {second["items"][0]["project_id"], hit["project_id"]} == set(ids[:2])
    forged = site.get("/search?query=expense&cursor=bm90LW91cnM")
    assert (forged.status, forged.error_code) == (400, "invalid_cursor")
    assert page["facets"]["tags"] == [{"tag": "flask", "count": 2}, {"tag": "react", "count": 1}]
    tagged = site.get("/search?tags=hobby").json()
    assert [r["project_id"] for r in tagged["items"]] == [ids[2]]
    suggested = site.get("/search/suggest?query=gar").json()
    assert {"text": "Garden Journal", "kind": "title", "project_id": ids[2]} in suggested


def test_events_are_applied_in_version_order_whatever_the_delivery(site) -> None:
    ada = site.member()
    project_id = _made(site, ada, "First title", [])
    created = project_event(project_id, "project.created")
    site.patch(f"/projects/{project_id}", {"title": "Second title"}, token=ada["token"])
    updated = project_event(project_id)
    index(site, [updated, updated, updated, created])  # three times, then the older one
    assert engine().get(project_id).title == "Second title"
    site.delete(f"/projects/{project_id}", token=ada["token"])
    index(site, [bus_message("project.deleted", {"project_id": project_id,
                                                 "user_id": ada["user_id"], "version": 3,
                                                 "updated_at": "2026-12-02T12:00:00.000Z"}),
                 updated])  # a late update after the delete brings nothing back
    assert site.get("/search?query=title").json()["total"] == 0


def test_a_profile_rename_reaches_every_document(site) -> None:
    ada = site.member()
    ids = [_made(site, ada, f"Project {n}", []) for n in range(3)]
    index(site, [project_event(i, "project.created") for i in ids])
    site.patch("/me", {"name": "Ada Renamed"}, token=ada["token"])
    index(site, [bus_message("profile.updated", {"user_id": ada["user_id"],
                                                 "username": ada["username"],
                                                 "name": "Ada Renamed"})])
    hits = site.get("/search?query=project").json()["items"]
    assert {(r["name"], r["username"]) for r in hits} == {("Ada Renamed", ada["username"])}


@pytest.mark.parametrize("text", ["*", "(((", "x" * 41, "_ - !"])
def test_a_query_without_a_searchable_word_finds_nothing(site, text) -> None:
    """Unlike an empty query (every project): punctuation or one over-long word finds none."""
    from urllib.parse import quote

    ada = site.member()
    assert index(site, [project_event(_made(site, ada, "Kite Designer", ["kites"]),
                                      "project.created")]) == {"batchItemFailures": []}
    assert site.get("/search").json()["total"] >= 1
    page = site.get(f"/search?query={quote(text)}").json()
    assert (page["total"], page["items"], page["pages"], page["next_cursor"]) == (0, [], 0, None)
    assert site.get(f"/search/suggest?query={quote(text)}").json() == []


@pytest.mark.parametrize("query", ["size=51", "page=0", "query=" + "x" * 201])
def test_bad_parameters_are_422(site, query) -> None:
    assert site.get(f"/search?{query}").status == 422


def test_an_unreachable_engine_is_503_with_retry_after(site, monkeypatch) -> None:
    class Down:
        def search(self, *args):
            raise SearchUnavailable("connection refused", retry_after=7)

        suggest = search

    monkeypatch.setattr("portrait.services.search.queries.engine", lambda: Down())
    for path in ("/search?query=x", "/search/suggest?query=x"):
        reply = site.get(path)
        assert reply.status == 503 and reply.headers["retry-after"] == "7"
        assert reply.json()["error"]["code"] == "search_unavailable"


def test_indexing_failures_go_back_to_the_queue(site, monkeypatch) -> None:
    ada = site.member()
    project_id = _made(site, ada, "Kept for later", [])
    record = project_event(project_id, "project.created")

    def down(*args, **kwargs):
        raise SearchUnavailable("engine down")

    monkeypatch.setattr(type(engine()), "index", down)
    rename = bus_message("profile.updated", {"user_id": ada["user_id"], "username": "a",
                                             "name": "A"})
    # Only the failed message comes back (a batch that fails whole is retried whole).
    assert index(site, [record, rename]) == {
        "batchItemFailures": [{"itemIdentifier": record["messageId"]}]}


def test_admins_queue_a_rebuild_that_index_function_runs(site, admin_token) -> None:
    ada = site.member()
    ids = [_made(site, ada, f"Rebuilt {n}", []) for n in range(3)]  # never indexed by events
    # Tables are emptied between tests, queues are not: in the whole suite, a moto backend
    # another module left running once held four earlier requests here.
    site.search_queue_messages()
    for path in ("/admin/search/reindex", "/admin/reindex-projects"):
        reply = site.post(path, token=admin_token)
        assert reply.status == 202 and reply.json() == {"status": "queued", "projects": 3}
    assert site.post("/admin/search/reindex", token=ada["token"]).status == 403
    queued = site.search_queue_messages()
    assert len(queued) == 2
    assert index(site, queued[:1]) == {"batchItemFailures": []}
    assert {r["project_id"] for r in site.get("/search?query=rebuilt").json()["items"]} == set(ids)


@pytest.fixture
def admin_token(site) -> str:
    from portrait.services.accounts.registration import create_user

    create_user(username="root_search", email="root_search@example.com", password=ADMIN_PASSWORD,
                name="Root", role="admin")
    return site.login("root_search", ADMIN_PASSWORD)["access_token"]
