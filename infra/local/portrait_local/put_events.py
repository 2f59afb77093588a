"""PutEvents on the local endpoint: answered as EventBridge answers it, delivered by
event_delivery.

moto's server would answer it too, but its delivery ignores Input and InputPath,
fails on most InputTransformer templates, leaves `account` out of the event, hands
events to schedule rules and disabled rules, and answers 500 as soon as a matching
rule targets a function. So PutEvents for the stack's region is taken here, before
moto sees it; every other request (rules, targets, buses) is moto's.
"""
from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from portrait_local.event_delivery import EventDelivery

PUT_EVENTS = "AWSEvents.PutEvents"
MAX_ENTRIES = 10
MAX_REQUEST_BYTES = 256 * 1024  # the total size of a request's entries, as EventBridge counts it
_REGION = re.compile(r"Credential=[^/,]+/\d{8}/([^/]+)/")


def bus_name(name_or_arn: str | None) -> str:
    """EventBusName is a name or an ARN (…:event-bus/<name>); none is the default bus."""
    if not name_or_arn:
        return "default"
    return name_or_arn.split(":event-bus/", 1)[1] if ":event-bus/" in name_or_arn else name_or_arn


def entries_size(entries: list[dict]) -> int:
    """EventBridge's size of the entries: Time counts 14 bytes, the text fields their UTF-8."""
    size = 0
    for entry in entries:
        size += 14 if entry.get("Time") is not None else 0
        size += sum(len(str(entry.get(k) or "").encode()) for k in ("Source", "DetailType",
                                                                     "Detail"))
        size += sum(len(str(r).encode()) for r in entry.get("Resources") or [])
    return size


def entry_error(entry: dict) -> dict | None:
    """The result entry EventBridge gives an entry it refuses, or None."""
    for field in ("Source", "DetailType", "Detail"):
        if not entry.get(field):
            return {"ErrorCode": "InvalidArgument",
                    "ErrorMessage": f"Parameter {field} is not valid. "
                                    f"Reason: {field} is a required argument."}
    try:
        detail = json.loads(entry["Detail"])
    except ValueError:
        detail = None
    if not isinstance(detail, dict):
        return {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    return None


def as_event(entry: dict, account_id: str, region: str, now: float) -> dict:
    """The event EventBridge makes of an accepted entry."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": account_id,
        "time": _moment(entry.get("Time"), now).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": list(entry.get("Resources") or []),
        "detail": json.loads(entry["Detail"]),
    }


def _moment(value: Any, now: float) -> datetime:
    """An entry's Time: epoch seconds (what the SDKs send), an ISO 8601 text, or absent."""
    if value is None:
        return datetime.fromtimestamp(now, timezone.utc)
    try:
        return datetime.fromtimestamp(float(value), timezone.utc)
    except ValueError:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(timezone.utc)


class PutEventsMiddleware:
    """Wraps moto's WSGI app; only PutEvents requests signed for the stack's region are taken."""

    def __init__(self, app: Callable, delivery: EventDelivery,
                 clock: Callable[[], float] = time.time) -> None:
        self.app, self.delivery, self.clock = app, delivery, clock

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        region = _REGION.search(environ.get("HTTP_AUTHORIZATION", ""))
        if (environ.get("HTTP_X_AMZ_TARGET") != PUT_EVENTS or region is None
                or region.group(1) != self.delivery.region):
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            entries = json.loads(body or b"{}").get("Entries") or []
        except (ValueError, AttributeError):
            return _reply(start_response, 400, {"__type": "SerializationException",
                                                "message": "The request is not valid JSON."})
        if not 1 <= len(entries) <= MAX_ENTRIES:
            return _reply(start_response, 400, {
                "__type": "ValidationException",
                "message": "1 validation error detected: Value at 'entries' failed to satisfy "
                           f"constraint: Member must have length between 1 and {MAX_ENTRIES}"})
        if entries_size(entries) > MAX_REQUEST_BYTES:
            return _reply(start_response, 400, {
                "__type": "ValidationException",
                "message": "Total size of the entries in the request is over the limit."})
        results = [self._accept(entry) for entry in entries]
        return _reply(start_response, 200, {
            "FailedEntryCount": sum("ErrorCode" in r for r in results), "Entries": results})

    def _accept(self, entry: dict) -> dict:
        refused = entry_error(entry)
        if refused:
            return refused
        event = as_event(entry, self.delivery.account_id, self.delivery.region, self.clock())
        self.delivery.publish(bus_name(entry.get("EventBusName")), event)
        return {"EventId": event["id"]}


def _reply(start_response: Callable, status: int, document: Any) -> list[bytes]:
    body = json.dumps(document).encode()
    start_response(f"{status} {'OK' if status == 200 else 'Bad Request'}",
                   [("Content-Type", "application/x-amz-json-1.1"),
                    ("Content-Length", str(len(body))),
                    ("x-amzn-RequestId", str(uuid.uuid4()))])
    return [body]
