"""Renderers: what turns a user's photo and a pose into a portrait image.

One small interface, two implementations, chosen by the RENDERER setting:
  preview  (default) composes the photo's face area and the pose skeleton into
           a card, locally, with no model (portrait.imaging.portrait_card);
  bedrock  asks an Amazon Bedrock image model, the skeleton as its control
           image (portrait.services.bedrock_renderer).

Every failure is a RenderFailed with a machine-readable reason; `retryable`
says whether the job should go back to the queue or be failed and refunded.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from portrait.config import Settings
from portrait.errors import ImageRejected, RenderFailed
from portrait.imaging.portrait_card import CARD_SIDES, KEYPOINTS, portrait_card_png

Quality = Literal["sd", "hd"]
OUTPUT_SIDES: dict[str, int] = CARD_SIDES  # both renderers answer 512 (sd) or 1024 (hd) square


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


class PreviewRenderer:
    """The local portrait card: deterministic, no model, no network."""

    name = "preview"

    def render(self, request: RenderRequest) -> RenderedImage:
        try:
            png = portrait_card_png(request.photo, request.skeleton_png, request.keypoints,
                                    request.side)
        except ImageRejected as exc:
            raise RenderFailed("invalid_input", f"an input image cannot be used: {exc.message}",
                               image_reason=exc.reason) from None
        except ValueError as exc:  # keypoints that are not finite numbers
            raise RenderFailed("invalid_input", str(exc)) from None
        return RenderedImage(png=png, width=request.side, height=request.side,
                             renderer=self.name, model=None)


def get_renderer(settings: Settings) -> Renderer:
    """The renderer the RENDERER setting names."""
    if settings.renderer == "bedrock":
        # Imported here: bedrock_renderer builds on this module's types.
        from portrait.services.bedrock_renderer import bedrock_renderer

        return bedrock_renderer(settings)
    return PreviewRenderer()
