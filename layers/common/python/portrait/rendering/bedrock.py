"""Portraits drawn by an Amazon Bedrock image model, posed by the skeleton.

The request is Amazon Titan Image Generator v2's TEXT_IMAGE task with image
conditioning (Amazon Nova Canvas takes the same body, so BEDROCK_MODEL_ID may
name either):

    {"taskType": "TEXT_IMAGE",
     "textToImageParams": {"text", "negativeText", "conditionImage" (base64 PNG),
                           "controlMode": "CANNY_EDGE", "controlStrength"},
     "imageGenerationConfig": {"numberOfImages": 1, "quality", "width", "height",
                               "cfgScale", "seed"}}

sd asks for 512 x 512 at "standard" quality, hd for 1024 x 1024 at "premium".

Why CANNY_EDGE: Titan has no OpenPose mode; it either follows the edges it
finds in the condition image (CANNY_EDGE) or reads it as a map of object
regions (SEGMENTATION). The skeleton's limbs are hard, bright edges on black,
so their outlines come through as the figure's layout; as segments, thin
limb strokes are slivers, not a body. Titan follows contours, not joints, so
a strong control can draw the stick figure itself: the negative prompt names
it and the control strength stays at Titan's 0.7 unless BEDROCK_CONTROL_STRENGTH
says otherwise.

The words are the style preset's prompt recipe (portrait.styles).

Likeness: TEXT_IMAGE takes no reference photo, and IMAGE_VARIATION, which
does, takes no control image; one call cannot honour both. The pose is the
product, so the portrait is of a person in that pose, not of the user, and
the user's photo is not sent to Bedrock at all.

The answer is trusted only after its image decodes, as a PNG of exactly the
size asked for. Its bytes are then kept as Bedrock sent them, so whatever
provenance the service embeds (its watermark, content credentials) stays.
"""
from __future__ import annotations

import base64
import binascii
import io
from typing import Any

from PIL import Image

from portrait.config import Settings
from portrait.errors import ImageRejected, RenderFailed
from portrait.imaging.formats import sniff
from portrait.imaging.validate import Limits, decode
from portrait.rendering.port import RenderedImage, RenderRequest
from portrait.rendering.bedrock_runtime import CONTENT_FILTERED, invoke_json, runtime_client

PROMPT = "portrait photo of the person, full body in this pose, natural light, sharp focus"
NEGATIVE_PROMPT = ("stick figure, skeleton, lines, diagram, text, watermark, blurry, "
                   "deformed hands, extra limbs")
MAX_PROMPT_CHARS = 512  # Titan's limit for text and negativeText
QUALITY = {"sd": "standard", "hd": "premium"}
CFG_SCALE = 8.0  # Titan's default prompt adherence
MAX_SEED = 2_147_483_646  # Titan's seed range is 0..2^31-2
CONTROL_MODE = "CANNY_EDGE"
SKELETON_LIMITS = Limits(max_bytes=8 * 1024 * 1024, min_side=16, max_side=4096)
_ANSWER_LIMITS = Limits(max_bytes=32 * 1024 * 1024, min_side=16, max_side=4096)


class BedrockRenderer:
    name = "bedrock"

    def __init__(self, client: Any, model_id: str, control_strength: float = 0.7) -> None:
        self.client = client
        self.model_id = model_id
        self.control_strength = control_strength

    def render(self, request: RenderRequest) -> RenderedImage:
        answer = invoke_json(self.client, self.model_id, self.request_body(request))
        png = self._image_of(answer, request.side)
        return RenderedImage(png=png, width=request.side, height=request.side,
                             renderer=self.name, model=self.model_id)

    def request_body(self, request: RenderRequest) -> dict[str, Any]:
        side = request.side
        return {
            "taskType": "TEXT_IMAGE",
            "textToImageParams": {
                "text": prompt_for(request.prompt),
                "negativeText": negative_prompt_for(request.negative_prompt),
                "conditionImage": base64.b64encode(condition_image(request.skeleton_png, side))
                .decode("ascii"),
                "controlMode": CONTROL_MODE,
                "controlStrength": self.control_strength,
            },
            "imageGenerationConfig": {
                "numberOfImages": 1,
                "quality": QUALITY[request.quality],
                "width": side,
                "height": side,
                "cfgScale": CFG_SCALE,
                "seed": request.seed % (MAX_SEED + 1),
            },
        }

    def _image_of(self, answer: dict[str, Any], side: int) -> bytes:
        if answer.get("error"):  # Titan names a filtered output here, with no image
            message = str(answer["error"])
            reason = "content_filtered" if CONTENT_FILTERED.search(message) else "model_error"
            raise RenderFailed(reason, message, model=self.model_id)
        images = answer.get("images")
        if not isinstance(images, list) or not images or not isinstance(images[0], str):
            raise self._invalid("the answer holds no image")
        try:
            png = base64.b64decode(images[0], validate=True)
        except (binascii.Error, ValueError):
            raise self._invalid("the image is not valid base64") from None
        if sniff(png) != "png":
            raise self._invalid("the image is not a PNG")
        try:
            size = decode(png, _ANSWER_LIMITS).info
        except ImageRejected as exc:
            raise self._invalid(f"the image does not decode: {exc.message}") from None
        if (size.width, size.height) != (side, side):
            raise self._invalid(f"the image is {size.width} x {size.height}, not {side} x {side}")
        return png

    def _invalid(self, message: str) -> RenderFailed:
        return RenderFailed("invalid_response", f"{self.model_id}: {message}", model=self.model_id)


def prompt_for(style_prompt: str | None) -> str:
    """The style preset's prompt for the pose (portrait.styles), else the fixed one."""
    text = " ".join((style_prompt or "").split()) or PROMPT  # no newlines from a record
    return text[:MAX_PROMPT_CHARS]


def negative_prompt_for(style_negative: str | None) -> str:
    """The skeleton's own negatives first (Titan must not draw the stick figure), then
    the preset's."""
    text = " ".join(f"{NEGATIVE_PROMPT}, {style_negative or ''}".split()).rstrip(", ")
    return text[:MAX_PROMPT_CHARS]


def condition_image(skeleton_png: bytes, side: int) -> bytes:
    """The skeleton as an RGB PNG of the output's size: a control image of the
    picture's own shape lines the pose up with it, and carries no alpha."""
    try:
        skeleton = decode(skeleton_png, SKELETON_LIMITS).image.convert("RGB")
    except ImageRejected as exc:
        raise RenderFailed("invalid_input", f"the pose skeleton cannot be used: {exc.message}",
                           image_reason=exc.reason) from None
    if skeleton.size != (side, side):
        skeleton = skeleton.resize((side, side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    out = io.BytesIO()
    skeleton.save(out, "PNG", compress_level=6)
    return out.getvalue()


def bedrock_renderer(settings: Settings) -> BedrockRenderer:
    client = runtime_client(settings.bedrock_region or settings.region,
                            settings.render_timeout_seconds)
    return BedrockRenderer(client, settings.bedrock_model_id, settings.bedrock_control_strength)
