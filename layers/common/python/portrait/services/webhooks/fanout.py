"""A domain event -> one delivery per endpoint of its user that takes it
(WebhookFanoutFunction, fed by the bus rule on every `portrait` event).

Every catalogue event names its user (`user_id`), so the endpoints are one query of that
user's partition. A redelivered event finds its deliveries made and makes none again.
"""
from __future__ import annotations

from typing import Any

from portrait.observability import logger
from portrait.services.webhooks.records import start_delivery
from portrait.store.webhooks import endpoints as endpoint_store
from portrait.store.webhooks.endpoints import Endpoint

ALL = "*"


def takes(endpoint: Endpoint, event_type: str) -> bool:
    return endpoint.enabled and (ALL in endpoint.event_types or event_type in endpoint.event_types)


def fan_out(event_type: str, detail: dict[str, Any]) -> int:
    """Deliveries started for the event; 0 when nobody subscribed."""
    user_id, event_id = detail.get("user_id"), detail.get("event_id")
    if not user_id or not event_id or detail.get("type", event_type) != event_type:
        logger.warning("an event without user_id, event_id or a matching type: not delivered",
                       extra={"detail_type": event_type})
        return 0
    endpoints, after = [], None
    while True:
        page, after = endpoint_store.list_endpoints(user_id, limit=100, after=after)
        endpoints += page
        if after is None:
            break
    started = 0
    for endpoint in endpoints:
        if takes(endpoint, event_type):
            start_delivery(endpoint.endpoint_id, user_id, detail)
            started += 1
    return started
