"""The key material that seals webhook signing secrets, kept in Secrets Manager
(template.yaml: WebhookKeySecret, a random string the stack generates)."""
from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

from portrait.config import get_settings
from portrait.errors import NotConfigured


def load_key_material(*, max_age: int = 300) -> bytes:
    """The secret's string, cached for `max_age` seconds by Powertools Parameters."""
    secret_id = get_settings().webhook_key_secret
    if not secret_id:
        raise NotConfigured("webhooks are not configured (WEBHOOK_KEY_SECRET)",
                            code="not_configured")
    value = parameters.get_secret(secret_id, max_age=max_age)
    if not isinstance(value, str) or len(value) < 32:
        raise NotConfigured("the webhook key secret holds no key", code="not_configured")
    return value.encode()
