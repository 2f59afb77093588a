"""Credits: what a generation costs, the balance, and admin grants."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from portrait import clock
from portrait.config import get_settings
from portrait.errors import InvalidInput, NotFound
from portrait import metric_catalogue as M
from portrait.observability import emit, logger

from portrait.store import credits
from portrait.text import SingleLine

Quality = Literal["sd", "hd"]

# The price list: 5 a generation, +2 for HD, +3 for priority processing.
BASE_COST, HD_EXTRA, PRIORITY_EXTRA = 5, 2, 3


def generation_cost(quality: Quality, priority: bool) -> int:
    return BASE_COST + (HD_EXTRA if quality == "hd" else 0) + (PRIORITY_EXTRA if priority else 0)


@dataclass(frozen=True)
class Prices:
    base: int = BASE_COST
    hd: int = HD_EXTRA
    priority: int = PRIORITY_EXTRA


@dataclass(frozen=True)
class CreditBalance:
    user_id: str
    balance: int
    prices: Prices


@dataclass(frozen=True)
class CreditGrant:
    user_id: str
    entry_id: str
    amount: int
    reason: str
    balance: int
    granted_by: str
    created_at: str


class GrantRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    amount: Annotated[int, Field(gt=0, examples=[50],
                                 description="credits to add; at most CREDIT_GRANT_MAX (10 000)")]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200),
                      Field(examples=["support ticket 4312: failed render"]), SingleLine]


def credit_balance(user_id: str) -> CreditBalance:
    """GET /me/credits: the balance, and the prices it buys generations at."""
    balance = credits.balance(user_id)
    if balance is None:
        raise NotFound("no such user", code="user_not_found")
    return CreditBalance(user_id=user_id, balance=balance, prices=Prices())


def grant_credits(admin_user_id: str, user_id: str, request: GrantRequest) -> CreditGrant:
    """POST /admin/users/{user_id}/credits: add credits, with a ledger entry naming the admin."""
    settings = get_settings()
    if request.amount > settings.credit_grant_max:
        raise InvalidInput(f"one grant is at most {settings.credit_grant_max} credits",
                           code="grant_too_large")
    entry = credits.grant(user_id, request.amount, reason=request.reason, actor_id=admin_user_id,
                          now_iso=clock.iso(clock.now()), balance_max=settings.credit_balance_max)
    balance = credits.balance(user_id) or 0
    # Money moved by hand: the log line is the audit trail beside the ledger entry.
    logger.info("credits granted", extra={"admin_user_id": admin_user_id, "user_id": user_id,
                                          "amount": request.amount, "reason": request.reason,
                                          "entry_id": entry.entry_id, "balance": balance})
    emit(M.CREDITS_GRANTED, request.amount)
    return CreditGrant(user_id=user_id, entry_id=entry.entry_id, amount=request.amount,
                       reason=request.reason, balance=balance, granted_by=admin_user_id,
                       created_at=entry.created_at)
