"""Renderers: what turns a user's photo and a pose into a portrait image.

One small interface, two implementations, chosen by the RENDERER setting:
  preview  (default) composes the photo's face area and the pose skeleton into
           a card, locally, with no model (portrait.imaging.portrait_card);
  bedrock  asks an Amazon Bedrock image model, the skeleton as its control
           image (portrait.rendering.bedrock).

Every failure is a RenderFailed with a machine-readable reason; `retryable`
says whether the job should go back to the queue or be failed and refunded.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from portrait.errors import RenderFailed
from portrait.poses.keypoints import COUNT as KEYPOINTS
from portrait.sizes import PORTRAIT_SIDES

Quality = Literal["sd", "hd"]
OUTPUT_SIDES: dict[str, int] = PORTRAIT_SIDES  # every renderer answers 512 (sd) or 1024 (hd) square


@dataclass(frozen=True)
class RenderRequest:
    photo: bytes  # the user's validated input image: JPEG, PNG, WebP or GIF
    skeleton_png: bytes  # the pose: OpenPose-style coloured limbs on black, square
    keypoints: list[list[float]]  # 18 x [x, y, v], shares of the skeleton, COCO-18 order
    quality: Quality
    seed: int  # deterministic per generation
    prompt_hint: str | None = None

    def __post_init__(self) -> None:
        # A malformed pose record fails the job for good (refunded), not on every retry.
        if self.quality not in OUTPUT_SIDES:
            raise RenderFailed("invalid_input", f"quality must be sd or hd, not {self.quality!r}")
        if len(self.keypoints) != KEYPOINTS or any(len(p) != 3 for p in self.keypoints):
            raise RenderFailed("invalid_input",
                               f"keypoints must be {KEYPOINTS} triples [x, y, v] (COCO-18)")

    @property
    def side(self) -> int:
        return OUTPUT_SIDES[self.quality]


@dataclass(frozen=True)
class RenderedImage:
    png: bytes
    width: int
    height: int
    renderer: str  # the Renderer's name: "preview" | "bedrock"
    model: str | None  # the model id, when a model drew it


class Renderer(Protocol):
    name: str

    def render(self, request: RenderRequest) -> RenderedImage: ...
