"""Projects over HTTP: create, read, page, change, delete, and who may do what."""
from __future__ import annotations

import pytest

from portrait.config import get_settings


def test_a_project_is_created_and_read_by_anyone_with_its_owner(portfolio) -> None:
    ada = portfolio.member()
    created = portfolio.project(ada, description="A simple finance app",
                                tags=[" React", "flask", "react "], link="https://example.com")
    assert created["tags"] == ["react", "flask"]  # trimmed, lower-cased, de-duplicated
    assert created["id"] == created["project_id"]
    public = portfolio.get(f"/projects/{created['project_id']}")
    assert public.status == 200
    body = public.json()
    assert {k: body[k] for k in ("user_id", "username", "name", "title", "link")} == {
        "user_id": ada["user_id"], "username": ada["username"], "name": "Ada Lovelace",
        "title": "My App", "link": "https://example.com"}
    assert body["thumbnail_url"] is None and "avatar_url" in body


def test_a_users_projects_page_newest_first_on_both_paths(portfolio) -> None:
    ada = portfolio.member()
    ids = [portfolio.project(ada, title=f"Project {n}")["project_id"] for n in range(5)]
    seen, cursor = [], None
    while True:
        query = f"?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = portfolio.get(f"/users/{ada['user_id']}/projects{query}").json()
        seen += [p["project_id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids[::-1]
    seed_path = portfolio.get(f"/projects/user/{ada['user_id']}").json()
    assert [p["project_id"] for p in seed_path["items"]] == ids[::-1]


@pytest.mark.parametrize("verb", ["PATCH", "PUT"])
def test_an_update_changes_only_the_fields_sent(portfolio, verb) -> None:
    ada = portfolio.member()
    project = portfolio.project(ada, description="first", tags=["a"], link="https://a.example")
    reply = portfolio.request(verb, f"/projects/{project['project_id']}",
                              json_body={"title": "Renamed", "link": None}, token=ada["token"])
    assert reply.status == 200, reply.body
    changed = reply.json()
    assert (changed["title"], changed["description"], changed["tags"], changed["link"]) == (
        "Renamed", "first", ["a"], None)
    assert changed["updated_at"] > project["updated_at"]


def test_only_the_owner_changes_or_deletes_and_unknown_ids_are_404(portfolio) -> None:
    ada, eve = portfolio.member(), portfolio.member()
    project_id = portfolio.project(ada)["project_id"]
    for reply in (portfolio.patch(f"/projects/{project_id}", {"title": "x"}, token=eve["token"]),
                  portfolio.delete(f"/projects/{project_id}", token=eve["token"])):
        assert reply.status == 403 and reply.json()["error"]["code"] == "not_owner"
    missing = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    assert portfolio.get(f"/projects/{missing}").status == 404
    assert portfolio.patch(f"/projects/{missing}", {"title": "x"}, token=ada["token"]).status == 404
    deleted = portfolio.delete(f"/projects/{project_id}", token=ada["token"])
    assert deleted.status == 200 and deleted.json() == {"project_id": project_id,
                                                        "status": "deleted"}
    assert portfolio.get(f"/projects/{project_id}").status == 404


@pytest.mark.parametrize("body, field", [
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "ok", "description": "d" * 5001}, "description"),
    ({"title": "ok", "tags": [f"t{n}" for n in range(21)]}, "tags"),
    ({"title": "ok", "tags": ["x" * 41]}, "tags"),
    ({"title": "ok", "tags": ["   "]}, "tags"),
    ({"title": "ok", "link": "javascript:alert(1)"}, "link"),
    ({"title": "ok", "link": "ftp://example.com"}, "link"),
    ({"title": "ok", "thumbnail_url": "https://x"}, "thumbnail_url"),
])
def test_invalid_projects_are_422_naming_the_field(portfolio, body, field) -> None:
    ada = portfolio.member()
    reply = portfolio.post("/projects", body, token=ada["token"])
    assert reply.status == 422, reply.body
    assert any(field in d["field"] for d in reply.json()["error"]["details"]), reply.body


def test_the_per_user_cap_answers_409_and_a_delete_makes_room(portfolio, monkeypatch) -> None:
    monkeypatch.setenv("PROJECTS_PER_USER", "2")
    get_settings.cache_clear()
    ada = portfolio.member()
    first = portfolio.project(ada)
    portfolio.project(ada)
    refused = portfolio.post("/projects", {"title": "third"}, token=ada["token"])
    assert refused.status == 409
    assert refused.json()["error"]["code"] == "project_limit_reached"
    assert portfolio.delete(f"/projects/{first['project_id']}", token=ada["token"]).status == 200
    assert portfolio.post("/projects", {"title": "third"}, token=ada["token"]).status == 201
    assert portfolio.post("/projects", {"title": "fourth"}, token=ada["token"]).status == 409


def test_projects_need_a_token_to_write(portfolio) -> None:
    assert portfolio.post("/projects", {"title": "x"}).status == 401
    # Told to sign in before anything is said about the body.
    refused = portfolio.post("/projects", {"title": "x", "link": "not a url"})
    assert refused.status == 401 and refused.json()["error"]["code"] == "missing_token"
    assert refused.headers["www-authenticate"] == "Bearer"
