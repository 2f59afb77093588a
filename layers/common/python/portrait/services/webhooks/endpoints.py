"""A user's webhook endpoints (the /me/webhooks routes): register, list, read, change,
delete, rotate the signing secret, send a test event.

Every endpoint is read from its owner's partition, so someone else's id is a 404.
"""
from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from portrait import clock
from portrait.config import get_settings
from portrait.errors import InvalidField, NotFound
from portrait.events import CATALOGUE, WebhookTest
from portrait.ids import new_id
from portrait.observability import logger
from portrait.services.cursors import Page, after_cursor, after_id
from portrait.services.webhooks import records
from portrait.services.webhooks.targets import RefusedTarget, parse_url
from portrait.services.webhooks.views import (DeliveryView, EndpointView, EndpointWithSecret,
                                              delivery_view, endpoint_view, with_secret)
from portrait.store.webhooks import endpoints as store
from portrait.store.webhooks.endpoints import Endpoint
from portrait.text import SingleLine

ALL = "*"
MAX_SIGNING_SECRETS = 3  # the new one and those still in their overlap

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2048),
                Field(examples=["https://example.com/webhooks/portrait"])]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500),
                        SingleLine, Field(examples=["order service"])]
EventTypes = Annotated[list[str], Field(min_length=1, max_length=len(CATALOGUE) + 1, description=(
    'event names from the catalogue (docs/EVENTS.md), or ["*"] for every event'),
    examples=[["avatar.ready", "generation.completed"]])]


def _known_types(types: list[str] | None) -> list[str] | None:
    if types is None:
        return None
    unknown = [name for name in types if name != ALL and name not in CATALOGUE]
    if unknown:
        raise ValueError(f"unknown event types: {', '.join(unknown)} (see docs/EVENTS.md)")
    unique = list(dict.fromkeys(types))
    if ALL in unique and len(unique) > 1:
        raise ValueError('"*" stands alone: it already means every event')
    return unique


class WebhookCreate(BaseModel):
    """POST /me/webhooks."""

    model_config = ConfigDict(extra="forbid", strict=True)

    url: Url
    event_types: EventTypes = [ALL]
    description: Description | None = None

    _checked_types = field_validator("event_types")(_known_types)


class WebhookUpdate(BaseModel):
    """PATCH /me/webhooks/{id}: only the fields sent change; enabling a disabled endpoint
    clears its failing state."""

    model_config = ConfigDict(extra="forbid", strict=True)

    url: Url | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    enabled: bool | None = None

    _checked_types = field_validator("event_types")(_known_types)


def _checked_url(url: str) -> str:
    try:
        parse_url(url, allow_loopback=get_settings().webhook_allow_loopback)
    except RefusedTarget as exc:
        raise InvalidField("url", str(exc), code="invalid_webhook_url") from None
    return url


def _not_found() -> NotFound:
    return NotFound("no such webhook endpoint", code="webhook_not_found")


def owned_endpoint(user_id: str, endpoint_id: str) -> Endpoint:
    endpoint = store.get_endpoint(user_id, endpoint_id)
    if endpoint is None:
        raise _not_found()
    return endpoint


def _signing():
    # Only creating and rotating draw and seal a secret: AES-GCM and the Standard Webhooks
    # package (~30 ms) stay off the API's cold start, which every other route pays.
    from portrait.services.webhooks import signing

    return signing


def create_endpoint(user_id: str, request: WebhookCreate) -> EndpointWithSecret:
    now_iso = clock.now_iso()
    endpoint_id = new_id()
    secret = _signing().new_secret()
    endpoint = store.create_endpoint(Endpoint(
        endpoint_id=endpoint_id, user_id=user_id, url=_checked_url(request.url),
        event_types=tuple(request.event_types), description=request.description, enabled=True,
        created_at=now_iso, updated_at=now_iso,
        secrets=({"sealed": _signing().seal(secret, endpoint_id), "retires_at": None},)),
        limit=get_settings().webhook_endpoints_per_user)
    logger.info("webhook endpoint registered", extra={"endpoint_id": endpoint_id})
    return with_secret(endpoint, secret)


def list_endpoints(user_id: str, *, limit: int, cursor: str | None) -> Page[EndpointView]:
    items, last = store.list_endpoints(user_id, limit=limit, after=after_id(cursor))
    return Page([endpoint_view(e) for e in items], after_cursor(last))


def get_endpoint(user_id: str, endpoint_id: str) -> EndpointView:
    return endpoint_view(owned_endpoint(user_id, endpoint_id))


def update_endpoint(user_id: str, endpoint_id: str, request: WebhookUpdate) -> EndpointView:
    changes = request.model_dump(exclude_unset=True)
    for name in ("url", "event_types", "enabled"):
        if name in changes and changes[name] is None:
            raise InvalidField(name, f"{name} cannot be removed", code="invalid_request")
    if "url" in changes:
        _checked_url(changes["url"])
    endpoint = store.update_endpoint(user_id, endpoint_id, updated_at=clock.now_iso(), **changes)
    if endpoint is None:
        raise _not_found()
    return endpoint_view(owned_endpoint(user_id, endpoint_id))


def delete_endpoint(user_id: str, endpoint_id: str) -> None:
    if not store.delete_endpoint(user_id, endpoint_id):
        raise _not_found()


def rotate_secret(user_id: str, endpoint_id: str) -> EndpointWithSecret:
    """A new secret signs from now on; the current one keeps signing beside it for the
    overlap (WEBHOOK_SECRET_OVERLAP_SECONDS, 24 h), so receivers can switch at leisure."""
    endpoint = owned_endpoint(user_id, endpoint_id)
    now = clock.now()
    retires_at = now + get_settings().webhook_secret_overlap_seconds
    kept = [{"sealed": s["sealed"], "retires_at": min(s["retires_at"] or retires_at, retires_at)}
            for s in endpoint.secrets if s["retires_at"] is None or s["retires_at"] > now]
    secret = _signing().new_secret()
    newest = {"sealed": _signing().seal(secret, endpoint_id), "retires_at": None}
    in_use = tuple([newest, *kept][:MAX_SIGNING_SECRETS])
    if not store.set_secrets(user_id, endpoint_id, in_use, updated_at=clock.now_iso()):
        raise _not_found()
    logger.info("webhook secret rotated", extra={"endpoint_id": endpoint_id})
    return with_secret(owned_endpoint(user_id, endpoint_id), secret)


def send_test_event(user_id: str, endpoint_id: str) -> DeliveryView:
    """A webhook.test event, delivered to this endpoint alone by the same path as any
    event (signed, retried, logged)."""
    owned_endpoint(user_id, endpoint_id)
    event = WebhookTest(event_id=f"evt_{uuid.uuid4().hex}", occurred_at=clock.now_iso(),
                        user_id=user_id, endpoint_id=endpoint_id)
    return delivery_view(records.start_delivery(endpoint_id, user_id, event.detail()))
