"""portrait.snapstart: the hooks a SnapStart handler registers, and what each refreshes.

A restore is simulated here by handing two "instances" the same saved state, as one
snapshot hands it to every environment restored from it; the local stack's test
(tests/integration/local_stack/test_snapstart.py) does it with real forked processes.
"""
from __future__ import annotations

import random

import pytest
import snapshot_restore_py
import ulid
from aws_lambda_powertools.utilities.parameters import base as parameters_base

from portrait import snapstart
from portrait.store import aws


@pytest.fixture
def hook_registry(monkeypatch):
    """Empty registries, as in a fresh runtime, and a module that has registered nothing."""
    before, after = [], []
    monkeypatch.setattr(snapshot_restore_py, "_before_snapshot_registry", before)
    monkeypatch.setattr(snapshot_restore_py, "_after_restore_registry", after)
    monkeypatch.setattr(snapstart, "_registered", False)
    monkeypatch.delenv(snapstart.DISABLE_VARIABLE, raising=False)
    return before, after


@pytest.fixture
def restored_state(monkeypatch):
    """The process-wide state the hooks touch, put back after the test."""
    monkeypatch.setattr(ulid, "default_generator", ulid.default_generator)
    state = random.getstate()
    yield
    random.setstate(state)


def test_register_adds_prime_before_the_snapshot_and_refresh_after_restore(hook_registry):
    before, after = hook_registry
    assert snapstart.register() is True
    assert snapstart.register() is True  # a second import path registers nothing more
    assert [hook for hook, _, _ in snapshot_restore_py.get_before_snapshot()] == [snapstart.prime]
    assert [hook for hook, _, _ in snapshot_restore_py.get_after_restore()] == [snapstart.refresh]
    assert len(before) == len(after) == 1


def test_the_switch_registers_nothing(hook_registry, monkeypatch):
    monkeypatch.setenv(snapstart.DISABLE_VARIABLE, "off")
    assert snapstart.register() is False
    assert snapshot_restore_py.get_before_snapshot() == []
    assert snapshot_restore_py.get_after_restore() == []


def _two_restores(snapshot, refresh: bool) -> list:
    """What two instances restored from `snapshot` (the generator's state) draw first."""
    draws = []
    for _ in range(2):
        random.setstate(snapshot)
        if refresh:
            snapstart.refresh()
        draws.append([random.random() for _ in range(3)])
    return draws


def test_refresh_reseeds_the_random_module(restored_state):
    random.seed(2024)  # whatever init left in the generator
    snapshot = random.getstate()
    without, with_hook = _two_restores(snapshot, False), _two_restores(snapshot, True)
    assert without[0] == without[1]  # botocore's backoff jitter, in step on every instance
    assert with_hook[0] != with_hook[1]


def _ulids_after_two_restores(snapshot, refresh: bool, millisecond: int) -> list[str]:
    """Two instances whose generator holds the snapshot's (timestamp, randomness)."""
    minted = []
    for _ in range(2):
        ulid.default_generator = ulid.ULIDGenerator()
        policy = ulid.default_generator.policy
        policy.prev_timestamp, policy.prev_randomness = snapshot
        if refresh:
            snapstart.refresh()
        minted.append(str(ulid.default_generator.generate(millisecond)))
    return minted


def test_refresh_drops_ulid_monotonic_state(restored_state):
    # python-ulid increments the last ULID's random part within one millisecond. A
    # snapshot's last (timestamp, randomness) would be every restored instance's, so two
    # of them minting in that millisecond would mint the same id.
    millisecond = 1_765_000_000_000
    during_init = ulid.ULIDGenerator()
    during_init.generate(millisecond)
    snapshot = (during_init.policy.prev_timestamp, during_init.policy.prev_randomness)
    without = _ulids_after_two_restores(snapshot, False, millisecond)
    with_hook = _ulids_after_two_restores(snapshot, True, millisecond)
    assert without[0] == without[1]
    assert with_hook[0] != with_hook[1]


class _Client:
    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def test_refresh_closes_the_cached_clients_pools_and_keeps_the_clients(restored_state,
                                                                        monkeypatch):
    clients = {"s3": _Client(), "secretsmanager": _Client()}
    monkeypatch.setattr(aws, "_clients", clients)
    snapstart.refresh()
    assert [c.closed for c in clients.values()] == [1, 1]
    assert aws.client("s3") is clients["s3"]  # the same client: its pool refills on use


class _Provider(parameters_base.BaseProvider):
    def _get(self, name, **kwargs):
        return f"value of {name}"

    def _get_multiple(self, path, **kwargs):
        return {}


def test_refresh_clears_cached_secrets(restored_state, monkeypatch):
    provider = _Provider()
    monkeypatch.setitem(parameters_base.DEFAULT_PROVIDERS, "secrets", provider)
    provider.get("signing-keys", max_age=300)  # read during init, cached for 5 minutes
    assert provider.has_not_expired_in_cache(("signing-keys", None, False))
    snapstart.refresh()
    assert not provider.has_not_expired_in_cache(("signing-keys", None, False))


def test_prime_builds_the_clients_even_when_the_settings_are_invalid(monkeypatch):
    # The API stays up with invalid settings (/health says why): priming must not fail it.
    monkeypatch.setattr(aws, "_clients", {})
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.setenv(name, "us-east-1")
    from portrait.config import get_settings

    get_settings.cache_clear()
    monkeypatch.delenv("USERS_TABLE", raising=False)
    try:
        snapstart.prime()
    finally:
        get_settings.cache_clear()
    assert set(snapstart.PRIMED_SERVICES) <= set(aws._clients)
