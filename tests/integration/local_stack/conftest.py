"""The local stack's parts against the fixture template (tests/fixtures/local_stack).

moto runs as its own process here (not in the test process), so the other
suites' in-process `mock_aws()` resets can never wipe these resources.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import boto3
import pytest
import requests

ROOT = Path(__file__).resolve().parents[3]
FIXTURE_DIR = ROOT / "tests" / "fixtures" / "local_stack"
FIXTURE_TEMPLATE = FIXTURE_DIR / "template.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], Any], timeout: float = 10, interval: float = 0.1) -> Any:
    """Poll until `predicate()` is truthy (returning it); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                    "-p", str(port)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{url}/moto-api/", timeout=1).status_code == 200
        except requests.RequestException:
            return process.poll() is not None  # died: fall through to the assertion

    wait_for(up, timeout=30)
    assert process.poll() is None, log.read_text()
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def aws(moto_endpoint) -> Callable[[str], Any]:
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = boto3.client(
                service, region_name="us-east-1", endpoint_url=moto_endpoint,
                aws_access_key_id="testing", aws_secret_access_key="testing")
        return clients[service]
    return client


@pytest.fixture(scope="session")
def stack_template(moto_endpoint):
    from portrait_local.resources import create_resources
    from portrait_local.template import Template

    template = Template.load(FIXTURE_TEMPLATE, stack_name="fixture")
    create_resources(template, endpoint_url=moto_endpoint)
    return template


@pytest.fixture(scope="session")
def runtime(stack_template, moto_endpoint, tmp_path_factory):
    from portrait_local.runtime import Runtime

    runtime = Runtime(stack_template, endpoint_url=moto_endpoint,
                      log_dir=tmp_path_factory.mktemp("function-logs"))
    yield runtime
    runtime.close()


class Recorder:
    """What the fixture functions wrote to RecordsTable."""

    def __init__(self, aws, template) -> None:
        self.aws, self.template = aws, template
        self.table = template.physical_id("RecordsTable")

    def events(self, function_id: str) -> list[dict]:
        name = self.template.functions()[function_id].name
        items, kwargs = [], {}
        while True:
            page = self.aws("dynamodb").query(
                TableName=self.table, KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": name}}, **kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [json.loads(item["event"]["S"]) for item in items]

    def clear(self, function_id: str) -> None:
        name = self.template.functions()[function_id].name
        page = self.aws("dynamodb").query(
            TableName=self.table, KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": name}})
        for item in page["Items"]:
            self.aws("dynamodb").delete_item(TableName=self.table,
                                             Key={"pk": item["pk"], "sk": item["sk"]})


@pytest.fixture
def recorder(aws, stack_template) -> Recorder:
    return Recorder(aws, stack_template)


@pytest.fixture
def invocations() -> list[tuple]:
    """Collects the pollers' one-line reports instead of printing them."""
    return []


@pytest.fixture
def report(invocations):
    def collect(function_id, source, duration_ms, outcome):
        invocations.append((function_id, source, outcome))
    return collect
