"""Search test helpers, in-process: the portfolio routes, IndexFunction fed the events the bus would
forward (built from the stored projects as EventPublisherFunction builds them), and
the embedded engine in a folder of the test's own."""
from __future__ import annotations

import json
import uuid
from typing import Iterator

import pytest

from portrait.config import get_settings
from portrait.search import engine
from portrait.services.portfolio.project_payload import project_detail
from portrait.store.portfolio import projects
from tests.conftest import load_function_module
from tests.integration.api.http_events import LambdaContext


@pytest.fixture
def site(portfolio, tmp_path, monkeypatch) -> Iterator:
    """The portfolio with search on the embedded engine, in this test's own folder."""
    monkeypatch.setenv("SEARCH_ENGINE", "tantivy")
    monkeypatch.setenv("SEARCH_INDEX_DIR", str(tmp_path / "search"))
    get_settings.cache_clear()
    engine.cache_clear()
    yield portfolio
    engine.cache_clear()


def bus_message(detail_type: str, detail: dict) -> dict:
    """One SQS record holding an EventBridge event, as SearchEventsRule delivers it."""
    event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type,
             "source": "portrait", "account": "123456789012", "time": "2026-12-02T12:00:00Z",
             "region": "us-east-1", "resources": [], "detail": detail}
    return {"messageId": str(uuid.uuid4()), "receiptHandle": "r", "body": json.dumps(event),
            "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
            "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:portrait-local-SearchIndexQueue",
            "awsRegion": "us-east-1"}


def project_event(project_id: str, kind: str = "project.updated") -> dict:
    return bus_message(kind, project_detail(projects.get_project(project_id)))


def index(site, records: list[dict]) -> dict:
    handler = load_function_module(site.template, "IndexFunction").lambda_handler
    return handler({"Records": records}, LambdaContext(function_name="portrait-local-IndexFunction"))
