"""Sessions: login, refresh-token rotation with reuse detection, logout, and
access-token verification.

A login starts a refresh-token family. Each refresh spends the presented token
and hands out its successor; a spent token shown again means someone holds a
copy, so the whole family is revoked and both holders must log in again.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, replace
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from portrait import clock
from portrait.auth import tokens
from portrait.config import get_settings
from portrait.errors import Unauthorized
from portrait.ids import new_id
from portrait import metric_catalogue as M
from portrait.observability import emit, logger
from portrait.services.accounts.registration import Email, Username, passwords
from portrait.services.avatars.views import AvatarLinks
from portrait.services.avatars.reading import current_links
from portrait.store import rate_limits, refresh_tokens, users
from portrait.store.refresh_tokens import Rotation, StoredToken
from portrait.store.signing_keys import load_key_set
from portrait.store.users import User

_BAD_LOGIN = "invalid login or password"
_BAD_REFRESH = "invalid or expired refresh token"


_IDENTIFIERS = ("login", "username", "email")


class Credentials(BaseModel):
    """A password and exactly one of `login` (username or email), `username` or `email`."""

    # A null identifier counts as left out, hence the "type" in each alternative.
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"oneOf": [
        {"required": [name, "password"], "properties": {name: {"type": "string"}}}
        for name in _IDENTIFIERS]})

    login: Annotated[str, Field(min_length=1, max_length=254,
                                description="username or email")] | None = None
    username: Username | None = None
    email: Email | None = None
    # Long enough for any valid password, short enough that nobody makes us hash megabytes.
    password: Annotated[str, Field(min_length=1, max_length=1024)]

    @model_validator(mode="after")
    def _one_identifier(self) -> Self:
        given = [name for name in _IDENTIFIERS if getattr(self, name) is not None]
        if not given:
            raise PydanticCustomError("identifier_missing",
                                      "send one of login, username or email with the password")
        if len(given) > 1:
            raise PydanticCustomError("identifier_ambiguous",
                                      "send only one of login, username or email, not {given}",
                                      {"given": " and ".join(given)})
        return self

    @property
    def identifier(self) -> str:
        """The username or email to log in as, as given (login() trims it)."""
        return next(value for name in _IDENTIFIERS if (value := getattr(self, name)) is not None)


@dataclass(frozen=True)
class Session:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User
    token_type: str = tokens.TOKEN_TYPE
    avatar: AvatarLinks | None = None  # set on login only (a refresh returns no user)


# A token signed by a key this container has not seen yet (a rotation newer than
# its cached key set) triggers one fresh read of the secret, at most this often,
# so tokens with made-up kids cannot turn into a flood of Secrets Manager calls.
KEY_REFRESH_INTERVAL_SECONDS = 30.0
_last_key_refresh = -KEY_REFRESH_INTERVAL_SECONDS


def signing_keys(*, force_fetch: bool = False) -> tokens.SigningKeys:
    s = get_settings()
    return tokens.SigningKeys.from_key_set(
        load_key_set(s.signing_key_secret, max_age=s.signing_key_cache_seconds,
                     force_fetch=force_fetch)
    )


def _keys_for(access_token: str) -> tokens.SigningKeys:
    """The key set, re-read once (rate-limited) if the token names a kid it lacks."""
    global _last_key_refresh
    keys = signing_keys()
    kid = tokens.token_kid(access_token)
    if kid is None or keys.public_key(kid) is not None:
        return keys
    now = time.monotonic()
    if now - _last_key_refresh < KEY_REFRESH_INTERVAL_SECONDS:
        return keys
    _last_key_refresh = now
    return signing_keys(force_fetch=True)


def login(credentials: Credentials) -> Session:
    """A new session for the account named by username or email, or Unauthorized.

    Unknown accounts and wrong passwords fail alike: same error, and an argon2
    verification either way, so neither the answer nor its timing tells them apart.
    """
    login_name = credentials.identifier.strip()
    user = users.find_user_by_login(login_name)
    # Count attempts per account; per hashed login name when there is none, so
    # an unknown name is limited exactly like a known one.
    subject = user.user_id if user else hashlib.sha256(login_name.lower().encode()).hexdigest()
    rate_limits.hit("login", subject, limit=get_settings().login_attempts_per_minute)

    hasher = passwords()
    if user is None:
        hasher.burn_verify(credentials.password)
    if user is None or not hasher.verify(user.password_hash, credentials.password):
        emit(M.LOGIN_FAILED)
        raise Unauthorized(_BAD_LOGIN, code="invalid_credentials")
    if hasher.needs_rehash(user.password_hash):
        user = users.update_user(user.user_id, {"password_hash": hasher.hash(credentials.password)})
    emit(M.LOGIN_SUCCEEDED)
    # The login reply shows the user as GET /me does, avatar included.
    return replace(_new_session(user), avatar=current_links(user))


def refresh_session(refresh_token: str) -> Session:
    """Spend `refresh_token` for a new pair; a reused token revokes its family."""
    now = clock.now()
    stored = refresh_tokens.get_token(tokens.hash_refresh_token(refresh_token), now=now)
    if stored is None:
        raise Unauthorized(_BAD_REFRESH, code="invalid_refresh_token")
    if stored.used_at is not None:
        _revoke_for_reuse(stored, now)
    user = users.get_user(stored.user_id)
    if user is None:
        refresh_tokens.revoke_family(stored.family_id, now=now)
        raise Unauthorized(_BAD_REFRESH, code="invalid_refresh_token")
    return _new_session(user, rotating=stored, now=now)


def logout(refresh_token: str) -> None:
    """Revoke the session the token belongs to. Unknown tokens are ignored: logout is idempotent."""
    now = clock.now()
    stored = refresh_tokens.get_token(tokens.hash_refresh_token(refresh_token), now=now)
    if stored is not None:
        refresh_tokens.revoke_family(stored.family_id, now=now)


def verify_access_token(access_token: str) -> dict[str, Any]:
    s = get_settings()
    return tokens.verify_access_token(
        _keys_for(access_token), access_token, issuer=s.jwt_issuer, audience=s.jwt_audience,
        max_lifetime_seconds=s.access_token_ttl_seconds,
    )


def public_jwks() -> dict[str, Any]:
    return tokens.public_jwks(signing_keys())


def _revoke_for_reuse(stored: StoredToken, now: int) -> None:
    refresh_tokens.revoke_family(stored.family_id, now=now)
    logger.warning("refresh token reuse: family revoked",
                   extra={"user_id": stored.user_id, "family_id": stored.family_id})
    emit(M.REFRESH_TOKEN_REUSE)
    raise Unauthorized("refresh token reuse detected; log in again", code="refresh_token_reused")


def _new_session(user: User, *, rotating: StoredToken | None = None, now: int | None = None) -> Session:
    """Tokens for `user`: a new family on login, or the successor of `rotating` on refresh."""
    s = get_settings()
    now = clock.now() if now is None else now
    keys = signing_keys()  # before any write: a missing key must not spend a refresh token
    refresh = tokens.new_refresh_token()
    refresh_hash = tokens.hash_refresh_token(refresh)
    expires_at = now + s.refresh_token_ttl_days * 86400
    if rotating is None:
        refresh_tokens.start_family(refresh_hash, user_id=user.user_id,
                                    family_id=new_id(), expires_at=expires_at)
    else:
        outcome = refresh_tokens.rotate(rotating, refresh_hash, now=now, expires_at=expires_at)
        if outcome is Rotation.ALREADY_USED:  # lost a race with another use of the same token
            _revoke_for_reuse(rotating, now)
        if outcome is Rotation.FAMILY_REVOKED:
            raise Unauthorized(_BAD_REFRESH, code="invalid_refresh_token")
    access = tokens.issue_access_token(
        keys, subject=user.user_id, role=user.role, issuer=s.jwt_issuer,
        audience=s.jwt_audience, ttl_seconds=s.access_token_ttl_seconds, now=now,
    )
    return Session(access_token=access, refresh_token=refresh,
                   expires_in=s.access_token_ttl_seconds, user=user)
