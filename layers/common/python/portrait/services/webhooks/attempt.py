"""One attempt of one delivery (WebhookDeliveryFunction): claim it, take one of the
endpoint's leases, sign, POST, record, and plan what comes next.

Per-endpoint concurrency: an attempt holds one of WEBHOOK_ENDPOINT_CONCURRENCY leases on
its endpoint's record (a conditional write per slot, each running out by itself so a
crashed attempt frees its slot). When all are held the message goes back on the queue
with a few seconds' delay and this invocation moves on: a slow receiver keeps at most that
many attempts busy (each at most 10 s), never the queue or anyone else's deliveries. Leases
were chosen over SQS FIFO message groups per endpoint, because FIFO queues take no
per-message delay (the retry schedule needs one) and would make a group's head block the
rest of it.

What comes next: a 2xx ends the delivery (succeeded). 410 Gone disables the endpoint.
Otherwise the next wait is drawn (schedule.py); a wait within SQS's 15 minutes is sent now
as a delayed message, a longer one is left to the sweep (sweep.py) through the record's
`next_attempt_at`. Past the schedule the delivery is parked and the endpoint marked
failing; an endpoint whose attempts have all failed for WEBHOOK_DISABLE_AFTER_SECONDS
(5 days) is disabled, with the reason its owner sees.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from portrait import clock
from portrait.config import get_settings
from portrait import metric_catalogue as M
from portrait.observability import count_by, emit, logger
from portrait.services.webhooks import signing, transport
from portrait.services.webhooks.schedule import next_wait
from portrait.store.webhooks import deliveries as store
from portrait.store.webhooks import endpoints as endpoint_store
from portrait.store.webhooks import queue
from portrait.store.webhooks.deliveries import Delivery
from portrait.store.webhooks.endpoints import Endpoint

BUSY_RETRY_SECONDS = (2, 10)  # when every lease of the endpoint is held
GONE_REASON = "the receiver answered 410 Gone"


@dataclass(frozen=True)
class AttemptRequest:
    endpoint_id: str
    delivery_id: str
    user_id: str
    attempt: int  # the number of attempts made before this one


def attempt_delivery(request: AttemptRequest) -> str:
    """What happened: succeeded, retrying, parked, failed, busy or stale (nothing to do)."""
    settings = get_settings()
    now = clock.now()
    hold = int(settings.webhook_timeout_seconds) + 30
    delivery = store.claim(request.endpoint_id, request.delivery_id, attempt=request.attempt,
                           now=now, hold_seconds=hold)
    if delivery is None:
        return "stale"  # made already, or being made: a duplicate or late message
    endpoint = endpoint_store.get_endpoint(request.user_id, request.endpoint_id)
    if endpoint is None or not endpoint.enabled:
        reason = ("the endpoint was deleted" if endpoint is None
                  else f"the endpoint is disabled: {endpoint.disabled_reason or 'by its owner'}")
        store.end_without_attempt(delivery, status=store.FAILED, reason=reason,
                                  at=clock.now_iso())
        return "failed"
    slot = endpoint_store.acquire_lease(request.user_id, request.endpoint_id,
                                        slots=settings.webhook_endpoint_concurrency, now=now,
                                        hold_seconds=hold)
    if slot is None:
        store.unclaim(request.endpoint_id, request.delivery_id, attempt=request.attempt)
        low, high = BUSY_RETRY_SECONDS
        queue.send_attempt(request.endpoint_id, request.delivery_id, attempt=request.attempt,
                           user_id=request.user_id, delay_seconds=low + secrets.randbelow(high - low + 1))
        return "busy"
    try:
        started_at = clock.now_iso()
        outcome = _send(endpoint, delivery)
    finally:
        endpoint_store.release_lease(request.user_id, request.endpoint_id, slot)
    return _record(endpoint, delivery, outcome, started_at)


def _send(endpoint: Endpoint, delivery: Delivery) -> transport.Outcome:
    settings = get_settings()
    now = clock.now()
    in_use = [signing.unseal(s["sealed"], endpoint.endpoint_id) for s in endpoint.secrets
              if s["retires_at"] is None or s["retires_at"] > now]
    body = delivery.body.encode()
    headers = signing.signed_headers(in_use, msg_id=delivery.event_id, body=body)
    return transport.post(endpoint.url, body=body, headers=headers,
                          timeout=settings.webhook_timeout_seconds,
                          allow_loopback=settings.webhook_allow_loopback)


def _record(endpoint: Endpoint, delivery: Delivery, outcome: transport.Outcome,
            at: str) -> str:
    settings = get_settings()
    now = clock.now()
    entry = {"at": at, "status_code": outcome.status_code, "latency_ms": outcome.latency_ms,
             "error": outcome.error, "response": outcome.response}
    made = delivery.attempt_count + 1
    user_id, endpoint_id = endpoint.user_id, endpoint.endpoint_id
    emit(M.WEBHOOK_ATTEMPT_LATENCY, outcome.latency_ms)
    if outcome.succeeded():
        store.record_attempt(delivery, entry, status=store.SUCCEEDED, next_attempt_at=None,
                             sent_for=None)
        endpoint_store.record_success(user_id, endpoint_id)
        count_by(M.WEBHOOK_ATTEMPTS, outcome="succeeded")
        return "succeeded"
    logger.info("webhook attempt failed", extra={
        "endpoint_id": endpoint_id, "delivery_id": delivery.delivery_id, "attempt": made,
        "status_code": outcome.status_code, "error": outcome.error})
    wait = None if delivery.once or outcome.status_code == 410 else next_wait(
        made, settings.webhook_retry_schedule)
    if wait is None:
        parked = not delivery.once and outcome.status_code != 410
        status = store.PARKED if parked else store.FAILED
        store.record_attempt(delivery, entry, status=status, next_attempt_at=None, sent_for=None)
    else:
        due = now + int(round(wait))
        by_queue = wait <= queue.MAX_DELAY_SECONDS
        if store.record_attempt(delivery, entry, status=store.PENDING, next_attempt_at=due,
                                sent_for=made if by_queue else None) and by_queue:
            queue.send_attempt(endpoint_id, delivery.delivery_id, attempt=made,
                               user_id=user_id, delay_seconds=int(round(wait)))
        status = "retrying"
    _after_failure(endpoint, outcome, parked=status == store.PARKED, now=now)
    count_by(M.WEBHOOK_ATTEMPTS, outcome=status)
    return status


def _after_failure(endpoint: Endpoint, outcome: transport.Outcome, *, parked: bool,
                   now: int) -> None:
    settings = get_settings()
    user_id, endpoint_id = endpoint.user_id, endpoint.endpoint_id
    if outcome.status_code == 410:
        endpoint_store.disable(user_id, endpoint_id, reason=GONE_REASON, updated_at=clock.now_iso())
        count_by(M.WEBHOOK_ENDPOINTS_DISABLED, reason="gone")
        return
    if parked:
        endpoint_store.mark_failing(user_id, endpoint_id)
        emit(M.WEBHOOK_DELIVERIES_PARKED)
    state = endpoint_store.record_failure(user_id, endpoint_id, now=now)
    if (state and state.failing_since is not None
            and now - state.failing_since >= settings.webhook_disable_after_seconds):
        days = settings.webhook_disable_after_seconds / 86400
        endpoint_store.disable(
            user_id, endpoint_id, updated_at=clock.now_iso(),
            reason=f"every delivery failed for {days:g} days (since "
                   f"{clock.iso(state.failing_since)}); the last: {outcome.error}")
        count_by(M.WEBHOOK_ENDPOINTS_DISABLED, reason="failing")
