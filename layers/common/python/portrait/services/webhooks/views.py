"""Endpoints and deliveries as the API shows them (never a secret, sealed or not)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portrait import clock
from portrait.store.webhooks.deliveries import Delivery
from portrait.store.webhooks.endpoints import Endpoint


@dataclass(frozen=True)
class EndpointView:
    endpoint_id: str
    url: str
    event_types: list[str]
    description: str | None
    enabled: bool
    status: str  # active | failing | disabled
    disabled_reason: str | None
    failing_since: str | None
    previous_secret_expires_at: str | None  # while a rotated-out secret still signs
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class EndpointWithSecret(EndpointView):
    secret: str


@dataclass(frozen=True)
class DeliveryView:
    delivery_id: str
    endpoint_id: str
    event_id: str
    event_type: str
    status: str
    attempt_count: int
    attempts: list[dict[str, Any]]
    next_attempt_at: str | None
    created_at: str


def _iso(epoch: int | None) -> str | None:
    return clock.iso(epoch) if epoch is not None else None


def endpoint_view(endpoint: Endpoint, *, now: int | None = None) -> EndpointView:
    moment = clock.now() if now is None else now
    retiring = [s["retires_at"] for s in endpoint.secrets
                if s["retires_at"] is not None and s["retires_at"] > moment]
    status = ("disabled" if not endpoint.enabled
              else "failing" if endpoint.failing or endpoint.failing_since is not None
              else "active")
    return EndpointView(
        endpoint_id=endpoint.endpoint_id, url=endpoint.url, event_types=list(endpoint.event_types),
        description=endpoint.description, enabled=endpoint.enabled, status=status,
        disabled_reason=endpoint.disabled_reason, failing_since=_iso(endpoint.failing_since),
        previous_secret_expires_at=_iso(max(retiring)) if retiring else None,
        created_at=endpoint.created_at, updated_at=endpoint.updated_at)


def with_secret(endpoint: Endpoint, secret: str) -> EndpointWithSecret:
    return EndpointWithSecret(**endpoint_view(endpoint).__dict__, secret=secret)


def delivery_view(delivery: Delivery) -> DeliveryView:
    attempts = [{"at": a.get("at"), "status_code": a.get("status_code"),
                 "latency_ms": a.get("latency_ms"), "error": a.get("error"),
                 "response": a.get("response")} for a in delivery.attempts]
    return DeliveryView(
        delivery_id=delivery.delivery_id, endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id, event_type=delivery.event_type, status=delivery.status,
        attempt_count=delivery.attempt_count, attempts=attempts,
        next_attempt_at=_iso(delivery.next_attempt_at) if delivery.status == "pending" else None,
        created_at=delivery.created_at)
