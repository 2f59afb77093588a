"""GET/PATCH /me and the public GET /users/{user_id}."""
from __future__ import annotations

import pytest


@pytest.fixture
def member(api) -> dict:
    user = api.register(username="ada", email="ada@example.com")
    return {**user, "token": api.login("ada")["access_token"]}


def test_me_is_the_private_view(api, member) -> None:
    me = api.get("/me", token=member["token"]).json()
    assert me["user_id"] == member["user_id"]
    assert me["email"] == "ada@example.com" and me["role"] == "user" and me["credits"] == 100  # INITIAL_CREDITS


def test_patch_me_changes_only_the_fields_sent(api, member) -> None:
    first = api.patch("/me", {"bio": "First programmer.", "title": "Analyst",
                              "contact": "ada@studio.example",
                              "social_links": {"github": "ada", "website": "https://ada.example/"}},
                      token=member["token"])
    assert first.status == 200, first.body
    second = api.patch("/me", {"name": "Augusta Ada King"}, token=member["token"]).json()
    assert second["name"] == "Augusta Ada King"
    assert second["bio"] == "First programmer." and second["title"] == "Analyst"
    assert second["social_links"] == {"github": "ada", "website": "https://ada.example/"}
    assert second["updated_at"] >= second["created_at"]


def test_null_clears_an_optional_field_and_links_are_replaced(api, member) -> None:
    api.patch("/me", {"bio": "temp", "social_links": {"github": "ada", "x": "@ada"}}, token=member["token"])
    cleared = api.patch("/me", {"bio": None, "social_links": {"linkedin": "ada-lovelace"}},
                        token=member["token"]).json()
    assert cleared["bio"] is None
    assert cleared["social_links"] == {"linkedin": "ada-lovelace"}
    assert api.patch("/me", {"social_links": None}, token=member["token"]).json()["social_links"] == {}


@pytest.mark.parametrize("body, field", [
    ({"bio": "x" * 501}, "body.bio"),
    ({"name": None}, "body.name"),
    ({"name": ""}, "body.name"),
    ({"email": "new@example.com"}, "body.email"),  # not a profile field
    ({"role": "admin"}, "body.role"),
    ({"social_links": {"myspace": "ada"}}, "body.social_links.myspace.[key]"),
    ({"social_links": {"github": "https://evil.example/ada"}}, "body.social_links"),
    ({"social_links": {"github": "javascript:alert(1)"}}, "body.social_links"),
    ({"social_links": {"website": "ada"}}, "body.social_links"),
    ({"social_links": {"x": "no spaces allowed"}}, "body.social_links"),
    ({"name": "Ada\x00"}, "body.name"),
    ({"name": "\x1b[31mAda"}, "body.name"),
    ({"name": "gpj.\u202eexe"}, "body.name"),
    ({"name": "\u200b\u200b\u200b"}, "body.name"),
    ({"title": "two\nlines"}, "body.title"),
    ({"bio": "ok\nbut \x07 rings"}, "body.bio"),
    ({"contact": "x\u2067y"}, "body.contact"),
])
def test_invalid_profile_changes_answer_422(api, member, body, field) -> None:
    reply = api.patch("/me", body, token=member["token"])
    assert reply.status == 422, reply.body
    fields = [d["field"] for d in reply.json()["error"]["details"]]
    assert any(f.startswith(field) for f in fields), fields


def test_a_bio_keeps_its_line_breaks(api, member) -> None:
    reply = api.patch("/me", {"bio": "Painter.\nLives by the sea."}, token=member["token"])
    assert reply.status == 200 and reply.json()["bio"] == "Painter.\nLives by the sea."


def test_bio_of_exactly_500_characters_is_accepted(api, member) -> None:
    assert api.patch("/me", {"bio": "x" * 500}, token=member["token"]).status == 200


def test_public_profile_has_no_email_or_role(api, member) -> None:
    api.patch("/me", {"bio": "Hello", "social_links": {"github": "ada"}}, token=member["token"])
    reply = api.get(f"/users/{member['user_id']}")
    assert reply.status == 200
    public = reply.json()
    assert public["bio"] == "Hello" and public["username"] == "ada"
    assert public["social_links"] == {"github": "ada"}
    assert not {"email", "role", "credits"} & set(public)
    assert "ada@example.com" not in reply.body


def test_unknown_user_is_404(api) -> None:
    reply = api.get("/users/01JAAAAAAAAAAAAAAAAAAAAAAA")
    assert reply.status == 404 and reply.error_code == "user_not_found"


def test_profile_routes_require_a_token(api) -> None:
    assert api.get("/me").status == 401
    assert api.patch("/me", {"bio": "x"}).status == 401
