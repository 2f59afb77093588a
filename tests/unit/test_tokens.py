"""Access tokens (ES256 JWT) and refresh tokens, with no AWS at all."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from portrait.auth import tokens
from portrait.auth.keys import generate_signing_key, rotated_key_set
from portrait.errors import NotConfigured, Unauthorized

ISS, AUD = "portrait", "portrait-api"


@pytest.fixture(scope="module")
def keys() -> tokens.SigningKeys:
    return tokens.SigningKeys.from_key_set(rotated_key_set(None))


def issue(keys, **kw) -> str:
    args = dict(subject="01USER", role="user", issuer=ISS, audience=AUD, ttl_seconds=900)
    args.update(kw)
    return tokens.issue_access_token(keys, **args)


def verify(keys, token):
    return tokens.verify_access_token(keys, token, issuer=ISS, audience=AUD)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_round_trip_carries_the_required_claims(keys) -> None:
    token = issue(keys, now=time.time())
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "ES256", "kid": keys.active_kid, "typ": "JWT"}
    claims = verify(keys, token)
    assert {k: claims[k] for k in ("iss", "aud", "sub", "role")} == {
        "iss": ISS, "aud": AUD, "sub": "01USER", "role": "user"}
    assert claims["exp"] - claims["iat"] == 900


def _claims(**overrides) -> dict:
    now = int(time.time())
    claims = {"iss": ISS, "aud": AUD, "sub": "01USER", "role": "user", "iat": now, "exp": now + 900}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(keys, claims, *, kid=None, key=None) -> str:
    return jwt.encode(claims, key or keys.private_keys[keys.active_kid], algorithm="ES256",
                      headers={"kid": kid or keys.active_kid})


def test_rejections(keys) -> None:
    public_pem = keys.public_key(keys.active_kid).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    head = b64(json.dumps({"alg": "HS256", "kid": keys.active_kid}).encode())
    body = b64(json.dumps(_claims(role="admin")).encode())
    hs256 = f"{head}.{body}." + b64(hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest())
    none_head = b64(json.dumps({"alg": "none", "kid": keys.active_kid}).encode())
    genuine = _sign(keys, _claims())
    h, _, s = genuine.split(".")
    foreign = tokens.SigningKeys.from_key_set(rotated_key_set(None))
    cases = {
        "alg none": f"{none_head}.{body}.",
        "hs256 keyed with the public key": hs256,
        "expired": _sign(keys, _claims(iat=int(time.time()) - 1000, exp=int(time.time()) - 100)),
        "issued in the future": _sign(keys, _claims(iat=int(time.time()) + 600)),
        "wrong audience": _sign(keys, _claims(aud="other")),
        "wrong issuer": _sign(keys, _claims(iss="other")),
        "tampered payload": f"{h}.{body}.{s}",
        "unknown kid": _sign(foreign, _claims()),
        "known kid, foreign key": _sign(keys, _claims(), key=foreign.private_keys[foreign.active_kid]),
        "no kid": jwt.encode(_claims(), keys.private_keys[keys.active_kid], algorithm="ES256"),
        "no exp": _sign(keys, _claims(exp=None)),
        "no sub": _sign(keys, _claims(sub=None)),
        "unknown role": _sign(keys, _claims(role="root")),
        "garbage": "a.b.c",
    }
    for name, token in cases.items():
        with pytest.raises(Unauthorized) as caught:
            verify(keys, token)
        assert caught.value.code in ("invalid_token", "token_expired"), name
    assert verify(keys, genuine)["sub"] == "01USER"  # control


def test_expired_tokens_say_so(keys) -> None:
    token = issue(keys, now=time.time() - 2000)
    with pytest.raises(Unauthorized) as caught:
        verify(keys, token)
    assert caught.value.code == "token_expired"


def test_older_keys_keep_verifying_after_rotation(keys) -> None:
    key_set = rotated_key_set(None)
    before = tokens.SigningKeys.from_key_set(key_set)
    old_token = issue(before)
    after = tokens.SigningKeys.from_key_set(rotated_key_set(key_set))
    assert after.active_kid != before.active_kid
    assert verify(after, old_token)["sub"] == "01USER"
    assert jwt.get_unverified_header(issue(after))["kid"] == after.active_kid


def test_jwks_holds_public_keys_that_verify(keys) -> None:
    jwks = tokens.public_jwks(keys)
    (entry,) = jwks["keys"]
    assert entry["kid"] == keys.active_kid and entry["alg"] == "ES256" and entry["use"] == "sig"
    assert "d" not in entry
    claims = jwt.decode(issue(keys), jwt.PyJWK(entry).key, algorithms=["ES256"], audience=AUD)
    assert claims["sub"] == "01USER"


@pytest.mark.parametrize("key_set", [None, {}, {"keys": []}, {"keys": [{"kid": "x"}]}])
def test_missing_keys_are_not_configured(key_set) -> None:
    with pytest.raises(NotConfigured, match="portrait keys rotate"):
        tokens.SigningKeys.from_key_set(key_set)


def test_a_non_p256_key_is_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    with pytest.raises(NotConfigured):
        tokens.SigningKeys.from_key_set({"active_kid": "k", "keys": [{"kid": "k", "private_key": pem}]})


def test_active_kid_falls_back_to_the_first_key() -> None:
    key = generate_signing_key()
    loaded = tokens.SigningKeys.from_key_set({"active_kid": "gone", "keys": [key]})
    assert loaded.active_kid == key["kid"]


def test_refresh_tokens_are_256_random_bits_stored_as_sha256() -> None:
    token = tokens.new_refresh_token()
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    assert tokens.new_refresh_token() != token
    digest = tokens.hash_refresh_token(token)
    assert digest == hashlib.sha256(token.encode()).hexdigest() and len(digest) == 64


def test_time_claims_must_be_numbers_and_lifetimes_ours(keys) -> None:
    now = int(time.time())
    cases = {
        "string exp": _claims(exp=str(now + 600)),
        "string iat": _claims(iat=str(now)),
        "boolean exp": _claims(exp=True),
        "string nbf": _claims(nbf=str(now)),
        "a 100-year lifetime": _claims(iat=now, exp=now + 100 * 365 * 86400),
        "one second past the longest we issue": _claims(iat=now, exp=now + 900 + 6),
    }
    def accepted(claims) -> bool:
        try:
            tokens.verify_access_token(keys, _sign(keys, claims), issuer=ISS, audience=AUD,
                                       max_lifetime_seconds=900)
            return True
        except Unauthorized:
            return False

    assert [name for name, claims in cases.items() if accepted(claims)] == []
    ours = _claims(iat=now, exp=now + 900)
    assert tokens.verify_access_token(keys, _sign(keys, ours), issuer=ISS, audience=AUD,
                                      max_lifetime_seconds=900)["exp"] == now + 900
