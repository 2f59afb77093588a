"""Register, login, refresh, logout and verify through ApiFunction's handler."""
from __future__ import annotations

import json

import jwt
import pytest

from tests.conftest import ROOT
from tests.integration.api.conftest import new_account

PASSWORD = "correct horse battery"


def test_register_returns_the_private_user_as_login_does(api) -> None:
    reply = api.post("/auth/register", new_account(username="Ada_L", email="Ada.L@Example.COM"))
    assert reply.status == 201
    created = reply.json()
    user = created["user"]
    assert created["user_id"] == user["user_id"] and created["message"] == "account created"
    logged_in = api.login("ada_l")["user"]
    assert set(logged_in) == set(user)  # one user shape: register, login, /me
    assert {k: v for k, v in logged_in.items() if k != "updated_at"} == {
        k: v for k, v in user.items() if k != "updated_at"}
    assert user["username"] == "Ada_L"  # stored as given
    assert user["email"] == "ada.l@example.com"
    assert user["role"] == "user" and user["credits"] == 100 and user["avatar_id"] is None
    assert "password" not in reply.body and "argon2" not in reply.body


@pytest.mark.parametrize("clash, code", [
    ({"username": "ADA_L"}, "username_taken"),
    ({"email": "ada.l@EXAMPLE.com"}, "email_taken"),
])
def test_username_and_email_are_unique_in_any_case(api, clash, code) -> None:
    api.register(username="ada_l", email="ada.l@example.com")
    reply = api.post("/auth/register", new_account(**clash))
    assert reply.status == 409
    assert reply.error_code == code


@pytest.mark.parametrize("fields, bad_field", [
    ({"password": "Sh0rt!"}, "body.password"),
    ({"password": "x" * 129}, "body.password"),
    ({"username": "ada_pw", "password": "ada_pw and more"}, None),
    ({"username": "pw_is_name", "password": "PW_IS_NAME"}, "body.password"),
    ({"email": "same@example.com", "password": "Same@Example.com"}, "body.password"),
    ({"email": "not-an-email"}, "body.email"),
    ({"username": "no spaces"}, "body.username"),
    ({"username": "ab"}, "body.username"),
    ({"name": ""}, "body.name"),
    ({"is_admin": True}, "body.is_admin"),
])
def test_registration_rules_answer_422_with_field_details(api, fields, bad_field) -> None:
    reply = api.post("/auth/register", new_account(**fields))
    if bad_field is None:  # control case: a password merely containing the name is fine
        assert reply.status == 201, reply.body
        return
    assert reply.status == 422, reply.body
    error = reply.json()["error"]
    assert error["code"] == "invalid_request"
    assert bad_field in [d["field"] for d in error["details"]]
    if "password" in fields:  # validation errors never echo what was sent
        assert fields["password"] not in reply.body
    # In the project's own words, without the validation library's prefix.
    assert not any(d["message"].startswith(("Value error", "Assertion failed"))
                   for d in error["details"])


def test_an_invalid_email_is_named_in_plain_words(api) -> None:
    reply = api.post("/auth/register", new_account(email="not-an-email"))
    [detail] = reply.json()["error"]["details"]
    assert (detail["field"], detail["message"]) == ("body.email", "not a valid email address")


def test_login_with_username_or_email_issues_verifiable_tokens(api) -> None:
    user = api.register(username="Grace", email="grace@example.com")
    for login in ("grace", "GRACE", "Grace@Example.com"):
        reply = api.login(login, PASSWORD)
        assert reply["token_type"] == "Bearer" and reply["expires_in"] == 900
        assert reply["user"]["user_id"] == user["user_id"]
        assert len(reply["refresh_token"]) >= 43

    jwks = api.get("/.well-known/jwks.json").json()
    header = jwt.get_unverified_header(reply["access_token"])
    assert header["alg"] == "ES256"
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    assert "d" not in key  # public half only
    claims = jwt.decode(reply["access_token"], jwt.PyJWK(key).key, algorithms=["ES256"],
                        audience="portrait-api", issuer="portrait")
    assert claims["sub"] == user["user_id"] and claims["role"] == "user"
    assert claims["exp"] - claims["iat"] == 900


def test_passwords_are_used_exactly_as_typed(api) -> None:
    api.register(username="spacey", email="spacey@example.com", password="  padded password  ")
    assert api.post("/auth/login", {"login": "spacey", "password": "padded password"}).status == 401
    assert api.post("/auth/login", {"login": "spacey", "password": "  padded password  "}).status == 200


def test_wrong_password_and_unknown_user_answer_identically(api) -> None:
    api.register(username="hopper", email="hopper@example.com")
    wrong = api.post("/auth/login", {"login": "hopper", "password": "not the password"})
    unknown = api.post("/auth/login", {"login": "nobody_here", "password": "not the password"})
    assert wrong.status == unknown.status == 401
    assert wrong.body == unknown.body
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("login", ["lovelace", "ghost_account"])
def test_login_attempts_are_limited_per_account(api, login) -> None:
    api.register(username="lovelace", email="lovelace@example.com")
    for _ in range(10):
        assert api.post("/auth/login", {"login": login, "password": "wrong password"}).status == 401
    limited = api.post("/auth/login", {"login": login, "password": PASSWORD})
    assert limited.status == 429
    assert limited.error_code == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    # Another account is not affected.
    api.register(username="babbage", email="babbage@example.com")
    assert api.post("/auth/login", {"login": "babbage", "password": PASSWORD}).status == 200


def test_every_429_is_counted_for_the_refusals_alarm(api, capsys, structured_logs) -> None:
    """template.yaml's RateLimitRefusalsAlarm sums RateLimitRefusals in the stage's namespace."""
    wrong = {"login": "nobody", "password": "wrong password"}
    assert [api.post("/auth/login", wrong).status for _ in range(12)] == [401] * 10 + [429] * 2
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines()
               if line.startswith('{"_aws"')]
    refusals = [m for m in emitted if "RateLimitRefusals" in m]
    assert [m["RateLimitRefusals"] for m in refusals] == [[1.0], [1.0]]  # the 401s: none
    (declared,) = refusals[0]["_aws"]["CloudWatchMetrics"]
    assert declared["Namespace"] == "Portrait/dev"
    limited = [r for r in structured_logs() if r["message"] == "rate limited"]
    assert len(limited) == 2 and "too many login attempts" in limited[0]["error"]


def test_refresh_rotates_and_reuse_revokes_the_family(api) -> None:
    api.register(username="turing", email="turing@example.com")
    first = api.login("turing")["refresh_token"]

    rotated = api.post("/auth/refresh", {"refresh_token": first})
    assert rotated.status == 200, rotated.body
    pair = rotated.json()
    second = pair["refresh_token"]
    assert second != first and pair["token_type"] == "Bearer"
    assert api.get("/auth/verify", token=pair["access_token"]).status == 200

    reuse = api.post("/auth/refresh", {"refresh_token": first})
    assert reuse.status == 401 and reuse.error_code == "refresh_token_reused"
    after = api.post("/auth/refresh", {"refresh_token": second})
    assert after.status == 401 and after.error_code == "invalid_refresh_token"


def test_refresh_families_are_independent(api) -> None:
    api.register(username="hamilton", email="hamilton@example.com")
    phone, laptop = api.login("hamilton")["refresh_token"], api.login("hamilton")["refresh_token"]
    api.post("/auth/refresh", {"refresh_token": phone})
    assert api.post("/auth/refresh", {"refresh_token": phone}).status == 401  # phone family revoked
    assert api.post("/auth/refresh", {"refresh_token": laptop}).status == 200


def test_unknown_refresh_token_is_rejected(api) -> None:
    reply = api.post("/auth/refresh", {"refresh_token": "A" * 43})
    assert reply.status == 401 and reply.error_code == "invalid_refresh_token"


def test_logout_revokes_the_session_and_is_idempotent(api) -> None:
    api.register(username="liskov", email="liskov@example.com")
    session = api.login("liskov")
    out = api.post("/auth/logout", {"refresh_token": session["refresh_token"]})
    assert out.status == 200 and out.json() == {"message": "logged out"}
    assert api.post("/auth/refresh", {"refresh_token": session["refresh_token"]}).status == 401
    assert api.post("/auth/logout", {"refresh_token": session["refresh_token"]}).status == 200
    assert api.post("/auth/logout", {"refresh_token": "B" * 43}).status == 200


def test_verify_returns_the_claims(api) -> None:
    user = api.register(username="knuth", email="knuth@example.com")
    token = api.login("knuth")["access_token"]
    claims = api.get("/auth/verify", token=token).json()
    assert claims["sub"] == user["user_id"]
    assert claims["role"] == "user" and claims["iss"] == "portrait" and claims["aud"] == "portrait-api"


def test_admin_created_by_the_service_logs_in_with_the_admin_role(api) -> None:
    from portrait.services.accounts.registration import create_user

    admin = create_user(username="root_admin", email="Admin@Example.com", password=PASSWORD,
                        name="Administrator", role="admin")
    assert admin.role == "admin" and admin.email == "admin@example.com"
    token = api.login("admin@example.com")["access_token"]
    assert api.get("/auth/verify", token=token).json()["role"] == "admin"


def test_create_user_applies_the_registration_rules(api) -> None:
    from portrait.errors import InvalidInput
    from portrait.services.accounts.registration import create_user

    with pytest.raises(InvalidInput, match="password"):
        create_user(username="weak", email="weak@example.com", password="weak", name="W", role="admin")
    with pytest.raises(InvalidInput, match="role"):
        create_user(username="odd", email="odd@example.com", password=PASSWORD, name="O", role="root")


def test_login_rehashes_when_the_argon2_parameters_changed(api, monkeypatch) -> None:
    from portrait.config import get_settings
    from portrait.store.users import find_user_by_login

    api.register(username="rehash_me", email="rehash@example.com")
    assert ",t=1," in find_user_by_login("rehash_me").password_hash
    monkeypatch.setenv("PASSWORD_HASH_TIME_COST", "2")
    get_settings.cache_clear()
    api.login("rehash_me")
    assert ",t=2," in find_user_by_login("rehash_me").password_hash
    api.login("rehash_me")  # and the new hash verifies


@pytest.mark.parametrize("sample, status", [("api-register.json", 201), ("api-login.json", 200)])
def test_sample_events_run(api, sample, status) -> None:
    if sample == "api-login.json":
        api.call(json.loads((ROOT / "events" / "api-register.json").read_text()))
    event = json.loads((ROOT / "events" / sample).read_text())
    assert api.call(event).status == status
