"""The one table from errors to HTTP replies: {"error": {"code", "message"}}.

Domain errors (portrait.errors) carry their own code and a message meant for
clients; anything else is logged with its traceback and answered as a bare
500, so no internals leak.
"""
from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (RequestUnsupportedContentType,
                                                                   RequestValidationError)

from portrait import errors
from portrait.config import SettingsError
from portrait import metric_catalogue as M
from portrait.observability import emit, logger
from portrait.services.contention import conflict_for
from security import BEARER

COMPACT = (",", ":")  # the resolver's own JSON separators: one encoding for every answer

STATUS_BY_ERROR: dict[type[errors.PortraitError], int] = {
    errors.InvalidInput: 400,
    errors.InvalidField: 422,
    errors.Unauthorized: 401,
    errors.InsufficientCredits: 402,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Gone: 410,
    errors.RateLimited: 429,
    errors.NotConfigured: 503,
    errors.Unavailable: 503,
}


def error_reply(status: int, code: str, message: str, *, details: Any = None,
                headers: dict[str, str] | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"code": code, "message": message, **extra}
    if details is not None:
        body["details"] = details
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body={"error": body}, headers=headers)


def _status_of(exc: errors.PortraitError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def _domain_error(exc: errors.PortraitError) -> Response:
    status = _status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, errors.Unauthorized):
        # RFC 6750: a 401 names the scheme; a bad token also says so.
        bad_token = exc.code in ("invalid_token", "token_expired")
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"' if bad_token else "Bearer"
    if "retry_after" in exc.details:
        headers["Retry-After"] = str(exc.details["retry_after"])
    if isinstance(exc, errors.RateLimited):
        # Every 429 of the per-user limits passes here: template.yaml alarms on the hourly sum,
        # and this line (with the request id) says which limit to whoever looks.
        emit(M.RATE_LIMIT_REFUSALS)
        logger.info("rate limited", extra={"error": exc.message})
    if status >= 500:
        logger.error("request failed", extra={"error_code": exc.code, "error": exc.message})
    exposed = {name: exc.details[name] for name in exc.exposed if name in exc.details}
    return error_reply(status, exc.code, exc.message, headers=headers or None, **exposed)


# pydantic prefixes the messages of the project's own validators with these; the rest of
# the message is written for people, the prefix is not.
_LIBRARY_PREFIXES = ("Value error, ", "Assertion failed, ")


def _message(text: str) -> str:
    for prefix in _LIBRARY_PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def _invalid_request(exc: RequestValidationError) -> Response:
    # Field, message and type only: pydantic's "input" would echo passwords back.
    details = [
        {"field": ".".join(str(p) for p in e.get("loc", ())), "message": _message(e.get("msg", "")),
         "type": e.get("type", "")}
        for e in exc.errors()
    ]
    return error_reply(422, "invalid_request", "the request is not valid", details=details)


def _misconfigured(exc: SettingsError) -> Response:
    logger.error("settings are invalid", extra={"error": str(exc)})
    return error_reply(503, "not_configured", "the service is not configured; see /health")


def _unexpected(exc: Exception) -> Response:
    # A write that lost a race (after the store's retries) is the client's to retry: 409.
    conflict = conflict_for(exc)
    if conflict is not None:
        logger.warning("write contention", extra={"error": str(exc)})
        return _domain_error(conflict)
    logger.exception("unhandled error")
    return error_reply(500, "internal_error", "an internal error occurred")


def _allowed_methods(app: APIGatewayHttpResolver, path: str) -> list[str]:
    # Powertools keeps its route table in these two lists; no public accessor exists. A path
    # that is a static route (/generations/stats) is that resource, not an id of a dynamic one.
    return sorted({r.method for r in app._static_routes if r.rule.match(path)}
                  or {r.method for r in app._dynamic_routes if r.rule.match(path)})


def wrong_method_on_a_static_path(app: APIGatewayHttpResolver, event: dict) -> dict | None:
    """405 for DELETE /generations/stats and the like, before routing: Powertools would hand
    it to DELETE /generations/{id} (a 422 about the id), for a resource that has no DELETE."""
    path = str(event.get("rawPath", ""))
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", ""))
    static = {r.method for r in app._static_routes if r.rule.match(path)}
    if not static or method.upper() in static or method.upper() == "OPTIONS":
        return None
    return {"statusCode": 405, "isBase64Encoded": False,
            "headers": {"Content-Type": "application/json", "Allow": ", ".join(sorted(static))},
            "body": json.dumps({"error": {"code": "method_not_allowed",
                                          "message": f"{method.upper()} is not allowed here"}},
                               separators=COMPACT)}


def token_missing_on_a_protected_route(app: APIGatewayHttpResolver, event: dict) -> dict | None:
    """401 before anything else for a route that needs a token and got none: Powertools
    validates the body before it runs the bearer dependency, so a caller without a token
    would otherwise learn about their body (a 422) before being told to sign in."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    if (headers.get("authorization") or "").strip():
        return None
    path = str(event.get("rawPath", ""))
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", "")).upper()
    route = next((r for r in (*app._static_routes, *app._dynamic_routes)
                  if r.method == method and r.rule.match(path)), None)
    if route is None or route.security != BEARER:
        return None
    return {"statusCode": 401, "isBase64Encoded": False,
            "headers": {"Content-Type": "application/json", "WWW-Authenticate": "Bearer"},
            "body": json.dumps({"error": {"code": "missing_token",
                                          "message": "a bearer access token is required"}},
                               separators=COMPACT)}


def _route_not_found(app: APIGatewayHttpResolver) -> Response:
    """404 for a path no route has; 405 with Allow for a path that exists with other methods.
    (API Gateway's catch-all route hands every method here, so the answer is ours to give.)"""
    event = app.current_event
    allowed = _allowed_methods(app, event.path)
    if allowed:
        return error_reply(405, "method_not_allowed",
                           f"{event.http_method.upper()} is not allowed here",
                           headers={"Allow": ", ".join(allowed)})
    return error_reply(404, "not_found", "no such route")


def _unsupported_type(exc: RequestUnsupportedContentType) -> Response:
    # The edge hands on every JSON spelling as application/json; this is the backstop.
    return error_reply(415, "unsupported_media_type",
                       "send the body as JSON, with Content-Type: application/json")


def _http_error(exc: ServiceError) -> Response:
    # Raised by the resolver itself (e.g. a body that is not JSON), not by our code.
    code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
    return error_reply(exc.status_code, code, str(exc.msg))


def register_error_handlers(app: APIGatewayHttpResolver) -> None:
    app.exception_handler(errors.PortraitError)(_domain_error)
    app.exception_handler(RequestValidationError)(_invalid_request)
    app.exception_handler(RequestUnsupportedContentType)(_unsupported_type)
    app.exception_handler(SettingsError)(_misconfigured)
    app.exception_handler(ServiceError)(_http_error)
    app.exception_handler(Exception)(_unexpected)
    app.not_found(lambda exc: _route_not_found(app))
