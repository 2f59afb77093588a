"""Writes that lose a race on DynamoDB: retried a few times, then a retryable 409.

Real DynamoDB cancels a transaction that touches an item another transaction
is writing (reason TransactionConflict) and refuses a single-item write on
such an item (TransactionConflictException); botocore retries throttling and
TransactionInProgress itself, but not these. Nothing was written in either
case, so the same request may be sent again: transactions are, with bounded
jittered backoff (RetryingConnection), and what still cannot commit becomes
Conflict(code="conflict"), which the API answers as 409 with Retry-After,
never as a 500.
"""
from __future__ import annotations

import random
import time
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.exceptions import PynamoDBException, TransactWriteError

from portrait.errors import Conflict

ATTEMPTS = 5
BASE_DELAY_SECONDS = 0.02
# Jitter from the OS on every draw: a module-level `random` would be seeded once at init,
# and every instance restored from one SnapStart snapshot would wait in step.
JITTER = random.SystemRandom()
# Error codes meaning "busy, nothing written, try again".
BUSY_CODES = frozenset({
    "TransactionConflictException", "TransactionInProgressException", "ThrottlingException",
    "ProvisionedThroughputExceededException", "RequestLimitExceeded",
})


def _conflict_only(reasons: Any) -> bool:
    """A cancellation caused by a concurrent transaction, not by a failed condition."""
    codes = {getattr(r, "code", None) for r in reasons or [] if r is not None}
    return "TransactionConflict" in codes and "ConditionalCheckFailed" not in codes


def is_contention(exc: BaseException) -> bool:
    if isinstance(exc, TransactWriteError) and _conflict_only(exc.cancellation_reasons):
        return True
    if isinstance(exc, PynamoDBException):
        return getattr(exc, "cause_response_code", None) in BUSY_CODES
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        if error.get("Code") == "TransactionCanceledException":
            return ("TransactionConflict" in error.get("Message", "")
                    and "ConditionalCheckFailed" not in error.get("Message", ""))
        return error.get("Code") in BUSY_CODES
    return False


def conflict_for(exc: BaseException) -> Conflict | None:
    """The retryable 409 a lost race becomes (None for any other error)."""
    if not is_contention(exc):
        return None
    return Conflict("the record is being changed by another request; retry", code="conflict",
                    retry_after=1)


class RetryingConnection:
    """A PynamoDB connection whose transactions are retried when they lose a race."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def transact_write_items(self, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(ATTEMPTS):
            try:
                return self._connection.transact_write_items(*args, **kwargs)
            except TransactWriteError as exc:
                if not is_contention(exc):
                    raise  # a failed condition is the caller's to interpret
                if attempt == ATTEMPTS - 1:
                    raise conflict_for(exc) from exc
            time.sleep(JITTER.uniform(0, BASE_DELAY_SECONDS * 2 ** attempt))
        raise AssertionError("unreachable")
