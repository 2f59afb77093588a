"""The answer side of the render contract (portrait.rendering.contract): what a renderer
writes and the completion function reads. A RenderOutput or a RenderError document, and
SageMaker's InferenceResult notification saying which, delivered to the completion queue
(through SNS in AWS, so a body may be an SNS envelope around it).

Pure: pydantic models and parsing, no AWS.
"""
from __future__ import annotations

import json
from typing import Literal

from pydantic import ConfigDict, Field, ValidationError

from portrait.rendering.contract import SCHEMA_VERSION, ContractDocument

COMPLETED, FAILED = "Completed", "Failed"  # SageMaker's invocationStatus values
OUTPUT_CONTENT_TYPE = "application/json"  # a RenderOutput


class Likeness(ContractDocument):
    """How much the portrait looks like the photo: the cosine similarity of the two faces'
    embeddings (portrait.imaging.likeness), checked on every output."""

    score: float | None  # None: no face where the pose puts the head (not measured)
    threshold: float
    attempts: int = Field(ge=1)  # renders drawn, the last one kept
    method: str


class RenderOutput(ContractDocument):
    """The response document: what a renderer drew, and how alike it came out."""

    # Raw bytes in Python, base64 in the JSON (Base64Bytes would decode the raw bytes given).
    model_config = ConfigDict(extra="ignore", ser_json_bytes="base64", val_json_bytes="base64")

    schema_version: int = SCHEMA_VERSION
    image_png: bytes
    width: int
    height: int
    renderer: str  # "face" | "model" | "bedrock"
    model: str | None = None
    seed: int | None  # None: an output from before seeds were reported
    likeness: Likeness | None = None  # None: a renderer that does not use the face (Bedrock)


class RenderError(ContractDocument):
    """The failure body a renderer writes: a machine-readable reason and a message a user
    may read (it becomes the generation's error)."""

    reason: str
    message: str


class RequestParameters(ContractDocument):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    endpoint_name: str = Field(alias="endpointName")
    input_location: str = Field(alias="inputLocation")
    content_type: str | None = Field(None, alias="contentType")


class ResponseParameters(ContractDocument):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    content_type: str | None = Field(None, alias="contentType")
    output_location: str | None = Field(None, alias="outputLocation")
    failure_location: str | None = Field(None, alias="failureLocation")


class InferenceResult(ContractDocument):
    """SageMaker's asynchronous inference notification, success and error alike."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    aws_region: str = Field("", alias="awsRegion")
    event_time: str = Field(alias="eventTime")
    received_time: str | None = Field(None, alias="receivedTime")
    invocation_status: Literal["Completed", "Failed"] = Field(alias="invocationStatus")
    failure_reason: str | None = Field(None, alias="failureReason")
    request_parameters: RequestParameters = Field(alias="requestParameters")
    response_parameters: ResponseParameters = Field(default_factory=ResponseParameters,
                                                    alias="responseParameters")
    inference_id: str = Field(alias="inferenceId")
    event_version: str = Field("1.0", alias="eventVersion")
    event_source: Literal["aws:sagemaker"] = Field("aws:sagemaker", alias="eventSource")
    event_name: Literal["InferenceResult"] = Field("InferenceResult", alias="eventName")

    def body(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_none=True)


class NotANotification(ValueError):
    """A queue message that is not an inference result: dropped, never retried."""


def parse_notification(body: str) -> InferenceResult:
    """The inference result in a queue message's body: SageMaker's JSON, or an SNS
    envelope around it (a subscription without raw message delivery)."""
    try:
        document = json.loads(body)
        if isinstance(document, dict) and document.get("Type") == "Notification":
            document = json.loads(document["Message"])
        return InferenceResult.model_validate(document)
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        raise NotANotification(f"not an inference result: {str(exc)[:300]}") from None
