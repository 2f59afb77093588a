"""Shared fixtures: an AWS-like environment built from template.yaml, and moto.

Resources are created from the template itself (portrait_local), so a test
sees the same table keys and names a deploy would. The fixtures here are not
autouse: tests opt in by naming them.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from tests import moto_transactions

ROOT = Path(__file__).resolve().parents[1]
moto_transactions.install()

# `make test` hands whole files to its workers (one more than cores: three on two) in
# collection order (xdist --dist loadfile --no-loadscope-reorder). The longest files go
# first, so that no worker is left alone with one at the end while the others idle
# (longest-processing-time-first),
# and they alternate between end-to-end files (mostly waiting on a running stack) and
# files that keep a core busy (a `sam build`, 12 MP decodes, fault injection), so the two
# workers overlap waiting with work rather than running two stacks against each other.
# Measured on two cores (pytest --durations); a file missing here runs in its usual place.
LONGEST_FIRST = (
    "tests/e2e/test_event_samples.py", "tests/artifact/test_built_artifact.py",
    "tests/e2e/test_render_flow.py", "tests/unit/imaging/test_peak_memory.py",
    "tests/e2e/test_api_tour.py", "tests/template/test_template_checks.py",
    "tests/e2e/browser/test_web_client.py", "tests/integration/local_stack/test_cli.py",
    "tests/e2e/test_webhooks_flow.py", "tests/integration/generations/test_generation_faults.py",
    "tests/e2e/test_hygiene_cli.py", "tests/integration/generations/test_generation_pipeline.py",
    "tests/e2e/test_races.py", "tests/e2e/browser/test_generations.py",
    "tests/integration/api/test_api_conventions.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: n for n, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
TEMPLATE_PATH = ROOT / "template.yaml"

# argon2 at production cost takes ~0.1 s a hash; tests use the cheapest valid
# parameters (one unit test checks the production defaults instead).
FAST_PASSWORD_HASHING = {
    "PASSWORD_HASH_TIME_COST": "1",
    "PASSWORD_HASH_MEMORY_KIB": "1024",
    "PASSWORD_HASH_PARALLELISM": "1",
}
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
}


def reset_process_caches() -> None:
    """Forget everything cached per process: settings, clients, bindings, secrets.

    Lambda keeps these for a warm container's life; tests switch environments
    and endpoints between cases, so they must start clean each time.
    """
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters import base as parameters_base

    from portrait.config import get_settings
    from portrait.store.aws import reset_clients
    from portrait.store.models import reset_connections

    get_settings.cache_clear()
    reset_clients()
    reset_connections()
    parameters.clear_caches()
    parameters_base.DEFAULT_PROVIDERS.clear()  # providers hold a boto3 client each


@pytest.fixture(scope="session")
def dynamodb_local_engine(tmp_path_factory) -> Iterator[str]:
    """One in-memory DynamoDB Local for the test process (each xdist worker), its URL.
    Started without -sharedDb, it keeps a database per access key: the store tests'
    tables live under "testing", each local stack's under a key of its own
    (portrait_local.dynamodb_local.SharedDynamoDBLocal), so one JVM serves them all
    where each stack used to start its own (~2 CPU-s and ~2 s apiece)."""
    from portrait_local.dynamodb_local import DynamoDBLocal

    log = tmp_path_factory.mktemp("dynamodb-local") / "engine.log"
    engine = DynamoDBLocal(log_path=log, shared_db=False).start()
    try:
        yield engine.endpoint_url
    finally:
        engine.stop()


@pytest.fixture(scope="session")
def template():
    from portrait_local.template import Template

    return Template.load(TEMPLATE_PATH)


def function_test_environment(template, function_id: str) -> dict[str, str]:
    """A function's environment from the template, with fake credentials and fast hashing."""
    return {**template.function_environment(function_id), **FAKE_AWS, **FAST_PASSWORD_HASHING}


def api_function_environment(template) -> dict[str, str]:
    return function_test_environment(template, "ApiFunction")


def load_function_module(template, function_id: str):
    """A template function's handler module, imported as Lambda would (its CodeUri on
    sys.path), under a name of its own: every function's module is called app."""
    import importlib.util
    import sys

    spec_of = template.functions()[function_id]
    module_file, _, _ = spec_of.handler.rpartition(".")
    name = f"portrait_function_{function_id}"
    if name not in sys.modules:
        if str(spec_of.code_uri) not in sys.path:
            sys.path.insert(0, str(spec_of.code_uri))
        spec = importlib.util.spec_from_file_location(name, spec_of.code_uri / f"{module_file}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def empty_tables(template) -> None:
    """Delete every item of the template's tables, in moto's in-process backend (the
    callers run under mock_aws). Through the API, item by item, a seeded catalogue took
    seconds to delete; here no stream record is made either, as none is read."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    tables = dynamodb_backends[DEFAULT_ACCOUNT_ID][template.region].tables
    for logical_id in template.resources_of_type("AWS::DynamoDB::Table"):
        tables[template.physical_name(logical_id)].items.clear()


def apply_environment(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """Set `env`, drop endpoint overrides and profiles from the host, forget cached state."""
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL") or name == "AWS_PROFILE":
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reset_process_caches()


@pytest.fixture
def aws_env(template, monkeypatch) -> Iterator[dict[str, str]]:
    env = api_function_environment(template)
    apply_environment(monkeypatch, env)
    yield env
    reset_process_caches()


def provision_signing_key(template, *, endpoint_url: str | None = None) -> str:
    """What `portrait keys rotate` does: put a fresh ES256 key in the template's secret."""
    import boto3

    from portrait.store.signing_keys import rotate_signing_key

    secret_id = template.physical_id("SigningKeySecret")
    client = boto3.client("secretsmanager", region_name=template.region, endpoint_url=endpoint_url)
    return rotate_signing_key(secret_id, client)


class TableChanges:
    """The domain events the tables' changes mean, for tests on moto (whose in-process
    mock has no DynamoDB Streams): each call compares every item of the tables with
    events against the previous call, as the stream would hand the changes to
    EventPublisherFunction, and maps them with the publisher's own code. Returns every
    (name, payload) so far. A change made and undone between two calls is not seen,
    and several steps of one item come as one; the local stack's real streams (e2e)
    see every step."""

    def __init__(self) -> None:
        from portrait.config import get_settings

        settings = get_settings()
        self.tables = [settings.avatars_table, settings.generations_table, settings.projects_table,
                       settings.media_table, settings.users_table]
        self.seen = {table: self._items(table) for table in self.tables}
        self.events: list[tuple[str, dict]] = []

    @staticmethod
    def _items(table: str) -> dict[str, dict]:
        import json

        from boto3.dynamodb.types import TypeDeserializer

        from portrait.store.aws import client

        plain = TypeDeserializer().deserialize
        items: dict[str, dict] = {}
        for page in client("dynamodb").get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                image = {name: plain(value) for name, value in item.items()}
                key = json.dumps({k: item[k] for k in ("user_id", "avatar_id", "generation_id",
                                                       "project_id", "media_id", "pk") if k in item},
                                 sort_keys=True)
                items[key] = image
        return items

    def __call__(self) -> list[tuple[str, dict]]:
        import uuid

        from portrait import clock
        from portrait.services import domain_events

        for table in self.tables:
            now = self._items(table)
            before = self.seen[table]
            for key in sorted(before.keys() | now.keys()):
                old, new = before.get(key), now.get(key)
                if old == new:
                    continue
                name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
                change = domain_events.Change(event_name=name, old=old, new=new,
                                              record_id=uuid.uuid4().hex, committed_at=clock.now())
                self.events += [(e.detail_type, e.detail())
                                for e in domain_events.events_of(table, change)]
            self.seen[table] = now
        return list(self.events)


@pytest.fixture
def published() -> TableChanges:
    """Call it for the domain events the test's writes mean so far (see TableChanges)."""
    return TableChanges()
