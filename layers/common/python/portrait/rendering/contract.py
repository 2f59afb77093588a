"""The asynchronous render contract: what a generation submits and what comes back.

Shaped as SageMaker asynchronous inference is, so the model endpoint (a container
behind InvokeEndpointAsync) and the local face renderer (RenderFunction) are
interchangeable:

This module is the request side (what a generation writes); rendering/results.py the
answer side (what a renderer writes and the completion function reads):

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

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from portrait.sizes import PORTRAIT_SIDES

SCHEMA_VERSION = 1


class ContractDocument(BaseModel):
    # defer_build: each side of the contract uses a few of these models (GenerateFunction
    # writes a RenderJob, RenderCompleteFunction reads an InferenceResult); a model's schema
    # is built when first used, so a function never pays at cold start for the others.
    # (The answer side is in rendering/results.py: even unbuilt, a model class costs
    # ~3 M instructions to define, and the generation side never reads an answer.)
    model_config = ConfigDict(defer_build=True)


class FaceBox(ContractDocument):
    """The one face found in the photo, in the photo's pixels (as stored: upright)."""

    left: float
    top: float
    right: float
    bottom: float


class PoseInput(ContractDocument):
    pose_id: str
    name: str
    skeleton: str  # s3:// location of the pose's control image (OpenPose colours on black)
    keypoints: list[list[float]] = Field(min_length=18, max_length=18)  # COCO-18 [x, y, v]


class StyleRecipe(ContractDocument):
    """A portrait.styles preset as the renderer needs it: its look's name and the model's
    prompt recipe."""

    name: str
    prompt: str
    negative_prompt: str
    guidance: float


class RenderJob(ContractDocument):
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


class Invocation(ContractDocument):
    """An InvokeEndpointAsync call's parameters, as the render worker's queue carries them."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    inference_id: str = Field(alias="InferenceId", min_length=1, max_length=64)
    input_location: str = Field(alias="InputLocation")
    endpoint_name: str = Field(alias="EndpointName")
    content_type: str = Field("application/json", alias="ContentType")
