"""Signing secrets: drawn, sealed for storage, and the Standard Webhooks headers.

A secret is "whsec_" + base64 of 32 random bytes, drawn from `secrets` when an endpoint is
registered or its secret rotated (never at import). The receiver verifies an HMAC with it,
so we must keep the secret itself, not a hash: it is stored sealed with AES-GCM (an AEAD:
a changed ciphertext fails to open) under a key derived from the stack's WebhookKeySecret,
with the endpoint id as associated data, so a sealed secret copied onto another endpoint
does not open. It is shown once, in the reply that created it, and never logged.
"""
from __future__ import annotations

import base64
import secrets
from datetime import datetime, timezone

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from standardwebhooks import Webhook

from portrait.store.webhooks.sealing_key import load_key_material

PREFIX = "whsec_"
SECRET_BYTES = 32
_NONCE_BYTES = 12
_KEY_INFO = b"portrait webhook signing secrets v1"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _aead() -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=_KEY_INFO).derive(load_key_material())
    return AESGCM(key)


def seal(secret: str, endpoint_id: str) -> str:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = _aead().encrypt(nonce, secret.encode(), endpoint_id.encode())
    return base64.b64encode(nonce + sealed).decode()


def unseal(sealed: str, endpoint_id: str) -> str:
    raw = base64.b64decode(sealed)
    return _aead().decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], endpoint_id.encode()).decode()


def signed_headers(secrets_in_use: list[str], *, msg_id: str, body: bytes,
                   now: datetime | None = None) -> dict[str, str]:
    """The Standard Webhooks headers: one v1 signature per secret in use, space-separated
    (during a rotation's overlap the new and the old secret both sign, and a receiver
    holding either verifies)."""
    moment = now or datetime.now(timezone.utc)
    signatures = " ".join(Webhook(secret).sign(msg_id, moment, body) for secret in secrets_in_use)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": signatures, "Content-Type": "application/json",
            "User-Agent": "Portrait-Webhooks/1"}
