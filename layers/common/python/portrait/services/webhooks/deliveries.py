"""The delivery log of an endpoint, and redelivery."""
from __future__ import annotations

from portrait import clock
from portrait.errors import Conflict, NotFound
from portrait.ids import ULID_PATTERN
from portrait.services.cursors import Page, after_cursor, after_id
from portrait.services.webhooks.endpoints import owned_endpoint
from portrait.services.webhooks.views import DeliveryView, delivery_view
from portrait.store.webhooks import deliveries as store
from portrait.store.webhooks import queue


def list_deliveries(user_id: str, endpoint_id: str, *, limit: int,
                    cursor: str | None) -> Page[DeliveryView]:
    owned_endpoint(user_id, endpoint_id)
    items, last = store.list_deliveries(endpoint_id, limit=limit,
                                        after=after_id(cursor, pattern=ULID_PATTERN))
    return Page([delivery_view(d) for d in items], after_cursor(last))


def get_delivery(user_id: str, endpoint_id: str, delivery_id: str) -> DeliveryView:
    owned_endpoint(user_id, endpoint_id)
    delivery = store.get_delivery(endpoint_id, delivery_id)
    if delivery is None:
        raise NotFound("no such delivery", code="delivery_not_found")
    return delivery_view(delivery)


def redeliver(user_id: str, endpoint_id: str, delivery_id: str) -> DeliveryView:
    """One more attempt now, with the same webhook-id (the event id) and body; no retry
    schedule after it. A delivery still being retried has its next attempt planned."""
    endpoint = owned_endpoint(user_id, endpoint_id)
    if not endpoint.enabled:
        raise Conflict("the endpoint is disabled: enable it first", code="webhook_disabled")
    current = store.get_delivery(endpoint_id, delivery_id)
    if current is None:
        raise NotFound("no such delivery", code="delivery_not_found")
    delivery = store.redeliver_now(endpoint_id, delivery_id, now=clock.now())
    if delivery is None:
        raise Conflict("the delivery is still being retried; see next_attempt_at",
                       code="delivery_pending")
    queue.send_attempt(endpoint_id, delivery_id, attempt=delivery.attempt_count, user_id=user_id)
    return delivery_view(delivery)
