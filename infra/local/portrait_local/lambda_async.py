"""Lambda's asynchronous invocation, the way EventBridge invokes a function.

A failed invocation (an error, a timeout, a crash) is retried twice, or as often as
the function's EventInvokeConfig says (SAM property or AWS::Lambda::EventInvokeConfig),
then its event goes to the function's dead-letter queue (SAM DeadLetterQueue, Lambda
DeadLetterConfig) and an on-failure record to its OnFailure destination, when they are
queues; a success sends a record to an OnSuccess queue. Lambda waits about a minute
before the first retry and two before the second; here the waits are RETRY_DELAYS
seconds, so whoever watches the console sees the outcome while watching.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from portrait_local.queue_sender import QueueNotFound, QueueSender
from portrait_local.runtime import Invocation, print_invocation
from portrait_local.template import Template

RETRY_DELAYS = (1.0, 2.0)
DEFAULT_RETRIES = 2


@dataclass(frozen=True)
class AsyncConfig:
    function_arn: str
    retries: int = DEFAULT_RETRIES
    dead_letter_queue: str | None = None  # an ARN (a queue, or a topic: not emulated)
    on_failure: str | None = None
    on_success: str | None = None


def async_configs(template: Template) -> dict[str, AsyncConfig]:
    """Each function's asynchronous-invocation settings. Resolve after create_resources."""
    configs = {}
    for fid, spec in template.functions().items():
        props = spec.properties
        dead_letter = template.resolve(props.get("DeadLetterQueue") or
                                       props.get("DeadLetterConfig") or {})
        configs[fid] = _with_invoke_config(
            AsyncConfig(function_arn=template.get_att(fid, "Arn"),
                        dead_letter_queue=dead_letter.get("TargetArn")),
            template.resolve(props.get("EventInvokeConfig") or {}))
    by_name = {template.physical_name(fid): fid for fid in configs}
    by_name.update({config.function_arn: fid for fid, config in configs.items()})
    for lid in template.resources_of_type("AWS::Lambda::EventInvokeConfig"):
        props = template.resolve(template.resources[lid].get("Properties") or {})
        fid = by_name.get(props.get("FunctionName"))
        if fid is not None:
            configs[fid] = _with_invoke_config(configs[fid], props)
    return configs


def _with_invoke_config(config: AsyncConfig, props: dict) -> AsyncConfig:
    destinations = props.get("DestinationConfig") or {}
    return AsyncConfig(
        function_arn=config.function_arn, dead_letter_queue=config.dead_letter_queue,
        retries=int(props.get("MaximumRetryAttempts", config.retries)),
        on_failure=(destinations.get("OnFailure") or {}).get("Destination", config.on_failure),
        on_success=(destinations.get("OnSuccess") or {}).get("Destination", config.on_success))


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def destination_record(config: AsyncConfig, event: Any, invocation: Invocation,
                       attempts: int) -> dict:
    """What Lambda sends an OnSuccess or OnFailure destination."""
    response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if not invocation.ok:
        response["functionError"] = "Unhandled"
    return {
        "version": "1.0",
        "timestamp": _now_iso(),
        "requestContext": {"requestId": invocation.request_id,
                           "functionArn": f"{config.function_arn}:$LATEST",
                           "condition": "Success" if invocation.ok else "RetriesExhausted",
                           "approximateInvokeCount": attempts},
        "requestPayload": event,
        "responseContext": response,
        "responsePayload": invocation.payload(),
    }


class AsyncInvoker:
    """Invokes with retries; `invoke` blocks until done (call it on a worker thread)."""

    def __init__(self, template: Template, invoke: Callable[[str, Any], Invocation],
                 queues: QueueSender, *, report: Callable[..., None] = print_invocation,
                 delays: tuple[float, ...] = RETRY_DELAYS,
                 stop: threading.Event | None = None) -> None:
        self.configs = async_configs(template)
        self._invoke, self.queues, self.report, self.delays = invoke, queues, report, delays
        self._stop = stop or threading.Event()

    def invoke(self, function_id: str, event: Any, source: str) -> Invocation | None:
        """The last invocation's outcome, or None if the stack stopped before it ran."""
        config = self.configs[function_id]
        for attempt in range(config.retries + 1):
            if attempt and self._stop.wait(self.delays[min(attempt, len(self.delays)) - 1]):
                return None
            invocation = self._invoke(function_id, event)
            if invocation.ok:
                note = self._send(config.on_success, destination_record(
                    config, event, invocation, attempt + 1))
                self.report(function_id, source, invocation.duration_ms, "ok" + note)
                return invocation
            outcome = (f"error {invocation.error.get('errorType')}: "
                       f"{invocation.error.get('errorMessage')}")
            if attempt < config.retries:
                self.report(function_id, source, invocation.duration_ms,
                            f"{outcome} (retry {attempt + 1} of {config.retries} follows)")
        note = self._give_up(config, event, invocation, config.retries + 1)
        self.report(function_id, source, invocation.duration_ms, f"{outcome}, gave up{note}")
        return invocation

    def _give_up(self, config: AsyncConfig, event: Any, invocation: Invocation,
                 attempts: int) -> str:
        error = invocation.error or {}
        note = self._send(config.dead_letter_queue, event, attributes={
            "RequestID": invocation.request_id, "ErrorCode": 200,
            "ErrorMessage": str(error.get("errorMessage", ""))[:1024]})
        note += self._send(config.on_failure,
                           destination_record(config, event, invocation, attempts))
        return note or " (no dead-letter queue or on-failure destination)"

    def _send(self, arn: str | None, body: Any, **kwargs: Any) -> str:
        """Send to a queue; returns what to add to the console line."""
        if not arn:
            return ""
        if ":sqs:" not in arn:
            return f"; {arn} is not emulated (queues are)"
        name = arn.rsplit(":", 1)[-1]
        try:
            self.queues.send(arn, json.dumps(body), **kwargs)
        except QueueNotFound:
            return f"; no queue {name}"
        except Exception as exc:  # noqa: BLE001 - the console says why; the stack goes on
            return f"; sending to {name} failed: {exc}"
        return f"; sent to {name}"
