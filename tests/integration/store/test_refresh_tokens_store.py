"""Refresh-token families: rotation, reuse, revocation and expiry, on DynamoDB Local."""
from __future__ import annotations

import pytest

from portrait.auth.tokens import hash_refresh_token, new_refresh_token
from portrait.ids import new_id
from portrait.store import refresh_tokens
from portrait.store.refresh_tokens import Rotation

pytestmark = pytest.mark.dynamodb_local
NOW = 1_800_000_000
DAY = 86400


def start(expires_at: int = NOW + 30 * DAY) -> refresh_tokens.StoredToken:
    token_hash = hash_refresh_token(new_refresh_token())
    refresh_tokens.start_family(token_hash, user_id=new_id(), family_id=new_id(), expires_at=expires_at)
    return refresh_tokens.get_token(token_hash, now=NOW)


def test_a_new_family_holds_one_unused_token(store_env) -> None:
    token = start()
    assert token.used_at is None and token.expires_at == NOW + 30 * DAY
    assert refresh_tokens.get_token(hash_refresh_token("never issued"), now=NOW) is None


def test_rotation_spends_the_token_and_stores_its_successor(store_env) -> None:
    token = start()
    successor = hash_refresh_token(new_refresh_token())
    outcome = refresh_tokens.rotate(token, successor, now=NOW + 60, expires_at=NOW + 31 * DAY)
    assert outcome is Rotation.ROTATED
    assert refresh_tokens.get_token(token.token_hash, now=NOW + 61).used_at == NOW + 60
    new = refresh_tokens.get_token(successor, now=NOW + 61)
    assert (new.family_id, new.user_id, new.used_at) == (token.family_id, token.user_id, None)


def test_rotating_a_spent_token_reports_reuse_and_writes_nothing(store_env) -> None:
    token = start()
    refresh_tokens.rotate(token, hash_refresh_token(new_refresh_token()), now=NOW, expires_at=NOW + DAY)
    other = hash_refresh_token(new_refresh_token())
    assert refresh_tokens.rotate(token, other, now=NOW + 1, expires_at=NOW + DAY) is Rotation.ALREADY_USED
    assert refresh_tokens.get_token(other, now=NOW) is None


def test_a_revoked_family_cannot_rotate(store_env) -> None:
    token = start()
    refresh_tokens.revoke_family(token.family_id, now=NOW)
    refresh_tokens.revoke_family(token.family_id, now=NOW + 5)  # idempotent
    successor = hash_refresh_token(new_refresh_token())
    outcome = refresh_tokens.rotate(token, successor, now=NOW + 10, expires_at=NOW + DAY)
    assert outcome is Rotation.FAMILY_REVOKED
    assert refresh_tokens.get_token(token.token_hash, now=NOW + 10).used_at is None  # rolled back
    assert refresh_tokens.get_token(successor, now=NOW + 10) is None


def test_tokens_past_expiry_read_as_gone_before_ttl_deletes_them(store_env) -> None:
    token = start(expires_at=NOW + 100)
    assert refresh_tokens.get_token(token.token_hash, now=NOW + 99) is not None
    assert refresh_tokens.get_token(token.token_hash, now=NOW + 100) is None
