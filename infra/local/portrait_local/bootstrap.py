"""Local-only first-run setup, after the resources exist: small hooks, run in order.

In AWS these are deploy-time chores (`portrait keys rotate --stack-name ...`);
locally the stack does them itself so `make dev` works on a fresh machine.
Each hook is idempotent and returns a line saying what it did, or None.
"""
from __future__ import annotations

import json
from typing import Any, Callable

import boto3

from portrait_local.template import Template

Clients = Callable[[str], Any]


def provision_signing_key(template: Template, client: Clients) -> str | None:
    """Put a token signing key into each signing-key secret whose key set is empty."""
    from portrait.store.signing_keys import rotate_signing_key

    secret_ids = sorted({spec.environment["SIGNING_KEY_SECRET"]
                         for spec in template.functions().values()
                         if spec.environment.get("SIGNING_KEY_SECRET")})
    done = []
    for secret_id in secret_ids:
        secrets = client("secretsmanager")
        current = json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"] or "{}")
        if not current.get("keys"):
            kid = rotate_signing_key(secret_id, secrets)
            done.append(f"signing key {kid} in {secret_id}")
    return "provisioned " + ", ".join(done) if done else None


HOOKS: list[Callable[[Template, Clients], str | None]] = [provision_signing_key]


def bootstrap(template: Template, *, endpoint_url: str | None) -> list[str]:
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            extra = {} if endpoint_url is None else {
                "endpoint_url": endpoint_url, "aws_access_key_id": "testing",
                "aws_secret_access_key": "testing"}
            clients[service] = boto3.client(service, region_name=template.region, **extra)
        return clients[service]

    return [line for hook in HOOKS if (line := hook(template, client))]
