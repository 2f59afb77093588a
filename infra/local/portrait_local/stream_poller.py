"""Read a DynamoDB stream and invoke its function with Lambda's stream event.

Per shard, in order: a batch of up to BatchSize records (those matching no
filter are dropped, as Lambda drops them); an error retries the batch up to
MaximumRetryAttempts (-1: until the record expires, i.e. forever here), then
skips it; with ReportBatchItemFailures the shard checkpoints before the first
reported record and the retry starts there. A skipped batch is described to
the mapping's on-failure SQS queue (DestinationConfig.OnFailure) as Lambda
describes it: shard and sequence numbers, not the records themselves.

Each shard keeps its position (after the last record handled, or at the one
to retry), so the poller survives what a stream does over time: iterators
that expire, shards that close and new ones that open (found by describing
the stream again), and DynamoDB Local's TrimmedDataAccessException on a LATEST
iterator taken while its shard was empty (a known bug of the engine): the
shard is then read again from its position, or from its start.
"""
from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

from portrait_local.event_sources import EventSourceMapping
from portrait_local.filters import matches_any
from portrait_local.runtime import Invocation, print_invocation
from portrait_local.sqs_poller import failed_item_ids
from portrait_local.table_writes import TableWrites, table_name
from portrait_local.time_to_live import SERVICE_IDENTITY, TtlDeletes

IDLE_SECONDS = 0.5  # between reads without a write board, and between retries
REDISCOVER_SECONDS = 30  # how often to look for shards opened since the last look
# Errors after which a shard is read again from its recorded position.
_REPOSITION_ERRORS = {"TrimmedDataAccessException", "ExpiredIteratorException",
                      "ResourceNotFoundException"}


def _jsonable(value: Any) -> Any:
    """boto3 hands binary attribute values over as bytes; Lambda sends base64 text."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _attribute(value: dict) -> dict:
    """An attribute value as DynamoDB Streams sends it. DynamoDB Local's stream writes an
    empty map as `{}` (the table itself answers {"M": {}}); only a map can be empty so."""
    if not value:
        return {"M": {}}
    if "M" in value:
        return {"M": {k: _attribute(v) for k, v in value["M"].items()}}
    if "L" in value:
        return {"L": [_attribute(v) for v in value["L"]]}
    return value


def stream_record(record: dict, stream_arn: str, region: str) -> dict:
    """One record of the event Lambda sends for a DynamoDB stream batch."""
    data = dict(record["dynamodb"])
    for image in ("Keys", "NewImage", "OldImage"):
        if image in data:
            data[image] = {k: _attribute(v) for k, v in data[image].items()}
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        data["ApproximateCreationDateTime"] = int(created.timestamp())
    out = {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,  # moto writes us-east-1 whatever the region
        "dynamodb": _jsonable(data),
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in record:
        out["userIdentity"] = record["userIdentity"]
    return out


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def failure_record(mapping: EventSourceMapping, shard_id: str, records: list[dict],
                   invocations: int, function_error: str | None, request_id: str) -> dict:
    """What Lambda sends an on-failure destination for a stream batch it gave up on
    (`request_id`: the last invocation's, which finds its log lines)."""
    created = [r["dynamodb"].get("ApproximateCreationDateTime") or 0 for r in records]
    response = {"statusCode": 200, "executedVersion": "$LATEST"}
    if function_error:
        response["functionError"] = function_error
    return {
        "requestContext": {"requestId": request_id, "functionArn": mapping.function_arn,
                           "condition": "RetryAttemptsExhausted",
                           "approximateInvokeCount": invocations},
        "responseContext": response,
        "version": "1.0",
        "timestamp": _iso(datetime.now(timezone.utc).timestamp()),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _iso(created[0]),
            "approximateArrivalOfLastRecord": _iso(created[-1]),
            "batchSize": len(records),
            "streamArn": mapping.source_arn,
        },
    }


class StreamPoller:
    def __init__(self, mapping: EventSourceMapping, streams: Any, region: str,
                 invoke: Callable[[str, Any], Invocation],
                 report: Callable[..., None] = print_invocation, sqs: Any = None,
                 writes: TableWrites | None = None, ttl_deletes: TtlDeletes | None = None
                 ) -> None:
        self.mapping, self.streams, self.region = mapping, streams, region
        self.invoke, self.report, self.sqs = invoke, report, sqs
        # Told when the table is written (table_writes): then an idle poller reads at
        # once, not on the next beat, and an idle stack costs next to nothing.
        self.writes, self.table = writes, table_name(mapping.source_arn)
        # The deletes the local TTL made: their REMOVE records carry the service's identity.
        self.ttl_deletes = ttl_deletes
        # shard id -> iterator; taken now, so LATEST means "from when the poller started".
        self.iterators = {shard_id: self._iterator(shard_id, mapping.starting_position)
                          for shard_id in self._shard_ids()}
        self.seen = set(self.iterators)  # every shard ever read, closed ones included
        # shard id -> ("AFTER" | "AT", sequence number): where to read it again if need be.
        self.positions: dict[str, tuple[str, str]] = {}
        self.retries: dict[str, int] = {}
        self._discovered_at = time.monotonic()

    def _shard_ids(self) -> list[str]:
        description = self.streams.describe_stream(
            StreamArn=self.mapping.source_arn)["StreamDescription"]
        return [shard["ShardId"] for shard in description["Shards"]]

    def _iterator(self, shard_id: str, kind: str, sequence_number: str | None = None) -> str:
        extra = {"SequenceNumber": sequence_number} if sequence_number else {}
        return self.streams.get_shard_iterator(
            StreamArn=self.mapping.source_arn, ShardId=shard_id,
            ShardIteratorType=kind, **extra)["ShardIterator"]

    def _iterator_at(self, shard_id: str, sequence_number: str) -> str:
        self.positions[shard_id] = ("AT", sequence_number)
        return self._iterator(shard_id, "AT_SEQUENCE_NUMBER", sequence_number)

    def _reposition(self, shard_id: str) -> str:
        """A fresh iterator where this shard's reading stands (its start if nothing was read:
        at worst records come twice, which every consumer tolerates)."""
        kind, sequence_number = self.positions.get(shard_id, ("", ""))
        if sequence_number:
            return self._iterator(shard_id, f"{kind}_SEQUENCE_NUMBER", sequence_number)
        return self._iterator(shard_id, "TRIM_HORIZON")

    def _discover(self) -> None:
        """Start reading shards opened since the last look (from their start: every
        record in a new shard came after the poller started)."""
        self._discovered_at = time.monotonic()
        for shard_id in self._shard_ids():
            if shard_id not in self.seen:
                self.seen.add(shard_id)
                self.iterators[shard_id] = self._iterator(shard_id, "TRIM_HORIZON")

    def _get_records(self, shard_id: str, iterator: str) -> tuple[dict | None, str]:
        """The next batch and the iterator it was read with. An iterator the stream no
        longer honours is replaced and read again at once: DynamoDB Local trims the
        iterator an empty LATEST read handed back as soon as its table is written, so
        the read that write woke would otherwise find nothing, and the record would
        wait for the next write or the ceiling (table_writes), up to half a minute."""
        for _ in range(2):
            try:
                return self.streams.get_records(ShardIterator=iterator,
                                                Limit=self.mapping.batch_size), iterator
            except Exception as exc:  # noqa: BLE001 - botocore's ClientError, or a test double's
                code = getattr(exc, "response", {}).get("Error", {}).get("Code")
                if code not in _REPOSITION_ERRORS:
                    raise
                iterator = self.iterators[shard_id] = self._reposition(shard_id)
        return None, iterator

    def poll_once(self) -> int:
        """One batch from each shard; returns how many records were read."""
        if time.monotonic() - self._discovered_at > REDISCOVER_SECONDS:
            self._discover()
        total = 0
        for shard_id, iterator in list(self.iterators.items()):
            response, iterator = self._get_records(shard_id, iterator)
            if response is None:
                continue
            raw = response.get("Records", [])
            total += len(raw)
            next_iterator = response.get("NextShardIterator")
            if raw:
                self.positions[shard_id] = ("AFTER", raw[-1]["dynamodb"]["SequenceNumber"])
            if self.ttl_deletes is not None:
                for r in raw:
                    if self.ttl_deletes.made(self.table, r):
                        r["userIdentity"] = SERVICE_IDENTITY
            records = [stream_record(r, self.mapping.source_arn, self.region) for r in raw]
            records = [r for r in records if matches_any(self.mapping.filters, r)]
            if records:
                next_iterator = self._process(shard_id, iterator, next_iterator, records)
            if next_iterator is None:  # a closed shard, fully read: its children follow
                del self.iterators[shard_id]
                self._discover()
            else:
                self.iterators[shard_id] = next_iterator
        return total

    def _process(self, shard_id: str, iterator: str, next_iterator: str | None,
                 records: list[dict]) -> str | None:
        """Invoke on the batch; returns where the shard continues."""
        result = self.invoke(self.mapping.function_id, {"Records": records})
        source = f"dynamodb:{self.mapping.source_name} {len(records)} record" + (
            "s" if len(records) != 1 else "")
        retry_from = None
        if not result.ok:
            outcome = f"error {result.error.get('errorType')}: {result.error.get('errorMessage')}"
            retry_from = records[0]["dynamodb"]["SequenceNumber"]
        elif self.mapping.report_batch_item_failures:
            sequence_numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
            failed = failed_item_ids(result.result, sequence_numbers)
            if failed is None:
                outcome = "invalid batchItemFailures: batch retried"
                retry_from = sequence_numbers[0]
            elif failed:
                # Checkpoint before the earliest failure: the rest is retried from there.
                retry_from = min(failed, key=int)
                outcome = f"ok ({len(failed)} failed, retrying from {retry_from})"
            else:
                outcome = "ok"
        else:
            outcome = "ok"
        if retry_from is None:
            self.retries.pop(shard_id, None)
            self.report(self.mapping.function_id, source, result.duration_ms, outcome)
            return next_iterator
        attempts = self.retries.get(shard_id, 0) + 1
        limit = self.mapping.maximum_retry_attempts
        if limit != -1 and attempts > limit:
            self.retries.pop(shard_id, None)
            skipped = [r for r in records
                       if int(r["dynamodb"]["SequenceNumber"]) >= int(retry_from)]
            sent = self._send_failure(failure_record(
                self.mapping, shard_id, skipped, attempts, None if result.ok else "Unhandled",
                getattr(result, "request_id", None) or str(uuid.uuid4())))
            self.report(self.mapping.function_id, source, result.duration_ms,
                        f"{outcome}; retries exhausted, batch skipped{sent}")
            return next_iterator
        self.retries[shard_id] = attempts
        self.report(self.mapping.function_id, source, result.duration_ms,
                    f"{outcome} (retry {attempts})")
        return self._iterator_at(shard_id, retry_from)

    def _send_failure(self, record: dict) -> str:
        """Send the record to the on-failure destination; returns what to add to the report."""
        destination = self.mapping.on_failure
        if not destination:
            return ""
        if ":sqs:" not in destination or self.sqs is None:
            return f" (on-failure destination {destination} not emulated)"
        name = destination.rsplit(":", 1)[-1]
        try:
            url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
            self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))
        except Exception as exc:  # noqa: BLE001 - the poller goes on, as the service does
            return f" (sending to {name} failed: {exc})"
        return f", described to {name}"

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                seen = self.writes.count(self.table) if self.writes else 0
                read = self.poll_once()
                if self.retries or (read == 0 and self.writes is None):
                    stop.wait(IDLE_SECONDS)  # a retry waits its beat, as Lambda's does
                elif read == 0:
                    self.writes.wait(self.table, seen)
            except Exception as exc:  # noqa: BLE001 - keep polling, as the service does
                if stop.is_set():
                    return
                self.report(self.mapping.function_id, f"dynamodb:{self.mapping.source_name}", 0,
                            f"poller error: {exc}")
                stop.wait(1)
