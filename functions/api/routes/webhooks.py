"""/me/webhooks: your webhook endpoints, their deliveries, redelivery (README "Webhooks")."""
from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from portrait.services.webhooks import deliveries, endpoints
from portrait.services.webhooks.endpoints import WebhookCreate, WebhookUpdate
from schemas import ULID_PATTERN, api_responses, body_responses
from security import BEARER, CurrentClaims
from webhook_schemas import (WebhookDelivery, WebhookDeliveryPage, WebhookEndpoint,
                             WebhookEndpointDeleted, WebhookEndpointPage,
                             WebhookEndpointWithSecret)

router = Router()
TAGS = ["webhooks"]

EndpointId = Annotated[str, Path(pattern=ULID_PATTERN, description="a webhook endpoint id (ULID)")]
DeliveryId = Annotated[str, Path(pattern=ULID_PATTERN, description="a delivery id (ULID)")]
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200)]


@router.post("/me/webhooks", status_code=201, tags=TAGS, security=BEARER,
             summary="Register a webhook endpoint; the reply holds its signing secret, once",
             responses=body_responses(401, success=201, description="The endpoint and its secret "
                                      "(409 webhook_limit_reached at the per-user cap)"))
def create(body: WebhookCreate, claims: CurrentClaims) -> WebhookEndpointWithSecret:
    return WebhookEndpointWithSecret.model_validate(endpoints.create_endpoint(claims["sub"], body))


@router.get("/me/webhooks", tags=TAGS, security=BEARER, summary="Your webhook endpoints",
            responses=api_responses(400, 401))
def list_mine(claims: CurrentClaims, limit: Limit = 20, cursor: Cursor = None) -> WebhookEndpointPage:
    return WebhookEndpointPage.model_validate(
        endpoints.list_endpoints(claims["sub"], limit=limit, cursor=cursor))


@router.get("/me/webhooks/<endpoint_id>", tags=TAGS, security=BEARER,
            summary="A webhook endpoint (status, and why it was disabled)",
            responses=api_responses(401, 404))
def get_one(endpoint_id: EndpointId, claims: CurrentClaims) -> WebhookEndpoint:
    return WebhookEndpoint.model_validate(endpoints.get_endpoint(claims["sub"], endpoint_id))


@router.patch("/me/webhooks/<endpoint_id>", tags=TAGS, security=BEARER,
              summary="Change a webhook endpoint: url, event_types, description, enabled",
              responses=body_responses(401, 404))
def update(endpoint_id: EndpointId, body: WebhookUpdate, claims: CurrentClaims) -> WebhookEndpoint:
    return WebhookEndpoint.model_validate(
        endpoints.update_endpoint(claims["sub"], endpoint_id, body))


@router.delete("/me/webhooks/<endpoint_id>", tags=TAGS, security=BEARER,
               summary="Delete a webhook endpoint", responses=body_responses(401, 404))
def delete(endpoint_id: EndpointId, claims: CurrentClaims) -> WebhookEndpointDeleted:
    endpoints.delete_endpoint(claims["sub"], endpoint_id)
    return WebhookEndpointDeleted(endpoint_id=endpoint_id)


@router.post("/me/webhooks/<endpoint_id>/rotate-secret", tags=TAGS, security=BEARER,
             summary="A new signing secret (shown once); the previous one signs beside it for 24 h",
             responses=body_responses(401, 404))
def rotate_secret(endpoint_id: EndpointId, claims: CurrentClaims) -> WebhookEndpointWithSecret:
    return WebhookEndpointWithSecret.model_validate(
        endpoints.rotate_secret(claims["sub"], endpoint_id))


@router.post("/me/webhooks/<endpoint_id>/test", status_code=202, tags=TAGS, security=BEARER,
             summary="Send a webhook.test event to this endpoint (its delivery is logged)",
             responses=body_responses(401, 404, success=202, description="The test's delivery"))
def send_test(endpoint_id: EndpointId, claims: CurrentClaims) -> WebhookDelivery:
    return WebhookDelivery.model_validate(endpoints.send_test_event(claims["sub"], endpoint_id))


@router.get("/me/webhooks/<endpoint_id>/deliveries", tags=TAGS, security=BEARER,
            summary="An endpoint's deliveries, newest first (kept 30 days)",
            responses=api_responses(400, 401, 404))
def list_deliveries(endpoint_id: EndpointId, claims: CurrentClaims, limit: Limit = 20,
                    cursor: Cursor = None) -> WebhookDeliveryPage:
    return WebhookDeliveryPage.model_validate(
        deliveries.list_deliveries(claims["sub"], endpoint_id, limit=limit, cursor=cursor))


@router.post("/me/webhooks/<endpoint_id>/deliveries/<delivery_id>/redeliver", status_code=202,
             tags=TAGS, security=BEARER,
             summary="One more attempt of a delivery now, with the same webhook-id",
             responses=body_responses(401, 404, success=202,
                                      description="The delivery, pending (409 delivery_pending "
                                                  "while it is still being retried)"))
def redeliver(endpoint_id: EndpointId, delivery_id: DeliveryId,
              claims: CurrentClaims) -> WebhookDelivery:
    return WebhookDelivery.model_validate(
        deliveries.redeliver(claims["sub"], endpoint_id, delivery_id))
