"""Poll a queue and invoke its function with Lambda's SQS event, as the SQS event source does.

On success the batch is deleted; with ReportBatchItemFailures only the
messages not reported; on an error none, so they come back after the queue's
VisibilityTimeout. The move to the dead-letter queue after maxReceiveCount is
moto's own (it applies the redrive policy when a message is received again).
Messages that match no filter are deleted without an invocation, as Lambda does.
"""
from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any, Callable, Sequence

from portrait_local.event_sources import EventSourceMapping
from portrait_local.filters import matches_any
from portrait_local.runtime import Invocation, print_invocation

# The system attributes Lambda puts in a record (SQS returns more with "All").
_RECORD_ATTRIBUTES = (
    "ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp",
    "AWSTraceHeader", "SequenceNumber", "MessageGroupId", "MessageDeduplicationId",
    "DeadLetterQueueSourceArn",
)


def _message_attribute(value: dict) -> dict:
    out = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return out


def sqs_record(message: dict, queue_arn: str, region: str) -> dict:
    """One record of the event Lambda sends for an SQS batch."""
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {k: v for k, v in (message.get("Attributes") or {}).items()
                       if k in _RECORD_ATTRIBUTES},
        "messageAttributes": {name: _message_attribute(v) for name, v in
                              (message.get("MessageAttributes") or {}).items()},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _filterable(record: dict) -> dict:
    """Lambda matches `body` patterns against the parsed body when it is JSON."""
    try:
        return {**record, "body": json.loads(record["body"])}
    except (TypeError, ValueError):
        return record


def failed_item_ids(result: Any, batch_ids: list[str]) -> list[str] | None:
    """The ids a partial batch response reports; None when the response is malformed,
    which Lambda treats as the whole batch failing."""
    if not isinstance(result, dict) or not result.get("batchItemFailures"):
        return []
    failures = result["batchItemFailures"]
    if not isinstance(failures, list):
        return None
    ids = []
    for item in failures:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not ident or ident not in batch_ids:
            return None
        ids.append(ident)
    return ids


LONG_POLL_SECONDS = 20
SHORT_POLL_SECONDS = 1
PEEK_SECONDS = 0.2  # a yielding lane's beat while it waits or its queue is empty


class SqsPoller:
    def __init__(self, mapping: EventSourceMapping, sqs: Any, region: str,
                 invoke: Callable[[str, Any], Invocation],
                 report: Callable[..., None] = print_invocation,
                 wait_seconds: int | None = None,
                 yield_to: Sequence[EventSourceMapping] = (),
                 peek: Callable[[str], int] | None = None) -> None:
        self.mapping, self.sqs, self.region = mapping, sqs, region
        self.invoke, self.report = invoke, report
        # Long polling, as Lambda's pollers do: an idle queue costs one request per 20 s,
        # and a message is answered the moment it is sent. A lane that yields to another
        # asks again each second, so it looks at the lanes above it that often.
        if wait_seconds is None:
            wait_seconds = SHORT_POLL_SECONDS if yield_to else LONG_POLL_SECONDS
        self.wait_seconds = wait_seconds
        # How many messages a queue (by URL) has visible, read where the queues live (the
        # stack's own moto, in process) instead of asked over HTTP: a yielding lane looks
        # several times a second, and an idle stack's requests cost it a core's percents.
        self.peek = peek
        self.queue_url = sqs.get_queue_url(QueueName=mapping.source_name)["QueueUrl"]
        # Queues ranked above this one (sqs_lanes): while one has messages, this one waits.
        self.yield_to_urls = [sqs.get_queue_url(QueueName=m.source_name)["QueueUrl"]
                              for m in yield_to]

    def backlog(self, queue_url: str) -> int:
        """Messages visible in a queue (SQS's approximate count)."""
        if self.peek is not None:
            return self.peek(queue_url)
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", 0))

    def outranked(self) -> bool:
        """Whether a higher-ranked queue has messages waiting (then this one lets it drain)."""
        return any(self.backlog(url) for url in self.yield_to_urls)

    def _receive(self, count: int, wait: int) -> list[dict]:
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=min(count, 10), WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"])
        return response.get("Messages", [])

    def _collect(self) -> list[dict]:
        """Up to BatchSize messages: one receive, or more within the batching window."""
        batch = self._receive(self.mapping.batch_size, self.wait_seconds)
        if not batch or self.mapping.batching_window <= 0:
            return batch
        deadline = time.monotonic() + self.mapping.batching_window
        while len(batch) < self.mapping.batch_size and time.monotonic() < deadline:
            more = self._receive(self.mapping.batch_size - len(batch), 0)
            batch += more
            if not more:
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        return batch

    def _delete(self, messages: list[dict]) -> None:
        for i in range(0, len(messages), 10):
            entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                       for n, m in enumerate(messages[i:i + 10])]
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)

    def _hand_back(self, messages: list[dict]) -> None:
        """Make received messages visible again at once, for the pollers that follow."""
        for i in range(0, len(messages), 10):
            entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                       for n, m in enumerate(messages[i:i + 10])]
            self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=entries)

    def poll_once(self, stop: threading.Event | None = None) -> int:
        """Receive one batch and process it; returns how many messages were received.
        A poller stopped while it waited (its mapping changed or was disabled) hands
        the batch back instead: the mapping as it is now decides what happens to it."""
        messages = self._collect()
        if not messages:
            return 0
        if stop is not None and stop.is_set():
            self._hand_back(messages)
            return 0
        records = [sqs_record(m, self.mapping.source_arn, self.region) for m in messages]
        keep = [matches_any(self.mapping.filters, _filterable(r)) for r in records]
        dropped = [m for m, k in zip(messages, keep) if not k]
        if dropped:
            self._delete(dropped)
        messages = [m for m, k in zip(messages, keep) if k]
        records = [r for r, k in zip(records, keep) if k]
        if not records:
            return len(keep)
        result = self.invoke(self.mapping.function_id, {"Records": records})
        source = f"sqs:{self.mapping.source_name}"
        detail = f"{len(records)} record{'s' if len(records) != 1 else ''}"
        if all(_is_s3_test_event(r) for r in records):
            detail += " (S3's test event, sent once when the bucket's notifications are set)"
        if not result.ok:
            outcome = f"error {result.error.get('errorType')}: {result.error.get('errorMessage')}"
        elif self.mapping.report_batch_item_failures:
            failed = failed_item_ids(result.result, [r["messageId"] for r in records])
            if failed is None:
                outcome = "invalid batchItemFailures: whole batch retried"
            else:
                self._delete([m for m in messages if m["MessageId"] not in failed])
                outcome = f"ok ({len(failed)} failed)" if failed else "ok"
        else:
            self._delete(messages)
            outcome = "ok"
        self.report(self.mapping.function_id, f"{source} {detail}", result.duration_ms, outcome)
        return len(keep)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                if self.yield_to_urls and self.outranked():
                    stop.wait(PEEK_SECONDS)
                    continue
                if self.yield_to_urls and self.peek is not None and not self.backlog(
                        self.queue_url):
                    stop.wait(PEEK_SECONDS)  # nothing to take: look again, without a request
                    continue
                self.poll_once(stop)
            except Exception as exc:  # noqa: BLE001 - keep polling, as the service does
                if stop.is_set():
                    return
                self.report(self.mapping.function_id, f"sqs:{self.mapping.source_name}", 0,
                            f"poller error: {exc}")
                stop.wait(1)


def _is_s3_test_event(record: dict) -> bool:
    """S3's s3:TestEvent, which it sends to a queue when a notification to it is set up."""
    body = record.get("body") or ""
    return '"s3:TestEvent"' in body and '"Records"' not in body
