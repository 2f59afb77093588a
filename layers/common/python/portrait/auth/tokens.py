"""Access tokens (ES256 JWTs) and refresh tokens. Pure: keys come in as a key set
(format: portrait.auth.keys), nothing here reads AWS.

Verification pins the algorithm to ES256, so `alg: none` and HS256 tokens made
with the public key as an HMAC secret are rejected before any signature check,
and picks the key by `kid` from our own key set, never from the token.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping

from portrait.auth.roles import ROLES
from portrait.errors import NotConfigured, Unauthorized

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

# PyJWT and cryptography are imported by the functions that sign or verify, not here:
# together they add ~40 ms to the API's cold start, which requests carrying no token
# (/health, /poses, public profiles) never need.

ALGORITHM = "ES256"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
TOKEN_TYPE = "Bearer"


@lru_cache(maxsize=16)
def _private_key(pem: str) -> ec.EllipticCurvePrivateKey:
    # Parsing a PEM costs more than signing; key sets change rarely, so keep them.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise NotConfigured("a token signing key is not an ECDSA P-256 key")
    return key


@dataclass(frozen=True)
class SigningKeys:
    """The loaded key set: the active key signs, every key verifies."""

    active_kid: str
    private_keys: Mapping[str, ec.EllipticCurvePrivateKey]

    @classmethod
    def from_key_set(cls, key_set: Mapping[str, Any] | None) -> "SigningKeys":
        entries = [k for k in (key_set or {}).get("keys", []) if k.get("kid") and k.get("private_key")]
        if not entries:
            raise NotConfigured(
                "no token signing key is provisioned; run `portrait keys rotate`"
            )
        keys = {k["kid"]: _private_key(k["private_key"]) for k in entries}
        active = (key_set or {}).get("active_kid")
        return cls(active_kid=active if active in keys else entries[0]["kid"], private_keys=keys)

    def public_key(self, kid: str) -> ec.EllipticCurvePublicKey | None:
        private = self.private_keys.get(kid)
        return private.public_key() if private else None


def issue_access_token(
    keys: SigningKeys,
    *,
    subject: str,
    role: str,
    issuer: str,
    audience: str,
    ttl_seconds: int,
    now: float | None = None,
) -> str:
    import jwt

    issued_at = int(time.time() if now is None else now)
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "role": role,
        "iat": issued_at,
        "exp": issued_at + ttl_seconds,
    }
    return jwt.encode(
        claims,
        keys.private_keys[keys.active_kid],
        algorithm=ALGORITHM,
        headers={"kid": keys.active_kid, "typ": "JWT"},
    )


def token_kid(token: str) -> str | None:
    """The key id a token claims to be signed with (unverified), or None."""
    import jwt

    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        return None
    return kid if isinstance(kid, str) else None


LIFETIME_LEEWAY_SECONDS = 5  # issuing takes a moment between iat and exp


def verify_access_token(keys: SigningKeys, token: str, *, issuer: str, audience: str,
                        max_lifetime_seconds: int | None = None) -> dict[str, Any]:
    """The token's claims, or Unauthorized: bad format, unknown kid, signature, exp, iss, aud,
    time claims that are not numbers, or a lifetime longer than we ever issue."""
    import jwt

    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        raise Unauthorized("malformed access token", code="invalid_token") from None
    public_key = keys.public_key(kid) if isinstance(kid, str) else None
    if public_key is None:
        raise Unauthorized("access token signed with an unknown key", code="invalid_token")
    try:
        claims = jwt.decode(
            token,
            public_key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("access token expired", code="token_expired") from None
    except jwt.PyJWTError:
        raise Unauthorized("invalid access token", code="invalid_token") from None
    if claims.get("role") not in ROLES or not isinstance(claims.get("sub"), str):
        raise Unauthorized("invalid access token", code="invalid_token")
    # PyJWT takes "exp": "9999999999" (a string) for a number; RFC 7519 says NumericDate.
    times = {name: claims[name] for name in ("exp", "iat", "nbf") if name in claims}
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in times.values()):
        raise Unauthorized("invalid access token", code="invalid_token")
    # A correctly signed token that lives longer than any we issue was not issued by us
    # as it is (a leaked key, or a bug): refuse it rather than honour it for a century.
    if max_lifetime_seconds is not None and \
            times["exp"] - times["iat"] > max_lifetime_seconds + LIFETIME_LEEWAY_SECONDS:
        raise Unauthorized("invalid access token", code="invalid_token")
    return claims


def public_jwks(keys: SigningKeys) -> dict[str, list[dict[str, Any]]]:
    """The JSON Web Key Set other services verify our tokens with (public halves only)."""
    from jwt.algorithms import ECAlgorithm

    entries = []
    for kid in sorted(keys.private_keys, key=lambda k: k != keys.active_kid):
        jwk = ECAlgorithm.to_jwk(keys.private_keys[kid].public_key(), as_dict=True)
        entries.append({**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"})
    return {"keys": entries}


def new_refresh_token() -> str:
    """256 random bits, URL-safe. Only its hash is ever stored."""
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
