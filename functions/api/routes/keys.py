"""/.well-known/jwks.json: the public keys that verify our access tokens."""
from __future__ import annotations

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from portrait.services.accounts import sessions
from schemas import Jwks, api_responses

router = Router()


@router.get("/.well-known/jwks.json", tags=["auth"], summary="JSON Web Key Set (public keys)",
            responses=api_responses(503))
def jwks() -> Response[Jwks]:
    # Verifiers may cache for a few minutes; a rotated-out key stays in the set longer than that.
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=Jwks.model_validate(sessions.public_jwks()).model_dump(),
        headers={"Cache-Control": "public, max-age=300"},
    )
