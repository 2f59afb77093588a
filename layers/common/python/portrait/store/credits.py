"""Credit balances, their ledger, and the generation stats kept beside the balance.

Money-like numbers move only inside conditional writes and transactions
(docs/ARCHITECTURE.md §4): a balance is decremented only under `credits >= cost`, and
every movement writes its ledger entry in the same transaction, conditioned
on the entry not existing yet. Charge and refund entries are keyed on their
generation, so the ledger itself forbids a second refund.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from portrait.errors import InsufficientCredits, InvalidInput, NotFound
from portrait.ids import new_id
from portrait.store.models import CreditEntryItem, UserItem, bound, transaction_connection

GRANT, CHARGE, REFUND = "grant", "charge", "refund"


@dataclass(frozen=True)
class CreditEntry:
    user_id: str
    entry_id: str
    kind: str
    amount: int
    created_at: str
    reason: str | None = None
    generation_id: str | None = None
    actor_id: str | None = None


@dataclass(frozen=True)
class GenerationCounters:
    """The per-user counters behind GET /generations/stats (all zero for a new user)."""

    records: int = 0
    total: int = 0
    completed: int = 0
    failed: int = 0
    processing_ms_sum: int = 0
    credits_used: int = 0


def insufficient(balance: int, cost: int) -> InsufficientCredits:
    """The 402 error, with the balance and the cost a client is shown."""
    return InsufficientCredits(f"this generation costs {cost} credits; you have {balance}",
                               balance=balance, cost=cost)


def user_key(user_id: str) -> str:
    return f"user#{user_id}"


def entry_item(user_id: str, entry_id: str, kind: str, amount: int, *, now_iso: str,
               **extra: Any) -> CreditEntryItem:
    values = {k: v for k, v in extra.items() if v is not None}
    return bound(CreditEntryItem)(user_id, entry_id, kind=kind, amount=amount, created_at=now_iso,
                                  **values)


def save_new_entry(tx: TransactWrite, entry: CreditEntryItem) -> None:
    """Add the entry to `tx`, which then fails if the entry exists (a repeat)."""
    tx.save(entry, condition=CreditEntryItem.entry_id.does_not_exist())


def opening_entry(user_id: str, amount: int, *, now_iso: str) -> CreditEntryItem:
    """The initial grant, written with the user in registration's transaction."""
    return entry_item(user_id, f"{new_id()}#{GRANT}", GRANT, amount, now_iso=now_iso,
                      reason="welcome")


def grant(user_id: str, amount: int, *, reason: str, actor_id: str, now_iso: str,
          balance_max: int) -> CreditEntry:
    """Add `amount` to the balance (never beyond balance_max) with its ledger entry."""
    if amount <= 0:
        raise ValueError("a grant is positive")
    users = bound(UserItem)
    entry = entry_item(user_id, f"{new_id()}#{GRANT}", GRANT, amount, now_iso=now_iso,
                       reason=reason, actor_id=actor_id)
    try:
        with TransactWrite(connection=transaction_connection(users)) as tx:
            tx.update(users(user_key(user_id)),
                      actions=[users.credits.add(amount), users.updated_at.set(now_iso)],
                      condition=users.pk.exists() & (users.credits <= balance_max - amount))
            save_new_entry(tx, entry)
    except TransactWriteError as exc:
        reasons = [r for r in exc.cancellation_reasons or [] if r and r.code == "ConditionalCheckFailed"]
        if not reasons:
            raise
        if balance(user_id) is None:
            raise NotFound("no such user", code="user_not_found") from None
        raise InvalidInput(f"the balance may not exceed {balance_max}",
                           code="balance_limit") from None
    return _entry(entry)


def balance(user_id: str) -> int | None:
    """The user's balance (a strongly consistent read), or None if there is no such user."""
    try:
        item = bound(UserItem).get(user_key(user_id), consistent_read=True,
                                   attributes_to_get=["credits"])
    except UserItem.DoesNotExist:
        return None
    return int(item.credits or 0)


def generation_counters(user_id: str) -> GenerationCounters | None:
    try:
        item = bound(UserItem).get(user_key(user_id), consistent_read=True)
    except UserItem.DoesNotExist:
        return None

    def n(value: Any) -> int:
        return int(value or 0)

    return GenerationCounters(
        records=n(item.generation_records), total=n(item.generations_total),
        completed=n(item.generations_completed), failed=n(item.generations_failed),
        processing_ms_sum=n(item.generation_ms_total), credits_used=n(item.credits_used))


def list_entries(user_id: str, *, limit: int = 100) -> list[CreditEntry]:
    """The user's ledger, newest first."""
    return [_entry(item) for item in bound(CreditEntryItem).query(
        user_id, scan_index_forward=False, limit=limit, consistent_read=True)]


def _entry(item: CreditEntryItem) -> CreditEntry:
    values = {name: getattr(item, name) for name in CreditEntry.__dataclass_fields__}
    values["amount"] = int(values["amount"])
    return CreditEntry(**values)
