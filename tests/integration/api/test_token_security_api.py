"""Forged, expired and misdirected access tokens all answer 401 on protected routes."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from portrait.config import get_settings
from portrait.services.accounts.sessions import signing_keys


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict, claims: dict) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())


def _claims(user_id: str, **overrides) -> dict:
    s = get_settings()
    now = int(time.time())
    claims = {"iss": s.jwt_issuer, "aud": s.jwt_audience, "sub": user_id, "role": "admin",
              "iat": now, "exp": now + 900}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(claims: dict, *, key=None, kid: str | None = None) -> str:
    keys = signing_keys()
    return jwt.encode(claims, key or keys.private_keys[keys.active_kid], algorithm="ES256",
                      headers={"kid": kid or keys.active_kid})


def forge(kind: str, user_id: str) -> str:
    keys = signing_keys()
    if kind == "alg_none":
        return _unsigned({"alg": "none", "typ": "JWT", "kid": keys.active_kid}, _claims(user_id)) + "."
    if kind == "hs256_with_public_key":
        # The classic confusion attack: HMAC keyed with the (public) verification key.
        public_pem = keys.public_key(keys.active_kid).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": keys.active_kid},
                                  _claims(user_id))
        mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
        return signing_input + "." + _b64(mac)
    if kind == "expired":
        past = int(time.time()) - 3600
        return _signed(_claims(user_id, iat=past, exp=past + 900))
    if kind == "wrong_audience":
        return _signed(_claims(user_id, aud="another-service"))
    if kind == "wrong_issuer":
        return _signed(_claims(user_id, iss="https://evil.example"))
    if kind == "tampered_payload":
        header, _, signature = _signed(_claims(user_id, role="user")).split(".")
        return header + "." + _b64(json.dumps(_claims(user_id, role="admin")).encode()) + "." + signature
    if kind == "unknown_kid":
        return _signed(_claims(user_id), key=ec.generate_private_key(ec.SECP256R1()), kid="f00dfeed")
    if kind == "foreign_key_known_kid":
        return _signed(_claims(user_id), key=ec.generate_private_key(ec.SECP256R1()))
    if kind == "missing_exp":
        return _signed(_claims(user_id, exp=None))
    if kind == "not_a_jwt":
        return "not-a-token"
    raise AssertionError(kind)


ATTACKS = ["alg_none", "hs256_with_public_key", "expired", "wrong_audience", "wrong_issuer",
           "tampered_payload", "unknown_kid", "foreign_key_known_kid", "missing_exp", "not_a_jwt"]


@pytest.mark.parametrize("kind", ATTACKS)
@pytest.mark.parametrize("path", ["/auth/verify", "/me"])
def test_forged_tokens_answer_401(api, kind, path) -> None:
    user = api.register()
    token = forge(kind, user["user_id"])
    reply = api.get(path, token=token)
    assert reply.status == 401, reply.body
    assert reply.error_code in ("invalid_token", "token_expired")
    assert reply.headers["www-authenticate"].startswith("Bearer")


def test_a_genuine_token_passes_the_same_checks(api) -> None:
    """Control for the attacks above: the helpers make valid tokens when not forging."""
    user = api.register()
    assert api.get("/auth/verify", token=_signed(_claims(user["user_id"]))).status == 200


@pytest.mark.parametrize("header", [None, "Basic dXNlcjpwYXNz", "Bearer", "Bearer   "])
def test_missing_bearer_answers_401(api, header) -> None:
    headers = {"authorization": header} if header is not None else {}
    reply = api.request("GET", "/me", headers=headers)
    assert reply.status == 401 and reply.error_code == "missing_token"
    assert reply.headers["www-authenticate"] == "Bearer"


def test_tokens_signed_by_a_rotated_out_key_still_verify(api, template) -> None:
    """Rotation keeps older keys in the set, so tokens issued just before it stay valid."""
    from aws_lambda_powertools.utilities import parameters

    from tests.conftest import provision_signing_key

    user = api.register()
    old_token = api.login(user["username"])["access_token"]
    new_kid = provision_signing_key(template)
    parameters.clear_caches()
    assert api.get("/auth/verify", token=old_token).status == 200
    fresh = api.login(user["username"])["access_token"]
    assert jwt.get_unverified_header(fresh)["kid"] == new_kid
    assert {k["kid"] for k in api.get("/.well-known/jwks.json").json()["keys"]} >= {
        new_kid, jwt.get_unverified_header(old_token)["kid"]}


def _sign_with_secret_key(template, kid: str, user_id: str) -> str:
    """A token as another container, which already loaded the rotated key set, would issue."""
    from portrait.store.aws import client

    secret_id = template.function_environment("ApiFunction")["SIGNING_KEY_SECRET"]
    key_set = json.loads(client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
    pem = next(k["private_key"] for k in key_set["keys"] if k["kid"] == kid)
    private = serialization.load_pem_private_key(pem.encode(), password=None)
    return _signed(_claims(user_id), key=private, kid=kid)


def test_a_token_from_a_key_rotated_in_after_our_cache_verifies_at_once(api, template,
                                                                        monkeypatch) -> None:
    """Containers cache the key set; one that has not seen a rotation yet re-reads it
    when a token names a kid it lacks, instead of answering 401 for minutes."""
    from portrait.services.accounts import sessions
    from tests.conftest import provision_signing_key

    # Earlier tests' made-up kids used this container's re-read allowance.
    monkeypatch.setattr(sessions, "_last_key_refresh", -sessions.KEY_REFRESH_INTERVAL_SECONDS)

    user = api.register()
    assert api.get("/auth/verify", token=_signed(_claims(user["user_id"]))).status == 200  # cache warm
    new_kid = provision_signing_key(template)  # no cache clearing: this container is stale
    token = _sign_with_secret_key(template, new_kid, user["user_id"])
    assert api.get("/auth/verify", token=token).status == 200


def test_unknown_kids_reread_the_secret_at_most_once_per_interval(api, monkeypatch) -> None:
    from portrait.services.accounts import sessions

    forced = []
    original = sessions.load_key_set

    def counting(secret_id, **kwargs):
        if kwargs.get("force_fetch"):
            forced.append(secret_id)
        return original(secret_id, **kwargs)

    monkeypatch.setattr(sessions, "load_key_set", counting)
    monkeypatch.setattr(sessions, "_last_key_refresh", -sessions.KEY_REFRESH_INTERVAL_SECONDS)
    user = api.register()
    for _ in range(5):
        assert api.get("/me", token=forge("unknown_kid", user["user_id"])).status == 401
    assert len(forced) == 1
