"""Reply shapes of the /me/webhooks routes (built from portrait.services.webhooks.views)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _FromViews(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class WebhookEndpoint(_FromViews):
    """A webhook endpoint (its signing secret is shown once: on creation and rotation)."""

    endpoint_id: str
    url: str
    event_types: list[str] = Field(description='event names, or ["*"] for every event')
    description: str | None
    enabled: bool
    status: Literal["active", "failing", "disabled"] = Field(description=(
        "failing: deliveries are failing (one was parked, or none succeeded since "
        "failing_since); disabled: by its owner, or by us (disabled_reason)"))
    disabled_reason: str | None = Field(description="why we disabled it: a 410 from the "
                                                    "receiver, or 5 days of failures")
    failing_since: str | None
    previous_secret_expires_at: str | None = Field(description=(
        "after a rotation, until when the previous secret also signs"))
    created_at: str
    updated_at: str


class WebhookEndpointWithSecret(WebhookEndpoint):
    secret: str = Field(description=(
        "the signing secret (whsec_...): shown only now; verify deliveries with it"),
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])


class WebhookEndpointPage(_FromViews):
    items: list[WebhookEndpoint]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null at the end")


class WebhookEndpointDeleted(BaseModel):
    endpoint_id: str
    status: Literal["deleted"] = "deleted"


class WebhookAttempt(BaseModel):
    at: str
    status_code: int | None = Field(description="null when no answer came (refused, timed out)")
    latency_ms: int | None
    error: str | None
    response: str | None = Field(description="the answer's first 4 KB")


class WebhookDelivery(_FromViews):
    """One event for one endpoint: the attempts made, and the next one's time."""

    delivery_id: str
    endpoint_id: str
    event_id: str = Field(description="the webhook-id header of every attempt")
    event_type: str
    status: Literal["pending", "succeeded", "failed", "parked"]
    attempt_count: int
    attempts: list[WebhookAttempt] = Field(description="oldest first (the last 20)")
    next_attempt_at: str | None
    created_at: str


class WebhookDeliveryPage(_FromViews):
    items: list[WebhookDelivery]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null at the end")
