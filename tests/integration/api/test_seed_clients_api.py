"""Seed 002's clients: register with {username, email, password}, log in with
{email, password}, read user.id; beside the shapes our own clients send."""
from __future__ import annotations

import pytest

from tests.integration.api.conftest import new_account

PASSWORD = "correct horse battery"


def seed_account(**overrides: str) -> dict[str, str]:
    """What a seed client registers with: no name."""
    account = new_account(**overrides)
    del account["name"]
    return account


def test_registration_without_a_name_uses_the_username(api) -> None:
    reply = api.post("/auth/register", seed_account(username="Alice_T", email="Alice@Example.com"))
    assert reply.status == 201, reply.body
    created = reply.json()
    assert created["message"] == "account created"  # beside the user, as seed 002 reads it
    user = created["user"]
    assert created["user_id"] == user["user_id"]
    assert user["name"] == "Alice_T"
    assert user["user_id"] and user["id"] == user["user_id"]
    assert user["email"] == "alice@example.com" and user["role"] == "user"
    me = api.get("/me", token=api.login("alice_t")["access_token"]).json()
    assert me["name"] == "Alice_T" and me["id"] == me["user_id"] == user["user_id"]


def test_a_given_name_is_still_kept_and_still_checked(api) -> None:
    assert api.register(name="Ada Lovelace")["name"] == "Ada Lovelace"
    for bad in ("", None):
        reply = api.post("/auth/register", new_account(name=bad))
        assert reply.status == 422, reply.body
        assert "body.name" in [d["field"] for d in reply.json()["error"]["details"]]


def test_login_with_email_answers_the_seed_shape(api) -> None:
    user = api.post("/auth/register",
                    seed_account(username="alice", email="alice@example.com")).json()["user"]
    reply = api.post("/auth/login", {"email": "Alice@Example.com", "password": PASSWORD})
    assert reply.status == 200, reply.body
    session = reply.json()
    assert session["access_token"] and session["refresh_token"]
    assert session["user"]["id"] == session["user"]["user_id"] == user["user_id"]
    assert session["user"]["username"] == "alice"
    assert session["user"]["email"] == "alice@example.com"
    claims = api.get("/auth/verify", token=session["access_token"]).json()
    assert claims["sub"] == user["user_id"]


def test_login_with_username_field(api) -> None:
    user = api.register(username="bob_b", email="bob@example.com")
    reply = api.post("/auth/login", {"username": "BOB_B", "password": PASSWORD})
    assert reply.status == 200, reply.body
    assert reply.json()["user"]["id"] == user["user_id"]


def test_the_login_field_still_takes_username_or_email(api) -> None:
    user = api.register(username="carol", email="carol@example.com")
    for login in ("carol", "Carol@Example.com"):
        assert api.login(login, PASSWORD)["user"]["id"] == user["user_id"]


def test_wrong_password_by_email_is_the_usual_401(api) -> None:
    api.register(username="dave", email="dave@example.com")
    wrong = api.post("/auth/login", {"email": "dave@example.com", "password": "not the password"})
    unknown = api.post("/auth/login",
                       {"email": "nobody@example.com", "password": "not the password"})
    by_login = api.post("/auth/login", {"login": "dave", "password": "not the password"})
    assert wrong.status == unknown.status == by_login.status == 401
    assert wrong.error_code == "invalid_credentials"
    assert wrong.body == unknown.body == by_login.body


def test_the_shapes_share_one_rate_limit_per_account(api) -> None:
    api.register(username="erin", email="erin@example.com")
    shapes = [{"email": "erin@example.com"}, {"username": "erin"}, {"login": "erin"}]
    for n in range(10):
        wrong = {**shapes[n % 3], "password": "wrong password"}
        assert api.post("/auth/login", wrong).status == 401
    limited = api.post("/auth/login", {"email": "erin@example.com", "password": PASSWORD})
    assert limited.status == 429 and limited.error_code == "rate_limited"


def test_unknown_accounts_cost_an_argon2_verification_in_every_shape(api, monkeypatch) -> None:
    """login() burns a verification when no account matches, whatever the shape."""
    from portrait.services.accounts.registration import passwords

    burned: list[str] = []
    hasher = passwords()
    monkeypatch.setattr(hasher, "burn_verify", lambda password: burned.append(password) or False)
    for shape in ({"email": "ghost@example.com"}, {"username": "ghost"}, {"login": "ghost"}):
        assert api.post("/auth/login", {**shape, "password": "whatever"}).status == 401
    assert burned == ["whatever"] * 3


@pytest.mark.parametrize("body, message", [
    ({"password": PASSWORD}, "send one of login, username or email with the password"),
    ({"email": "frank@example.com", "username": "frank", "password": PASSWORD},
     "send only one of login, username or email, not username and email"),
    ({"login": "frank", "email": "frank@example.com", "password": PASSWORD},
     "send only one of login, username or email, not login and email"),
    ({"login": None, "username": None, "password": PASSWORD},
     "send one of login, username or email with the password"),
])
def test_both_identifiers_or_neither_is_a_clear_422(api, body, message) -> None:
    api.register(username="frank", email="frank@example.com")
    reply = api.post("/auth/login", body)
    assert reply.status == 422, reply.body
    error = reply.json()["error"]
    assert error["code"] == "invalid_request"
    assert [(d["field"], d["message"]) for d in error["details"]] == [("body", message)]
    assert PASSWORD not in reply.body


@pytest.mark.parametrize("body, field", [
    ({"email": "frank", "password": PASSWORD}, "body.email"),  # a username is not an email
    ({"username": "frank@example.com", "password": PASSWORD}, "body.username"),
    ({"email": "frank@example.com", "password": PASSWORD, "name": "Frank"}, "body.name"),
    ({"email": "frank@example.com"}, "body.password"),
])
def test_each_identifier_is_checked_for_its_own_kind(api, body, field) -> None:
    reply = api.post("/auth/login", body)
    assert reply.status == 422, reply.body
    assert field in [d["field"] for d in reply.json()["error"]["details"]]
