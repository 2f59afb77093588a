"""The rendering port: how a generation's portrait gets drawn.

Two sides, because rendering is asynchronous (portrait.rendering.contract):

  RenderEndpoint  where a generation submits a render and returns at once: the
                  render worker's queue (QueueEndpoint: the local face renderer or
                  Bedrock, run by RenderFunction); next, a SageMaker async endpoint.
  Renderer        what draws one portrait from bytes, inside the render worker:
                  FaceRenderer (the user's face on a figure in the pose, CPU) or
                  BedrockRenderer (an image model posed by the skeleton, no likeness).

Every failure is a RenderFailed with a machine-readable reason; `retryable` says
whether the render should be tried again or reported as failed (and refunded).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from portrait.errors import RenderFailed
from portrait.poses.keypoints import COUNT as KEYPOINTS
from portrait.sizes import PORTRAIT_SIDES
from portrait.styles import DEFAULT_STYLE, STYLES

if TYPE_CHECKING:  # the renderers' answer: a generation, which only submits, never loads it
    from portrait.rendering.results import Likeness

Quality = Literal["sd", "hd"]
OUTPUT_SIDES: dict[str, int] = PORTRAIT_SIDES  # every renderer answers 512 (sd) or 1024 (hd) square


@dataclass(frozen=True)
class RenderRequest:
    photo: bytes  # the user's validated input image: JPEG, PNG, WebP or GIF, upright
    skeleton_png: bytes  # the pose: OpenPose-style coloured limbs on black, square
    keypoints: list[list[float]]  # 18 x [x, y, v], shares of the skeleton, COCO-18 order
    quality: Quality
    seed: int  # deterministic per generation
    face: tuple[float, float, float, float] | None = None  # left, top, right, bottom in photo px
    style: str = DEFAULT_STYLE  # a portrait.styles preset
    prompt: str | None = None  # the preset's prompt for this pose (model renderers)
    negative_prompt: str | None = None

    def __post_init__(self) -> None:
        # A malformed request fails the render for good (refunded), not on every retry.
        if self.quality not in OUTPUT_SIDES:
            raise RenderFailed("invalid_input", f"quality must be sd or hd, not {self.quality!r}")
        if len(self.keypoints) != KEYPOINTS or any(len(p) != 3 for p in self.keypoints):
            raise RenderFailed("invalid_input",
                               f"keypoints must be {KEYPOINTS} triples [x, y, v] (COCO-18)")
        if self.style not in STYLES:
            raise RenderFailed("invalid_input", f"no style preset {self.style!r}")

    @property
    def side(self) -> int:
        return OUTPUT_SIDES[self.quality]


@dataclass(frozen=True)
class RenderedImage:
    png: bytes
    width: int
    height: int
    renderer: str  # the Renderer's name: "face" | "bedrock"
    model: str | None  # the model id, when a model drew it
    seed: int | None = None  # the seed of the render kept (a likeness retry draws another)
    likeness: Likeness | None = None  # None: the renderer does not use the face


class Renderer(Protocol):
    name: str

    def render(self, request: RenderRequest) -> RenderedImage: ...


@dataclass(frozen=True)
class Submitted:
    """Where the endpoint will write the render's answer (InvokeEndpointAsync returns
    both): kept on the generation, so a failure notification that does not say where its
    error document is can still be read, and every render object cleared."""

    output_location: str
    failure_location: str


class RenderEndpoint(Protocol):
    """InvokeEndpointAsync's shape: the request document is already at `input_location`;
    the result comes back as an InferenceResult notification, never as a return value.
    `priority`: a paid-for faster lane, where the endpoint has one."""

    name: str

    def submit(self, *, inference_id: str, input_location: str,
               priority: bool = False) -> Submitted: ...
