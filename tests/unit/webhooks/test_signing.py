"""Secrets and signatures: what a receiver verifies with the Standard Webhooks package."""
from __future__ import annotations

import base64
import json

import pytest
from cryptography.exceptions import InvalidTag
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from portrait.services.webhooks import signing

BODY = json.dumps({"event_id": "evt_1", "type": "project.created", "user_id": "u"},
                  separators=(",", ":")).encode()


@pytest.fixture
def key_material(monkeypatch):
    monkeypatch.setattr(signing, "load_key_material", lambda: b"k" * 64)


def test_a_secret_is_whsec_and_32_random_bytes_drawn_each_time() -> None:
    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_") and first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32


def test_a_delivery_verifies_with_the_receivers_secret() -> None:
    secret = signing.new_secret()
    headers = signing.signed_headers([secret], msg_id="evt_1", body=BODY)
    assert headers["webhook-id"] == "evt_1"
    assert headers["webhook-signature"].startswith("v1,")
    assert headers["Content-Type"] == "application/json"
    assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY + b" ", headers)


def test_during_a_rotation_both_secrets_sign_and_either_verifies() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    headers = signing.signed_headers([new, old], msg_id="evt_2", body=BODY)
    signatures = headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    assert Webhook(old).verify(BODY, headers) == Webhook(new).verify(BODY, headers)


def test_sealed_secrets_open_only_for_their_endpoint(key_material) -> None:
    secret = signing.new_secret()
    sealed = signing.seal(secret, "ENDPOINT1")
    assert secret not in sealed and signing.seal(secret, "ENDPOINT1") != sealed  # fresh nonce
    assert signing.unseal(sealed, "ENDPOINT1") == secret
    with pytest.raises(InvalidTag):
        signing.unseal(sealed, "ENDPOINT2")
