"""Refresh tokens, stored only as sha256 hashes, grouped in rotation families.

A login starts a family; each refresh marks the presented token used and adds
its successor in one transaction. A token presented after it was used means
it was copied: the service then revokes the whole family. Items carry
`expires_at` as their TTL, but DynamoDB deletes expired items only within
about two days, so reads treat anything past `expires_at` as gone.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from portrait.store.models import (
    RefreshTokenItem,
    TokenFamilyItem,
    bound,
    TX_OLD,
    condition_failed,
    failed_condition_keys,
    transaction_connection,
)


@dataclass(frozen=True)
class StoredToken:
    token_hash: str
    user_id: str
    family_id: str
    expires_at: int
    used_at: int | None


class Rotation(enum.Enum):
    ROTATED = "rotated"
    ALREADY_USED = "already_used"  # lost a race with another use of the same token
    FAMILY_REVOKED = "family_revoked"


def _token_pk(token_hash: str) -> str:
    return f"token#{token_hash}"


def _family_pk(family_id: str) -> str:
    return f"family#{family_id}"


def _token_item(token_hash: str, user_id: str, family_id: str, expires_at: int) -> RefreshTokenItem:
    return bound(RefreshTokenItem)(
        _token_pk(token_hash), user_id=user_id, family_id=family_id, expires_at=expires_at
    )


def start_family(token_hash: str, *, user_id: str, family_id: str, expires_at: int) -> None:
    tokens, families = bound(RefreshTokenItem), bound(TokenFamilyItem)
    family = families(_family_pk(family_id), user_id=user_id, expires_at=expires_at)
    with TransactWrite(connection=transaction_connection(tokens)) as tx:
        tx.save(family, condition=families.pk.does_not_exist())
        tx.save(_token_item(token_hash, user_id, family_id, expires_at),
                condition=tokens.pk.does_not_exist())


def get_token(token_hash: str, *, now: int) -> StoredToken | None:
    """The stored token, or None if unknown or past its expiry."""
    try:
        item = bound(RefreshTokenItem).get(_token_pk(token_hash), consistent_read=True)
    except RefreshTokenItem.DoesNotExist:
        return None
    if item.expires_at <= now:
        return None
    return StoredToken(
        token_hash=token_hash,
        user_id=item.user_id,
        family_id=item.family_id,
        expires_at=int(item.expires_at),
        used_at=int(item.used_at) if item.used_at is not None else None,
    )


def rotate(old: StoredToken, new_token_hash: str, *, now: int, expires_at: int) -> Rotation:
    """Mark `old` used and store its successor, unless it was used or its family revoked."""
    tokens, families = bound(RefreshTokenItem), bound(TokenFamilyItem)
    old_item, family = tokens(_token_pk(old.token_hash)), families(_family_pk(old.family_id))
    try:
        with TransactWrite(connection=transaction_connection(tokens)) as tx:
            tx.update(old_item, actions=[tokens.used_at.set(now)],
                      condition=tokens.pk.exists() & tokens.used_at.does_not_exist(),
                      return_values=TX_OLD)
            tx.update(family, actions=[families.expires_at.set(expires_at)],
                      condition=families.pk.exists() & families.revoked_at.does_not_exist(),
                      return_values=TX_OLD)
            tx.save(_token_item(new_token_hash, old.user_id, old.family_id, expires_at),
                    condition=tokens.pk.does_not_exist())
    except TransactWriteError as exc:
        failed = failed_condition_keys(exc)
        if old_item.pk in failed:
            return Rotation.ALREADY_USED
        if failed:  # the family's condition: revoked, or gone
            return Rotation.FAMILY_REVOKED
        raise
    return Rotation.ROTATED


def revoke_family(family_id: str, *, now: int) -> None:
    """Revoke every token of the family (idempotent: the first revocation time stays)."""
    families = bound(TokenFamilyItem)
    try:
        families(_family_pk(family_id)).update(
            actions=[families.revoked_at.set(now)],
            condition=families.pk.exists() & families.revoked_at.does_not_exist(),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise

