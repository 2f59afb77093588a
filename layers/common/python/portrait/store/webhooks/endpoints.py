"""Endpoint records: create under the per-user cap, read, page, change, delete; the
per-endpoint leases that bound concurrent attempts; health (failing, disabled)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from portrait.errors import Conflict
from portrait.store.models import bound, condition_failed, plain, transaction_condition_failed, \
    transaction_connection
from portrait.store.webhooks.models import (COUNT_SK, EndpointCountItem, EndpointItem,
                                            endpoint_sk, user_pk)


@dataclass(frozen=True)
class Endpoint:
    endpoint_id: str
    user_id: str
    url: str
    event_types: tuple[str, ...]
    description: str | None
    enabled: bool
    created_at: str
    updated_at: str
    secrets: tuple[dict[str, Any], ...] = ()  # {"sealed", "retires_at"}, newest first
    disabled_reason: str | None = None
    failing_since: int | None = None
    failing: bool = False
    leases: dict[str, int] = field(default_factory=dict)


class EndpointLimitReached(Conflict):
    code = "webhook_limit_reached"


def from_item(item: EndpointItem) -> Endpoint:
    return Endpoint(
        endpoint_id=item.endpoint_id, user_id=item.user_id, url=item.url,
        event_types=tuple(item.event_types or ()), description=item.description,
        enabled=bool(item.enabled), created_at=item.created_at, updated_at=item.updated_at,
        secrets=tuple({"sealed": s["sealed"], "retires_at": s.get("retires_at")}
                      for s in item.secrets or []),
        disabled_reason=item.disabled_reason,
        failing_since=int(item.failing_since) if item.failing_since is not None else None,
        failing=bool(item.failing),
        leases={k: int(v) for k, v in (plain(item.leases) or {}).items()})


def _secrets(secrets: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    return [{"sealed": s["sealed"], "retires_at": s["retires_at"]} for s in secrets]


def create_endpoint(endpoint: Endpoint, *, limit: int) -> Endpoint:
    """Stored with the owner's count moved in the same transaction, so the cap holds
    however many requests race."""
    model, counter = bound(EndpointItem), bound(EndpointCountItem)
    item = model(user_pk(endpoint.user_id), endpoint_sk(endpoint.endpoint_id),
                 endpoint_id=endpoint.endpoint_id, user_id=endpoint.user_id, url=endpoint.url,
                 event_types=list(endpoint.event_types), description=endpoint.description,
                 enabled=endpoint.enabled, secrets=_secrets(endpoint.secrets), leases={},
                 created_at=endpoint.created_at, updated_at=endpoint.updated_at)
    count = counter(user_pk(endpoint.user_id), COUNT_SK)
    try:
        with TransactWrite(connection=transaction_connection(model)) as tx:
            tx.save(item, condition=model.pk.does_not_exist())
            tx.update(count, actions=[counter.count.add(1)],
                      condition=counter.count.does_not_exist() | (counter.count < limit))
    except TransactWriteError as exc:
        if transaction_condition_failed(exc):
            raise EndpointLimitReached(f"at most {limit} webhook endpoints per user") from None
        raise
    return endpoint


def get_endpoint(user_id: str, endpoint_id: str) -> Endpoint | None:
    try:
        item = bound(EndpointItem).get(user_pk(user_id), endpoint_sk(endpoint_id),
                                       consistent_read=True)
    except DoesNotExist:
        return None
    return from_item(item)


def list_endpoints(user_id: str, *, limit: int = 100, after: str | None = None
                   ) -> tuple[list[Endpoint], str | None]:
    """Oldest first (ids are ULIDs); the id to continue after, or None at the end."""
    model = bound(EndpointItem)
    start = ({"pk": {"S": user_pk(user_id)}, "sk": {"S": endpoint_sk(after)}}
             if after else None)
    results = model.query(user_pk(user_id), model.sk.startswith("endpoint#"), limit=limit,
                          last_evaluated_key=start, consistent_read=True)
    items = [from_item(item) for item in results]
    more = results.last_evaluated_key is not None and len(items) == limit
    return items, (items[-1].endpoint_id if more and items else None)


_CHANGEABLE = ("url", "event_types", "description", "enabled")


def update_endpoint(user_id: str, endpoint_id: str, *, updated_at: str,
                    **changes: Any) -> Endpoint | None:
    """Only the fields given change; enabling clears what disabled it and its failing state."""
    model = bound(EndpointItem)
    actions = [model.updated_at.set(updated_at)]
    for name, value in changes.items():
        assert name in _CHANGEABLE, name
        attribute = getattr(model, name)
        actions.append(attribute.remove() if value is None else
                       attribute.set(list(value) if name == "event_types" else value))
    if changes.get("enabled") is True:
        actions += [model.disabled_reason.remove(), model.failing_since.remove(),
                    model.failing.remove()]
    try:
        item = model(user_pk(user_id), endpoint_sk(endpoint_id))
        item.update(actions=actions, condition=model.pk.exists())
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return from_item(item)


def set_secrets(user_id: str, endpoint_id: str, secrets: tuple[dict[str, Any], ...], *,
                updated_at: str) -> bool:
    model = bound(EndpointItem)
    try:
        model(user_pk(user_id), endpoint_sk(endpoint_id)).update(
            actions=[model.secrets.set(_secrets(secrets)), model.updated_at.set(updated_at)],
            condition=model.pk.exists())
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def delete_endpoint(user_id: str, endpoint_id: str) -> bool:
    """Removed, and the owner's count with it; False if there was none. (Its deliveries
    expire by their TTL: the log is not the owner's to read once the endpoint is gone.)"""
    model, counter = bound(EndpointItem), bound(EndpointCountItem)
    try:
        with TransactWrite(connection=transaction_connection(model)) as tx:
            tx.delete(model(user_pk(user_id), endpoint_sk(endpoint_id)),
                      condition=model.pk.exists())
            tx.update(counter(user_pk(user_id), COUNT_SK), actions=[counter.count.add(-1)],
                      condition=counter.count > 0)
    except TransactWriteError as exc:
        if transaction_condition_failed(exc):
            return False
        raise
    return True


# ---------------------------------------------------------------- leases
def acquire_lease(user_id: str, endpoint_id: str, *, slots: int, now: int,
                  hold_seconds: int) -> str | None:
    """One of the endpoint's `slots` attempt leases, or None when all are held. A lease runs
    out by itself (`hold_seconds`), so one left by a crashed attempt frees itself."""
    model = bound(EndpointItem)
    item = model(user_pk(user_id), endpoint_sk(endpoint_id))
    for n in range(slots):
        slot = f"s{n}"
        try:
            item.update(actions=[model.leases[slot].set(now + hold_seconds)],
                        condition=(model.enabled == True) & (model.leases[slot].does_not_exist()  # noqa: E712
                                                   | (model.leases[slot] < now)))
            return slot
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
    return None


def release_lease(user_id: str, endpoint_id: str, slot: str) -> None:
    model = bound(EndpointItem)
    try:
        model(user_pk(user_id), endpoint_sk(endpoint_id)).update(
            actions=[model.leases[slot].remove()], condition=model.pk.exists())
    except UpdateError as exc:
        if not condition_failed(exc):  # deleted meanwhile: nothing to release
            raise


# ---------------------------------------------------------------- health
def record_success(user_id: str, endpoint_id: str) -> None:
    model = bound(EndpointItem)
    _update_if_exists(model(user_pk(user_id), endpoint_sk(endpoint_id)),
                      [model.failing_since.remove(), model.failing.remove()],
                      model.failing_since.exists() | model.failing.exists())


def record_failure(user_id: str, endpoint_id: str, *, now: int) -> Endpoint | None:
    """Failing since the first failure after the last success; the endpoint as it now is."""
    model = bound(EndpointItem)
    item = model(user_pk(user_id), endpoint_sk(endpoint_id))
    if not _update_if_exists(item, [model.failing_since.set(
            model.failing_since | now)], model.pk.exists()):
        return None
    return from_item(item)


def mark_failing(user_id: str, endpoint_id: str) -> None:
    model = bound(EndpointItem)
    _update_if_exists(model(user_pk(user_id), endpoint_sk(endpoint_id)),
                      [model.failing.set(True)], model.pk.exists())


def disable(user_id: str, endpoint_id: str, *, reason: str, updated_at: str) -> None:
    model = bound(EndpointItem)
    _update_if_exists(model(user_pk(user_id), endpoint_sk(endpoint_id)),
                      [model.enabled.set(False), model.disabled_reason.set(reason),
                       model.updated_at.set(updated_at)], model.enabled == True)  # noqa: E712


def _update_if_exists(item: EndpointItem, actions: list, condition) -> bool:
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True
