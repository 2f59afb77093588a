"""Signing-key material for access tokens (ES256 = ECDSA P-256 with SHA-256).

A key set is the JSON kept in the signing-key secret:
    {"active_kid": "<kid>", "keys": [{"kid": "<kid>", "private_key": "<PKCS#8 PEM>",
                                      "created_at": "<ISO 8601>"}, ...]}
The active key signs; every key in the set verifies, so a rotation does not
invalidate access tokens issued just before it.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def generate_signing_key() -> dict[str, str]:
    private_key = ec.generate_private_key(ec.SECP256R1())
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "kid": secrets.token_hex(8),
        "private_key": pem,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def rotated_key_set(current: dict[str, Any] | None, *, keep: int = 3) -> dict[str, Any]:
    """A new key set whose active key is fresh; the newest `keep` keys stay for verification."""
    new_key = generate_signing_key()
    old_keys = [k for k in (current or {}).get("keys", []) if k.get("kid") and k.get("private_key")]
    return {"active_kid": new_key["kid"], "keys": [new_key, *old_keys][:keep]}
