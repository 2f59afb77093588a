"""The asynchronous render contract: what a generation submits and what comes back.

Shaped as SageMaker asynchronous inference is, so the model endpoint (a container
behind InvokeEndpointAsync) and the local face renderer (RenderFunction) are
interchangeable:

  request    a RenderJob document in S3; its s3:// location is the invocation's
             InputLocation and the inference id is the generation's id
  output     a RenderOutput document (the PNG, its seed and its likeness figure),
             written under the output path (the render worker names it
             <inference id>.out; SageMaker names its own and says where, both in
             InvokeEndpointAsync's answer and in the notification)
  failure    a RenderError document at <failure path>/<inference id>-error.out
  result     an InferenceResult notification (success or error, SageMaker's JSON),
             delivered to the completion queue; through SNS in AWS, so the body may
             be an SNS envelope around it

Pure: pydantic models and parsing, no AWS.
"""
from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from portrait.sizes import PORTRAIT_SIDES

SCHEMA_VERSION = 1
COMPLETED, FAILED = "Completed", "Failed"  # SageMaker's invocationStatus values
PNG_CONTENT_TYPE = "image/png"
OUTPUT_CONTENT_TYPE = "application/json"  # a RenderOutput


class _Document(BaseModel):
    # defer_build: each side of the contract uses a few of these models (GenerateFunction
    # writes a RenderJob, RenderCompleteFunction reads an InferenceResult); a model's schema
    # is built when first used, so a function never pays at cold start for the others.
    model_config = ConfigDict(defer_build=True)


class FaceBox(_Document):
    """The one face found in the photo, in the photo's pixels (as stored: upright)."""

    left: float
    top: float
    right: float
    bottom: float


class PoseInput(_Document):
    pose_id: str
    name: str
    skeleton: str  # s3:// location of the pose's control image (OpenPose colours on black)
    keypoints: list[list[float]] = Field(min_length=18, max_length=18)  # COCO-18 [x, y, v]


class StyleRecipe(_Document):
    """A portrait.styles preset as the renderer needs it: its look's name and the model's
    prompt recipe."""

    name: str
    prompt: str
    negative_prompt: str
    guidance: float


class RenderJob(_Document):
    """The request document: everything a renderer needs, the images by location."""

    model_config = ConfigDict(extra="ignore")

    schema_version: int = SCHEMA_VERSION
    generation_id: str
    photo: str  # s3:// location of the input photo, metadata stripped
    face: FaceBox
    pose: PoseInput
    style: StyleRecipe
    quality: Literal["sd", "hd"]
    seed: int = Field(ge=0, lt=2**32)  # deterministic per generation

    @property
    def side(self) -> int:
        return PORTRAIT_SIDES[self.quality]


class Invocation(_Document):
    """An InvokeEndpointAsync call's parameters, as the render worker's queue carries them."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    inference_id: str = Field(alias="InferenceId", min_length=1, max_length=64)
    input_location: str = Field(alias="InputLocation")
    endpoint_name: str = Field(alias="EndpointName")
    content_type: str = Field("application/json", alias="ContentType")


class Likeness(_Document):
    """How much the portrait looks like the photo: the cosine similarity of the two faces'
    embeddings (portrait.imaging.likeness), checked on every output."""

    score: float | None  # None: no face where the pose puts the head (not measured)
    threshold: float
    attempts: int = Field(ge=1)  # renders drawn, the last one kept
    method: str


class RenderOutput(_Document):
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


class RenderError(_Document):
    """The failure body a renderer writes: a machine-readable reason and a message a user
    may read (it becomes the generation's error)."""

    reason: str
    message: str


class RequestParameters(_Document):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    endpoint_name: str = Field(alias="endpointName")
    input_location: str = Field(alias="inputLocation")
    content_type: str | None = Field(None, alias="contentType")


class ResponseParameters(_Document):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    content_type: str | None = Field(None, alias="contentType")
    output_location: str | None = Field(None, alias="outputLocation")
    failure_location: str | None = Field(None, alias="failureLocation")


class InferenceResult(_Document):
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
