"""The token signing keys, kept in Secrets Manager (format: portrait.auth.keys)."""
from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities import parameters


def load_key_set(secret_id: str, *, max_age: int = 300, force_fetch: bool = False) -> dict[str, Any]:
    """The key set, cached for `max_age` seconds by Powertools Parameters
    (`force_fetch` reads the secret now and refreshes the cache)."""
    value = parameters.get_secret(secret_id, transform="json", max_age=max_age,
                                  force_fetch=force_fetch)
    return value if isinstance(value, dict) else {}


def rotate_signing_key(secret_id: str, client: Any, *, keep: int = 3) -> str:
    """Add a fresh active key to the secret (older keys keep verifying); returns its kid.

    `client` is a secretsmanager client, passed in so the CLI can aim it at
    the local stack or at a deployed stack.
    """
    # Imported here, not at the top: making a key needs cryptography, and only the CLI
    # rotates keys; the functions importing this module just load the key set.
    from portrait.auth.keys import rotated_key_set

    current = json.loads(client.get_secret_value(SecretId=secret_id)["SecretString"] or "{}")
    new_set = rotated_key_set(current, keep=keep)
    client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(new_set))
    return new_set["active_kid"]
