"""boto3 clients, created once per process and shared.

Endpoints come from the standard AWS configuration (AWS_ENDPOINT_URL and its
per-service variants), which is how the local stack and tests point us at moto.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)
# Presigned forms and URLs must be SigV4: botocore still signs them with SigV2 in
# us-east-1 by default, which buckets created since mid-2020 refuse.
_S3_CONFIG = _CONFIG.merge(Config(signature_version="s3v4"))


@lru_cache(maxsize=None)
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_S3_CONFIG if service == "s3" else _CONFIG)


def reset_clients() -> None:
    """Forget cached clients (tests that switch endpoints or mocks call this)."""
    client.cache_clear()
