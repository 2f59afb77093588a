"""A meter on the local stack, for bench/measure_flows.py: every AWS call the functions
make, with what AWS would bill for it, and every Lambda invocation with its duration.

A helper of measure_flows.py, not a benchmark. It runs inside the process that runs the
local stack (portrait_local.stack.LocalStack started in-process) and hooks in at two
places, without changing the stack's code:

- the local AWS endpoint's WSGI chain (the one `portrait dev` builds in moto_server.py):
  a layer in front of the IAM check sees each request and its signer. DynamoDB requests
  get `ReturnConsumedCapacity: INDEXES` added, so DynamoDB Local (Amazon's own engine)
  says what each read and write consumed, per table and per index (it applies
  DynamoDB's rules: 1 KB write and 4 KB read blocks, transactions doubled, index
  writes apart; an empty Query it reports as 0, which is counted as one block); S3 requests are
  counted by operation and key prefix, with the bytes in and out; SQS, EventBridge and
  Secrets Manager requests by operation (PutEvents by entries: EventBridge bills those).
- the runtime's REPORT line (FunctionPool._report) and Runtime.invoke: each invocation's
  billed duration as the worker measured it, and how many records its event carried.

Calls signed with the stack's own key (resource creation, queue and stream pollers, this
script's checks) are counted apart as "stack": in AWS the Lambda service's pollers make
them, and the capacity model derives those from the messages instead (SQS: one receive
and one delete per batch).
"""
from __future__ import annotations

import io
import json
import threading
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, unquote

from capacity import read_units

# Operations that take ReturnConsumedCapacity (DynamoDB API reference).
CAPACITY_OPERATIONS = {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
                       "BatchGetItem", "BatchWriteItem", "TransactGetItems",
                       "TransactWriteItems"}
STACK = "stack"  # calls signed with the stack's own key
CLIENT = "client"  # presigned requests and POST forms: a browser's, not a function's


@dataclass
class Tally:
    """What one window of time cost (see Meter.window)."""

    calls: dict = field(default_factory=lambda: defaultdict(int))  # (caller, service, op) -> n
    # (table, index, kind, operation) -> units; index "" is the table itself
    dynamodb: dict = field(default_factory=lambda: defaultdict(float))
    s3: dict = field(default_factory=lambda: defaultdict(int))  # (caller, prefix, op, what) -> n
    invocations: list = field(default_factory=list)  # (function, duration_ms, records, startup)
    events_entries: int = 0


class Meter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tally = Tally()
        self._records: dict[str, int] = {}  # request id -> records in its event
        self._durations: dict[str, tuple[str, float, str | None]] = {}
        self.last_activity = 0.0  # monotonic time of the last function call or invocation
        # Functions whose calls belong to no flow (the scheduled sweeps): counted as the
        # stack's, so a sweep firing during a flow does not add to it.
        self.background: set[str] = set()

    def window(self) -> Tally:
        """What was counted since the previous window (or the start); counting goes on."""
        with self._lock:
            tally, self._tally = self._tally, Tally()
            for request_id, (function_id, duration, startup) in self._durations.items():
                tally.invocations.append((function_id, duration,
                                          self._records.pop(request_id, 0), startup))
            self._durations.clear()
        return tally

    # -------------------------------------------------------------- recording
    def call(self, caller: str, service: str, operation: str, n: int = 1) -> None:
        import time

        with self._lock:
            self._tally.calls[(caller, service, operation)] += n
            if caller != STACK:
                self.last_activity = time.monotonic()

    def consumed(self, caller: str, capacity: dict, operation: str) -> None:
        """One ConsumedCapacity entry (INDEXES): the table's units and each index's."""
        table = capacity.get("TableName", "?")
        kind = "read" if operation in ("GetItem", "Query", "Scan", "BatchGetItem",
                                       "TransactGetItems") else "write"
        with self._lock:
            if caller == STACK:
                return
            units = (capacity.get("Table") or {}).get("CapacityUnits")
            if units is None:  # no per-table break-down: the total is the table's
                units = capacity.get("CapacityUnits", 0.0)
            self._tally.dynamodb[(table, "", kind, operation)] += units
            for group in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
                for index, entry in (capacity.get(group) or {}).items():
                    self._tally.dynamodb[(table, index, kind, operation)] += entry.get(
                        "CapacityUnits", 0.0)

    def s3(self, caller: str, prefix: str, operation: str, bytes_in: int, bytes_out: int) -> None:
        with self._lock:
            self._tally.s3[(caller, prefix, operation, "requests")] += 1
            self._tally.s3[(caller, prefix, operation, "bytes_in")] += bytes_in
            self._tally.s3[(caller, prefix, operation, "bytes_out")] += bytes_out

    def entries(self, n: int) -> None:
        with self._lock:
            self._tally.events_entries += n

    def invoked(self, request_id: str, records: int) -> None:
        import time

        with self._lock:
            self._records[request_id] = records
            self.last_activity = time.monotonic()

    def reported(self, request_id: str, function_id: str, duration_ms: float,
                 startup: str | None) -> None:
        with self._lock:
            self._durations[request_id] = (function_id, duration_ms, startup)


# ------------------------------------------------------------------ the endpoint's layer
class MeteringMiddleware:
    def __init__(self, app: Callable, meter: Meter) -> None:
        self.app, self.meter = app, meter

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        from portrait_local.iam.actions import signer
        from portrait_local.iam.principals import function_of

        length = int(environ.get("CONTENT_LENGTH") or 0)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        form_post = (environ.get("REQUEST_METHOD") == "POST" and not environ.get("QUERY_STRING")
                     and environ.get("CONTENT_TYPE", "").startswith("multipart/form-data"))
        who = signer(environ)
        presigned = "X-Amz-Signature" in environ.get("QUERY_STRING", "")
        if form_post or presigned:
            caller = CLIENT
        elif who is None:
            return self.app(environ, start_response)  # a CORS preflight: not billed
        else:
            caller = function_of(who.access_key) or STACK
            if caller in self.meter.background:
                caller = STACK
        if target.startswith("DynamoDB_") and not target.startswith("DynamoDBStreams"):
            return self._dynamodb(environ, start_response, caller, target.rsplit(".", 1)[-1],
                                  length)
        if target.startswith("DynamoDBStreams"):
            self.meter.call(caller, "dynamodbstreams", target.rsplit(".", 1)[-1])
            return self.app(environ, start_response)
        if form_post or (who is not None and who.service == "s3") or presigned:
            return self._s3(environ, start_response, caller, length)
        service = who.service if who else "?"
        body = environ["wsgi.input"].read(length)
        environ = {**environ, "wsgi.input": io.BytesIO(body)}
        operation = target.rsplit(".", 1)[-1] if target else (
            parse_qs(body.decode("utf-8", "replace")).get("Action", ["?"])[0])
        self.meter.call(caller, service, operation)
        if operation == "PutEvents" and caller != STACK:
            self.meter.entries(len(json.loads(body or b"{}").get("Entries") or []))
        return self.app(environ, start_response)

    # -------------------------------------------------------------- DynamoDB
    def _dynamodb(self, environ: dict, start_response: Callable, caller: str, operation: str,
                  length: int) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(length)
        self.meter.call(caller, "dynamodb", operation)
        if operation not in CAPACITY_OPERATIONS or caller == STACK:
            return self.app({**environ, "wsgi.input": io.BytesIO(body)}, start_response)
        request = json.loads(body or b"{}")
        # PynamoDB asks for TOTAL on its own; INDEXES adds the per-table and per-index split
        asked = request.get("ReturnConsumedCapacity", "NONE")
        request["ReturnConsumedCapacity"] = "INDEXES"
        body = json.dumps(request).encode()
        answer: list = []

        def hold(status: str, headers: list, exc_info=None) -> Callable:
            answer[:] = [status, headers]
            return lambda data: None

        content = b"".join(self.app({**environ, "wsgi.input": io.BytesIO(body),
                                     "CONTENT_LENGTH": str(len(body))}, hold))
        status, headers = answer
        if status.startswith("200"):
            reply = json.loads(content or b"{}")
            consumed = reply.get("ConsumedCapacity")
            entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
            for entry in entries:
                if operation in ("Query", "Scan") and not entry.get("CapacityUnits"):
                    # an empty result still reads one 4 KB block (DynamoDB Local says 0)
                    entry = {**entry, "CapacityUnits": read_units(0, bool(
                        request.get("ConsistentRead"))), "Table": None}
                self.meter.consumed(caller, entry, operation)
            if asked != "INDEXES":  # answer what the caller asked for, no more
                if asked == "TOTAL":
                    for entry in entries:
                        for detail in ("Table", "GlobalSecondaryIndexes",
                                       "LocalSecondaryIndexes"):
                            entry.pop(detail, None)
                else:
                    reply.pop("ConsumedCapacity", None)
                content = json.dumps(reply).encode()
                headers = [(k, v) for k, v in headers if k.lower() not in
                           ("content-length", "x-amz-crc32")]
                headers += [("Content-Length", str(len(content))),
                            ("x-amz-crc32", str(zlib.crc32(content) & 0xFFFFFFFF))]
        start_response(status, headers)
        return [content]

    # -------------------------------------------------------------- S3
    def _s3(self, environ: dict, start_response: Callable, caller: str,
            length: int) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        parts = unquote(environ.get("PATH_INFO", "/")).lstrip("/").split("/", 1)
        key = parts[1] if len(parts) > 1 else ""
        operation = s3_operation(method, key, query, environ)
        if operation == "PostObject":  # the key is a form field: read the form for it
            body = environ["wsgi.input"].read(length)
            environ = {**environ, "wsgi.input": io.BytesIO(body)}
            key = _form_key(environ, body)
        prefix = key_prefix(key) if key else "(bucket)"
        sent = [0]

        def count(chunks: Iterable[bytes]) -> Iterable[bytes]:
            try:
                for chunk in chunks:
                    sent[0] += len(chunk)
                    yield chunk
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
                out = sent[0] if operation in ("GetObject", "ListObjectsV2") else 0
                self.meter.s3(caller, prefix, operation, length, out)
                self.meter.call(caller, "s3", operation)

        return count(self.app(environ, start_response))


def s3_operation(method: str, key: str, query: dict, environ: dict) -> str:
    sub = sorted(set(query) - {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                               "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature",
                               "X-Amz-Security-Token", "x-id", "response-content-disposition",
                               "response-content-type", "list-type", "prefix",
                               "continuation-token", "max-keys", "start-after", "delimiter",
                               "encoding-type", "fetch-owner"})
    if sub:
        return f"{method}?{'&'.join(sub)}"  # a sub-resource (tagging, delete, uploads...)
    if method == "POST":
        return "PostObject"
    if not key:
        return "ListObjectsV2" if method == "GET" else f"{method}Bucket"
    if method == "PUT":
        return "CopyObject" if environ.get("HTTP_X_AMZ_COPY_SOURCE") else "PutObject"
    return {"GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(method, method)


def key_prefix(key: str) -> str:
    """The part of a key the bucket's layout names (docs/ARCHITECTURE.md, storage keys):
    tmp/, renders/ and generations/ keep their second level, the rest their first."""
    parts = key.split("/")
    if parts[0] in ("tmp", "renders") and len(parts) > 1:
        return f"{parts[0]}/{parts[1]}/"
    return f"{parts[0]}/"


def _form_key(environ: dict, body: bytes) -> str:
    from werkzeug.formparser import parse_form_data

    _, form, _ = parse_form_data({**environ, "wsgi.input": io.BytesIO(body)})
    return form.get("key") or form.get("Key") or ""


# ------------------------------------------------------------------ installing it
def install(meter: Meter) -> None:
    """Hook the meter into the stack's modules; call before LocalStack.start()."""
    from portrait_local import moto_server, runtime

    iam_middleware = moto_server.IamMiddleware

    def metered(app: Callable, authorizer: Any) -> MeteringMiddleware:
        return MeteringMiddleware(iam_middleware(app, authorizer), meter)

    moto_server.IamMiddleware = metered

    report = runtime.FunctionPool._report

    def reported(pool, request_id: str, duration_ms: float, startup) -> None:
        meter.reported(request_id, pool.spec.logical_id, duration_ms,
                       startup[0] if startup else None)
        report(pool, request_id, duration_ms, startup)

    runtime.FunctionPool._report = reported

    invoke = runtime.Runtime.invoke

    def invoked(self, function_id: str, event: Any):
        invocation = invoke(self, function_id, event)
        records = len(event.get("Records") or []) if isinstance(event, dict) else 0
        meter.invoked(invocation.request_id, records)
        return invocation

    runtime.Runtime.invoke = invoked
