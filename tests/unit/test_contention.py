"""Writes that lose a race: retried, then a retryable Conflict; never mistaken for a
failed condition (which callers interpret) or for a real failure."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from pynamodb.connection.base import VerboseClientError
from pynamodb.exceptions import CancellationReason, TransactWriteError, UpdateError

from portrait.errors import Conflict
from portrait.store import contention


def cancelled(*codes: str) -> TransactWriteError:
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
        "TransactWriteItems", {}, cancellation_reasons=[
            CancellationReason(code=c) if c != "None" else None for c in codes])
    return TransactWriteError("Failed to write transaction items", cause)


def failed_update(code: str) -> UpdateError:
    return UpdateError("Failed to update item", ClientError({"Error": {"Code": code}},
                                                            "UpdateItem"))


@pytest.mark.parametrize(("error", "busy"), [
    (cancelled("None", "TransactionConflict"), True),
    (cancelled("ConditionalCheckFailed", "TransactionConflict"), False),
    (cancelled("ConditionalCheckFailed", "None"), False),
    (failed_update("TransactionConflictException"), True),
    (failed_update("ThrottlingException"), True),
    (failed_update("ConditionalCheckFailedException"), False),
    (failed_update("ValidationException"), False),
    (ClientError({"Error": {"Code": "TransactionCanceledException",
                            "Message": "reasons [None, TransactionConflict]"}}, "X"), True),
    (ValueError("nope"), False),
])
def test_what_counts_as_a_lost_race(error, busy) -> None:
    assert contention.is_contention(error) is busy
    assert (contention.conflict_for(error) is not None) is busy


class FlakyConnection:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures, self.calls = failures, 0

    def transact_write_items(self, **_):
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return {"ok": True}


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(contention.time, "sleep", lambda seconds: None)


def test_a_transaction_that_lost_a_race_is_sent_again() -> None:
    inner = FlakyConnection([cancelled("TransactionConflict"), cancelled("None",
                                                                         "TransactionConflict")])
    assert contention.RetryingConnection(inner).transact_write_items(x=1) == {"ok": True}
    assert inner.calls == 3


def test_one_that_keeps_losing_becomes_a_retryable_conflict() -> None:
    inner = FlakyConnection([cancelled("TransactionConflict")] * 10)
    with pytest.raises(Conflict) as caught:
        contention.RetryingConnection(inner).transact_write_items()
    assert inner.calls == contention.ATTEMPTS
    assert caught.value.code == "conflict" and caught.value.details["retry_after"] == 1


def test_a_failed_condition_goes_to_the_caller_at_once() -> None:
    inner = FlakyConnection([cancelled("ConditionalCheckFailed")])
    with pytest.raises(TransactWriteError):
        contention.RetryingConnection(inner).transact_write_items()
    assert inner.calls == 1
