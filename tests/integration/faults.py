"""Fault injection for the at-least-once tests: fail one AWS call, then redeliver.

Every AWS call goes through botocore's BaseClient._make_api_call (boto3's clients and
PynamoDB's alike), so counting there gives the sequence of calls a run makes, and
failing the n-th one (a 500 from the service) is an injection point.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Callable, Iterator

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from portrait.config import get_settings
from portrait.store.aws import client as aws_client


_harness = threading.local()


@contextlib.contextmanager
def unfaulted() -> Iterator[None]:
    """The test harness's own AWS calls (receiving and deleting queue messages as an
    event source would): neither counted nor failed."""
    _harness.on = True
    try:
        yield
    finally:
        _harness.on = False


class Faults:
    """Counts botocore calls; fails the one at `fail_at` (0-based) with a service error."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.calls: list[str] = []
        self.fail_at = fail_at

    @contextlib.contextmanager
    def active(self, monkeypatch) -> Iterator["Faults"]:
        original = BaseClient._make_api_call
        faults = self

        def make_api_call(client, operation_name, api_params):
            if getattr(_harness, "on", False):
                return original(client, operation_name, api_params)
            label = f"{client.meta.service_model.service_name}.{operation_name}"
            faults.calls.append(label)
            if faults.fail_at is not None and len(faults.calls) - 1 == faults.fail_at:
                raise ClientError({"Error": {"Code": "InternalError",
                                             "Message": f"injected failure of {label}"},
                                   "ResponseMetadata": {"HTTPStatusCode": 500}}, operation_name)
            return original(client, operation_name, api_params)

        with monkeypatch.context() as patch:
            patch.setattr(BaseClient, "_make_api_call", make_api_call)
            yield self


def let_the_visibility_timeout_pass() -> None:
    """SQS redelivers only after the queue's visibility timeout, which outlasts the
    function's timeout, and so the lock (in_progress_expiration) that an interrupted
    run left on its idempotency record. The tests have no such wait: they end the locks."""
    table = get_settings().idempotency_table
    dynamodb = aws_client("dynamodb")
    for item in dynamodb.scan(TableName=table).get("Items", []):
        if item.get("status", {}).get("S") == "INPROGRESS":
            dynamodb.update_item(TableName=table, Key={"id": item["id"]},
                                 UpdateExpression="SET in_progress_expiration = :past",
                                 ExpressionAttributeValues={":past": {"N": "0"}})


def deliver_with_a_fault(deliver: Callable[[], bool], monkeypatch, position: int,
                         redeliveries: int = 3) -> bool:
    """Deliver once with the call at `position` failing, then redeliver (after the
    visibility timeout) until the delivery succeeds; whether it finally did."""
    with Faults(fail_at=position).active(monkeypatch):
        delivered = deliver()
    for _ in range(redeliveries):
        if delivered:
            break
        let_the_visibility_timeout_pass()
        delivered = deliver()
    return delivered
