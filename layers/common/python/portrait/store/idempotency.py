"""Idempotent service functions: Powertools idempotency on the IdempotencyTable.

A service function is keyed on its business identity (bucket + key + etag of
an upload, a user id), not on a transport id, and under a fixed key prefix,
so the same event reaching it through another function or queue is still
recognised. The persistence layer is built on first use, because the table
name is only known from the settings at run time, and it reuses the shared
DynamoDB client (tests switch endpoints by resetting the clients).
"""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.serialization.dataclass import DataclassSerializer

from portrait.config import get_settings
from portrait.store.aws import client

F = TypeVar("F", bound=Callable[..., Any])
_configs: list[IdempotencyConfig] = []

__all__ = ["idempotent", "register_lambda_context"]


def register_lambda_context(context: Any) -> None:
    """Give every idempotent function the invocation's deadline, so a record left
    in progress by a timed-out invocation expires with it instead of blocking retries."""
    for config in _configs:
        config.register_lambda_context(context)


@functools.lru_cache(maxsize=64)
def _persistence_layer(table_name: str, dynamodb: Any, key_prefix: str) -> DynamoDBPersistenceLayer:
    # One per idempotent function (its key_prefix), cached per client: each construction
    # registers a hook on the client. Never shared between functions: Powertools configures
    # a persistence layer once, with the first config it is given (key path, whether a
    # missing key is an error), and would apply that to every function sharing it.
    return DynamoDBPersistenceLayer(table_name=table_name, boto3_client=dynamodb)


def idempotent(*, key_prefix: str, data_keyword_argument: str, key_jmespath: str = "",
               output: type | None = None) -> Callable[[F], F]:
    """Run the decorated function once per business identity.

    The identity is the `data_keyword_argument` argument (a dataclass or a
    plain value), narrowed by `key_jmespath`. A completed call's result is
    returned to later calls with the same identity (`output` names the
    dataclass it is rebuilt as); a call that raised leaves no record, so a
    retry runs again. While one call is in progress, another raises
    IdempotencyAlreadyInProgressError (its message is retried later).
    """
    # The TTL comes from the settings on each call (they are not read at import).
    config = IdempotencyConfig(event_key_jmespath=key_jmespath,
                               raise_on_no_idempotency_key=bool(key_jmespath))
    _configs.append(config)
    serializer = DataclassSerializer if output is not None else None

    def decorate(function: F) -> F:
        if output is not None:
            function.__annotations__["return"] = output  # the serializer reads it

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            config.expires_after_seconds = get_settings().idempotency_ttl_seconds
            layer = _persistence_layer(get_settings().idempotency_table, client("dynamodb"),
                                       key_prefix)
            guarded = idempotent_function(function, data_keyword_argument=data_keyword_argument,
                                          persistence_store=layer, config=config,
                                          output_serializer=serializer, key_prefix=key_prefix)
            return guarded(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def once_per_upload(*, key_prefix: str, output: type) -> Callable[[F], F]:
    """`idempotent` for a processor of S3 uploads: its `upload` argument's identity is the
    object's version, (bucket, key, etag), never the message that carried it."""
    return idempotent(key_prefix=key_prefix, data_keyword_argument="upload",
                      key_jmespath="[bucket, key, etag]", output=output)
