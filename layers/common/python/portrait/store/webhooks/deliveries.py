"""Delivery records: one per (endpoint, event), created once however often the event
comes; the attempts made; the next attempt's time (a sparse index the sweep reads).

An attempt is claimed before it is made (a conditional write on the attempt count), so a
duplicated or stale queue message never sends an attempt twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from portrait.store.models import bound, condition_failed
from portrait.store.webhooks.models import DeliveryItem, delivery_sk, endpoint_pk

DUE = "due"
PENDING, SUCCEEDED, FAILED, PARKED = "pending", "succeeded", "failed", "parked"
KEPT_ATTEMPTS = 20  # the log keeps the last ones (a redelivered delivery can have many)


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    endpoint_id: str
    user_id: str
    event_id: str
    event_type: str
    body: str
    status: str
    created_at: str
    expires_at: int
    attempt_count: int = 0
    attempts: tuple[dict[str, Any], ...] = ()
    next_attempt_at: int | None = None
    sent_for: int | None = None
    once: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def from_item(item: DeliveryItem) -> Delivery:
    return Delivery(
        delivery_id=item.delivery_id, endpoint_id=item.endpoint_id, user_id=item.user_id,
        event_id=item.event_id, event_type=item.event_type, body=item.body, status=item.status,
        created_at=item.created_at, expires_at=int(item.expires_at),
        attempt_count=int(item.attempt_count or 0), attempts=tuple(item.attempts or ()),
        next_attempt_at=int(item.next_attempt_at) if item.next_attempt_at is not None else None,
        sent_for=int(item.sent_for) if item.sent_for is not None else None,
        once=bool(item.once))


def create_delivery(delivery: Delivery) -> bool:
    """Stored unless it exists (the same event for the same endpoint): True if created."""
    model = bound(DeliveryItem)
    item = model(endpoint_pk(delivery.endpoint_id), delivery_sk(delivery.delivery_id),
                 delivery_id=delivery.delivery_id, endpoint_id=delivery.endpoint_id,
                 user_id=delivery.user_id, event_id=delivery.event_id,
                 event_type=delivery.event_type, body=delivery.body, status=PENDING,
                 attempt_count=0, attempts=[], next_attempt_at=delivery.next_attempt_at,
                 due=DUE, sent_for=delivery.sent_for, created_at=delivery.created_at,
                 expires_at=delivery.expires_at)
    try:
        item.save(condition=model.pk.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def get_delivery(endpoint_id: str, delivery_id: str) -> Delivery | None:
    try:
        item = bound(DeliveryItem).get(endpoint_pk(endpoint_id), delivery_sk(delivery_id),
                                       consistent_read=True)
    except DoesNotExist:
        return None
    return from_item(item)


def list_deliveries(endpoint_id: str, *, limit: int, after: str | None = None
                    ) -> tuple[list[Delivery], str | None]:
    """Newest first (delivery ids order by the event's time)."""
    model = bound(DeliveryItem)
    start = ({"pk": {"S": endpoint_pk(endpoint_id)}, "sk": {"S": delivery_sk(after)}}
             if after else None)
    results = model.query(endpoint_pk(endpoint_id), model.sk.startswith("delivery#"),
                          limit=limit, last_evaluated_key=start, scan_index_forward=False)
    items = [from_item(item) for item in results]
    more = results.last_evaluated_key is not None and len(items) == limit
    return items, (items[-1].delivery_id if more and items else None)


def claim(endpoint_id: str, delivery_id: str, *, attempt: int, now: int,
          hold_seconds: int) -> Delivery | None:
    """The delivery, claimed for its attempt number `attempt`, or None when that attempt
    is not (or no longer) the one to make: made already, or being made by another."""
    model = bound(DeliveryItem)
    item = model(endpoint_pk(endpoint_id), delivery_sk(delivery_id))
    try:
        item.update(actions=[model.claimed_until.set(now + hold_seconds)],
                    condition=(model.status == PENDING) & (model.attempt_count == attempt)
                    & (model.claimed_until.does_not_exist() | (model.claimed_until < now)))
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return from_item(item)


def unclaim(endpoint_id: str, delivery_id: str, *, attempt: int) -> None:
    model = bound(DeliveryItem)
    try:
        model(endpoint_pk(endpoint_id), delivery_sk(delivery_id)).update(
            actions=[model.claimed_until.remove()], condition=model.attempt_count == attempt)
    except UpdateError as exc:
        if not condition_failed(exc):
            raise


def record_attempt(delivery: Delivery, attempt: dict[str, Any], *, status: str,
                   next_attempt_at: int | None, sent_for: int | None) -> bool:
    """The attempt appended and the claim let go; `next_attempt_at` None ends the schedule.
    Conditioned on the attempt count the claim saw: False if someone else moved it."""
    model = bound(DeliveryItem)
    count = delivery.attempt_count
    attempts = [*delivery.attempts, attempt][-KEPT_ATTEMPTS:]
    actions = [model.attempts.set(attempts), model.attempt_count.set(count + 1),
               model.status.set(status), model.claimed_until.remove()]
    if next_attempt_at is None:
        actions += [model.next_attempt_at.remove(), model.due.remove(), model.once.remove()]
    else:
        actions += [model.next_attempt_at.set(next_attempt_at), model.due.set(DUE)]
    actions.append(model.sent_for.remove() if sent_for is None else model.sent_for.set(sent_for))
    try:
        model(endpoint_pk(delivery.endpoint_id), delivery_sk(delivery.delivery_id)).update(
            actions=actions, condition=model.attempt_count == count)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def end_without_attempt(delivery: Delivery, *, status: str, reason: str, at: str) -> None:
    """No attempt made (the endpoint was disabled): the delivery ends, saying why."""
    record_attempt(delivery, {"at": at, "status_code": None, "latency_ms": None,
                              "error": reason, "response": None, "skipped": True},
                   status=status, next_attempt_at=None, sent_for=None)


def redeliver_now(endpoint_id: str, delivery_id: str, *, now: int) -> Delivery | None:
    """A delivery that ended (succeeded, failed or parked) gets one more attempt now."""
    model = bound(DeliveryItem)
    item = model(endpoint_pk(endpoint_id), delivery_sk(delivery_id))
    try:
        item.update(actions=[model.status.set(PENDING), model.once.set(True),
                             model.next_attempt_at.set(now), model.due.set(DUE),
                             model.sent_for.set(model.attempt_count)],
                    condition=model.pk.exists() & (model.status != PENDING))
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return from_item(item)


@dataclass(frozen=True)
class DueDelivery:
    endpoint_id: str
    delivery_id: str
    user_id: str
    attempt_count: int
    sent_for: int | None
    next_attempt_at: int


def due_deliveries(*, until: int) -> Iterator[DueDelivery]:
    """Every delivery whose next attempt is due by `until`, soonest first."""
    model = bound(DeliveryItem)
    for item in model.due_index.query(DUE, model.next_attempt_at <= until):
        yield DueDelivery(
            endpoint_id=item.pk.removeprefix("endpoint#"),
            delivery_id=item.sk.removeprefix("delivery#"), user_id=item.user_id,
            attempt_count=int(item.attempt_count),
            sent_for=int(item.sent_for) if item.sent_for is not None else None,
            next_attempt_at=int(item.next_attempt_at))


def mark_sent(endpoint_id: str, delivery_id: str, *, attempt: int, now: int | None) -> None:
    """A message for attempt number `attempt` is on its way (the sweep sent it); `now`
    moves a lost attempt's time, so the next sweeps do not resend it at once."""
    model = bound(DeliveryItem)
    actions = [model.sent_for.set(attempt)]
    if now is not None:
        actions.append(model.next_attempt_at.set(now))
    try:
        model(endpoint_pk(endpoint_id), delivery_sk(delivery_id)).update(
            actions=actions, condition=(model.attempt_count == attempt) & (model.status == PENDING))
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
