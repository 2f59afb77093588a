"""boto3 clients, created once per process and shared.

Endpoints come from the standard AWS configuration (AWS_ENDPOINT_URL and its
per-service variants), which is how the local stack and tests point us at moto.
"""
from __future__ import annotations

import threading
from typing import Any, Iterable

import boto3
from botocore.config import Config

from portrait.store.service_data import new_session

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)
# Presigned forms and URLs must be SigV4: botocore still signs them with SigV2 in
# us-east-1 by default, which buckets created since mid-2020 refuse.
_S3_CONFIG = _CONFIG.merge(Config(signature_version="s3v4"))

_clients: dict[str, Any] = {}
# Threads that ask for a new service at once (the pose seeder's writers) build it once,
# not each its own (~0.2 s of CPU a client).
_building = threading.Lock()


def client(service: str) -> Any:
    try:
        return _clients[service]
    except KeyError:
        with _building:
            if service not in _clients:
                # A session of its own, the service data shared (store.service_data).
                _clients[service] = boto3.session.Session(botocore_session=new_session()).client(
                    service, config=_S3_CONFIG if service == "s3" else _CONFIG)
            return _clients[service]


def prime_clients(services: Iterable[str]) -> None:
    """Build these clients now (a SnapStart snapshot then holds their loaded service
    models and endpoint rules, about 0.2 s a client, instead of each instance's first
    request paying for them)."""
    for service in services:
        client(service)


def prime_secrets_provider() -> None:
    """Powertools Parameters' secrets provider (what `parameters.get_secret` reads the key
    sets through) built on this module's Secrets Manager client, instead of on a client of
    its own made at the first read: primed like the others, its pool closed with theirs."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider, base

    if "secrets" not in base.DEFAULT_PROVIDERS:
        base.DEFAULT_PROVIDERS["secrets"] = SecretsProvider(boto3_client=client("secretsmanager"))


def forget_cached_parameters() -> None:
    """Every value the Parameters providers cache (the providers and their clients stay)."""
    from aws_lambda_powertools.utilities.parameters import base

    for provider in base.DEFAULT_PROVIDERS.values():
        provider.clear_cache()


def close_connections() -> None:
    """Close every cached client's connection pool. The clients stay usable: the pool
    refills on the next request. After a SnapStart restore the sockets opened before the
    snapshot are dead; closing them saves each first request a failed send and a retry."""
    for cached in list(_clients.values()):
        cached.close()


def reset_clients() -> None:
    """Forget cached clients (tests that switch endpoints or mocks call this)."""
    _clients.clear()
