"""Amazon Bedrock runtime: one InvokeModel call, its failures as RenderFailed.

What a failure means for the job decides the reason:
  retryable (the queue redelivers; nothing was produced, nothing charged twice)
    throttled    ThrottlingException, ServiceQuotaExceededException
    unavailable  InternalServerException, ServiceUnavailableException,
                 ModelNotReadyException, a lost connection
    timeout      ModelTimeoutException, a connect or read timeout
  permanent (the pipeline fails the generation and refunds)
    content_filtered  Bedrock's content filters refused the prompt or image
    model_error       any other refusal: bad request, access denied, no such
                      model, the model's own error
    invalid_response  the answer is not the JSON object the model promises

The client makes one attempt per call (no botocore retries): an image model
call is slow and billed, a hidden retry of a read timeout could pay twice for
one picture, and SQS already retries with backoff and a dead-letter queue.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from portrait.errors import RenderFailed
from portrait.store.service_data import new_session

JSON = "application/json"
_RETRYABLE_CODES = {
    "ThrottlingException": "throttled",
    "ServiceQuotaExceededException": "throttled",
    "InternalServerException": "unavailable",
    "ServiceUnavailableException": "unavailable",
    "ModelNotReadyException": "unavailable",
    "ModelTimeoutException": "timeout",
}
# Bedrock's wording, for the prompt ("...blocked by our content filters") and
# for the output; ValidationException carries both.
CONTENT_FILTERED = re.compile(r"content filter", re.IGNORECASE)


@lru_cache(maxsize=4)
def runtime_client(region: str, read_timeout: int) -> Any:
    """A bedrock-runtime client for `region`, kept for the process's life."""
    config = Config(retries={"mode": "standard", "total_max_attempts": 1},
                    connect_timeout=5, read_timeout=read_timeout)
    return boto3.session.Session(botocore_session=new_session()).client(
        "bedrock-runtime", region_name=region, config=config)


def invoke_json(client: Any, model_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST `body` as JSON to the model; the JSON object it answers."""
    try:
        response = client.invoke_model(modelId=model_id, body=json.dumps(body).encode(),
                                       contentType=JSON, accept=JSON)
        raw = response["body"].read()
    except ClientError as exc:
        raise _from_client_error(exc, model_id) from None
    except (ReadTimeoutError, ConnectTimeoutError) as exc:
        raise RenderFailed("timeout", f"{model_id} did not answer in time: {exc}",
                           retryable=True, model=model_id) from None
    except (EndpointConnectionError, ConnectionClosedError, ResponseStreamingError) as exc:
        raise RenderFailed("unavailable", f"the connection to Bedrock failed: {exc}",
                           retryable=True, model=model_id) from None
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise RenderFailed("invalid_response", f"{model_id} did not answer a JSON object",
                           model=model_id)
    return answer


def _from_client_error(exc: ClientError, model_id: str) -> RenderFailed:
    error = exc.response.get("Error", {})
    code, message = error.get("Code", ""), error.get("Message", "")
    request_id = exc.response.get("ResponseMetadata", {}).get("RequestId")
    details = {"model": model_id, "aws_code": code, "request_id": request_id}
    if code in _RETRYABLE_CODES:
        return RenderFailed(_RETRYABLE_CODES[code], f"{code}: {message}", retryable=True, **details)
    if code == "ValidationException" and CONTENT_FILTERED.search(message):
        return RenderFailed("content_filtered", message, **details)
    return RenderFailed("model_error", f"{code}: {message}", **details)
