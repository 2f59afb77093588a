"""ApiFunction: the HTTP API. One Powertools resolver, one router per area.

Routes parse input, call one service function and shape the reply; the
business rules live in portrait.services, the error replies in errors.py.
"""
from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

import edge
from errors import (register_error_handlers, token_missing_on_a_protected_route,
                    wrong_method_on_a_static_path)
from portrait import snapstart
from portrait.config import SettingsError, get_settings
from portrait.observability import logger, metrics, tracer
from routes import (admin_counts, admin_temp_uploads, auth, avatars, credits, generations, health, keys,
                    media, poses, projects, search, shared, users, webhooks)
from security import BEARER_SCHEME

DOCS_PATH = "/docs"

app = APIGatewayHttpResolver(enable_validation=True)
app.configure_openapi(
    title="Portrait API",
    version="0.1.0",
    description="Avatars, portfolio media and AI-generated portraits. "
                "Access tokens are ES256 JWTs; verify them with /.well-known/jwks.json.",
    # The HTTPBearer scheme as a plain dict: Powertools validates it into its HTTPBearer
    # model when it builds the document. Importing that model's module at cold start would
    # build every OpenAPI model (~70 ms), which only /docs and the document need.
    security_schemes={BEARER_SCHEME: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
)
for area in (auth, users, avatars, projects, media, search, poses, credits, generations,
             webhooks, shared, admin_temp_uploads, admin_counts, keys, health):
    app.include_router(area.router)
register_error_handlers(app)

try:
    get_settings()  # validate at cold start, so a bad deploy shows in the first log line
except SettingsError as exc:
    # Stay up: /health reports the problem and other routes answer 503 not_configured.
    logger.error("invalid settings at cold start", extra={"error": str(exc)})

# SnapStart (template.yaml): prime the clients before the snapshot, refresh what must not
# be shared after each restore. Registered last, so the routes are already imported.
snapstart.register()

_docs_enabled = False


def _enable_docs() -> None:
    """Swagger UI at DOCS_PATH, with its assets inlined: no CDN. Registered on the first
    request for it, not at import: enable_swagger imports the OpenAPI models, ~70 ms of
    cold start that no other route needs. (The route is left out of the document.)"""
    global _docs_enabled
    if not _docs_enabled:
        app.enable_swagger(path=DOCS_PATH)
        _docs_enabled = True


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if str(event.get("rawPath", "")).endswith(DOCS_PATH):  # a stage may prefix it
        _enable_docs()
    reply = (edge.refuse_unreadable_body(event) or wrong_method_on_a_static_path(app, event)
             or token_missing_on_a_protected_route(app, event) or app.resolve(event, context))
    return edge.with_security_headers(event, reply)
