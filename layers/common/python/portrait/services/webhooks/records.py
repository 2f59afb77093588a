"""What a delivery is made of: its id, its record, and its first message."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from ulid import ULID

from portrait import clock
from portrait.config import get_settings
from portrait.store.webhooks import deliveries as delivery_store
from portrait.store.webhooks import queue
from portrait.store.webhooks.deliveries import Delivery


def delivery_id_for(endpoint_id: str, event_id: str, occurred_at: str) -> str:
    """A ULID made of the event's time and a hash of (endpoint, event): the same event for
    the same endpoint always has the same delivery id (a redelivered event finds its
    delivery), and an endpoint's deliveries list in the order their events happened."""
    try:
        millis = int(clock.epoch_of(occurred_at) * 1000)
    except ValueError:
        millis = clock.now() * 1000
    digest = hashlib.sha256(f"{endpoint_id}/{event_id}".encode()).digest()
    return str(ULID.from_bytes(millis.to_bytes(6, "big") + digest[:10]))


def body_of(detail: dict[str, Any]) -> str:
    """The event's JSON as every attempt sends it (and signs it)."""
    return json.dumps(detail, separators=(",", ":"), ensure_ascii=False)


def start_delivery(endpoint_id: str, user_id: str, detail: dict[str, Any]) -> Delivery:
    """The delivery of `detail` to one endpoint, created once, and its first attempt queued
    (again if an earlier try created it and died before queueing: the claim keeps that
    from sending twice)."""
    now, now_iso = clock.now_and_iso()
    ttl = get_settings().webhook_delivery_ttl_days * 86400
    delivery = Delivery(
        delivery_id=delivery_id_for(endpoint_id, detail["event_id"], str(detail.get("occurred_at"))),
        endpoint_id=endpoint_id, user_id=user_id, event_id=detail["event_id"],
        event_type=detail["type"], body=body_of(detail), status=delivery_store.PENDING,
        created_at=now_iso, expires_at=now + ttl, next_attempt_at=now, sent_for=0)
    if not delivery_store.create_delivery(delivery):
        existing = delivery_store.get_delivery(endpoint_id, delivery.delivery_id)
        if existing is None or existing.status != delivery_store.PENDING or existing.attempt_count:
            return existing or delivery
        delivery = existing
    queue.send_attempt(endpoint_id, delivery.delivery_id, attempt=0, user_id=user_id)
    return delivery
