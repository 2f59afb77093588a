"""Bearer authentication for routes, as Powertools dependencies.

    @router.get("/me", security=BEARER)
    def me(claims: CurrentClaims): ...

A missing or invalid token raises Unauthorized, which the error table answers
with 401 and `WWW-Authenticate: Bearer`.
"""
from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Depends, Request

from portrait.auth.roles import ADMIN
from portrait.errors import Forbidden, Unauthorized
from portrait.services.accounts import sessions

# OpenAPI: the security requirement protected routes declare.
BEARER_SCHEME = "bearerAuth"
BEARER: list[dict[str, list[str]]] = [{BEARER_SCHEME: []}]


def bearer_claims(request: Request) -> dict[str, Any]:
    """The verified claims of the request's access token."""
    header = request.resolved_event.headers.get("authorization") or ""  # case-insensitive
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a bearer access token is required", code="missing_token")
    return sessions.verify_access_token(token.strip())


def optional_claims(request: Request) -> dict[str, Any] | None:
    """The claims when a token is sent (a bad one is still a 401), None without one:
    for public routes that show their owner more."""
    if not (request.resolved_event.headers.get("authorization") or "").strip():
        return None
    return bearer_claims(request)


def admin_claims(claims: Annotated[dict[str, Any], Depends(bearer_claims)]) -> dict[str, Any]:
    if claims.get("role") != ADMIN:
        raise Forbidden("administrators only", code="admin_required")
    return claims


CurrentClaims = Annotated[dict[str, Any], Depends(bearer_claims)]
AdminClaims = Annotated[dict[str, Any], Depends(admin_claims)]
OptionalClaims = Annotated[dict[str, Any] | None, Depends(optional_claims)]
# OpenAPI: a public route that also reads a token when one is sent.
OPTIONAL_BEARER: list[dict[str, list[str]]] = [{}, {BEARER_SCHEME: []}]
