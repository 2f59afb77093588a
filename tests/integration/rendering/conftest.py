"""A real bedrock-runtime client (the one production builds), answered by
botocore's Stubber. Nothing leaves the process: a request that got as far as
sending would fail the test."""
from __future__ import annotations

import io
import json
from contextlib import contextmanager
from typing import Any, Iterator

import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from portrait.rendering.bedrock_runtime import runtime_client
from tests.conftest import FAKE_AWS, apply_environment

MODEL_ID = "amazon.titan-image-generator-v2:0"


class StubbedBedrock:
    def __init__(self, client: Any) -> None:
        self.client = client
        self.stubber = Stubber(client)
        self.sent: list[dict[str, Any]] = []  # the parameters of each InvokeModel call
        client.meta.events.register("before-parameter-build.bedrock-runtime.InvokeModel",
                                     self._capture)

    def _capture(self, params: dict[str, Any], **_: Any) -> None:
        self.sent.append(dict(params))

    @property
    def body(self) -> dict[str, Any]:
        """The JSON body of the last call, decoded."""
        return json.loads(self.sent[-1]["body"])

    def answer(self, payload: dict[str, Any] | bytes, model_id: str = MODEL_ID) -> None:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.stubber.add_response(
            "invoke_model",
            {"body": StreamingBody(io.BytesIO(raw), len(raw)), "contentType": "application/json"},
            {"modelId": model_id, "body": ANY, "contentType": "application/json",
             "accept": "application/json"})

    def fail(self, code: str, status: int, message: str) -> None:
        self.stubber.add_client_error("invoke_model", service_error_code=code,
                                      service_message=message, http_status_code=status)

    @contextmanager
    def wire_fails_with(self, error: Exception) -> Iterator[None]:
        """Calls fail while sending, as a timeout or a dropped connection would.

        Stubber answers before anything is sent, so it steps aside; the call
        then reaches "before-send", where `error` stands in for the wire."""
        def fail(**_: Any) -> None:
            raise error

        self.stubber.deactivate()
        events = self.client.meta.events
        events.unregister("before-send", _no_network)
        events.register("before-send", fail)
        try:
            yield
        finally:
            events.unregister("before-send", fail)
            events.register_first("before-send", _no_network)
            self.stubber.activate()


def _no_network(request: Any, **_: Any) -> None:
    raise AssertionError(f"a test tried to send {request.method} {request.url}")


@pytest.fixture
def bedrock(monkeypatch):
    apply_environment(monkeypatch, FAKE_AWS)
    runtime_client.cache_clear()
    client = runtime_client("us-east-1", 60)
    client.meta.events.register_first("before-send", _no_network)
    stubbed = StubbedBedrock(client)
    with stubbed.stubber:
        yield stubbed
        stubbed.stubber.assert_no_pending_responses()
    runtime_client.cache_clear()
