"""The bedrock renderer against a stubbed bedrock-runtime: the exact request
Titan Image Generator v2 gets, what its answers become, and how each failure
is classed (retry through the queue, or fail and refund)."""
from __future__ import annotations

import base64
import io

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from PIL import Image

from portrait.config import get_settings
from portrait.errors import RenderFailed
from portrait.rendering.bedrock import NEGATIVE_PROMPT, PROMPT, BedrockRenderer
from portrait.styles import STYLES
from portrait.rendering import RenderRequest, get_renderer
from portrait.rendering.bedrock_runtime import runtime_client
from tests.unit.rendering.poses import STANDING, png, skeleton_png
from tests.unit.test_settings import env  # noqa: F401 (fixture: required settings only)

from .conftest import MODEL_ID

SKELETON = skeleton_png(STANDING, side=768)


ANIME = STYLES["anime"]


def request(quality: str = "sd", seed: int = 42, prompt: str | None = None) -> RenderRequest:
    """A request in the anime style, its prompt the preset's for the pose "arms crossed"."""
    return RenderRequest(photo=b"never sent", skeleton_png=SKELETON, keypoints=STANDING,
                         quality=quality, seed=seed, style="anime",
                         prompt=prompt or ANIME.prompt_for("arms crossed"),
                         negative_prompt=ANIME.negative_prompt)


def model_png(side: int, colour=(90, 120, 150)) -> bytes:
    return png(Image.new("RGB", (side, side), colour))


def answer_with(data: bytes) -> dict:
    return {"images": [base64.b64encode(data).decode()], "error": None}


@pytest.mark.parametrize("quality, side, tier", [("sd", 512, "standard"), ("hd", 1024, "premium")])
def test_the_request_is_titan_text_image_conditioned_on_the_skeleton(bedrock, quality, side,
                                                                      tier) -> None:
    output = model_png(side)
    bedrock.answer(answer_with(output))
    result = BedrockRenderer(bedrock.client, MODEL_ID).render(request(quality))

    sent = bedrock.sent[-1]
    assert (sent["modelId"], sent["contentType"], sent["accept"]) == (
        MODEL_ID, "application/json", "application/json")
    body = bedrock.body
    condition = body["textToImageParams"].pop("conditionImage")
    assert body == {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {
            "text": ANIME.prompt_for("arms crossed"),
            "negativeText": f"{NEGATIVE_PROMPT}, {ANIME.negative_prompt}"[:512],
            "controlMode": "CANNY_EDGE",
            "controlStrength": 0.7,
        },
        "imageGenerationConfig": {"numberOfImages": 1, "quality": tier, "width": side,
                                  "height": side, "cfgScale": 8.0, "seed": 42},
    }
    # The control image is the skeleton itself, at the picture's size, RGB, no alpha.
    with Image.open(io.BytesIO(base64.b64decode(condition, validate=True))) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", (side, side))
        skeleton = Image.open(io.BytesIO(SKELETON)).resize((side, side), Image.Resampling.LANCZOS)
        assert image.tobytes() == skeleton.tobytes()

    assert (result.png, result.width, result.height) == (output, side, side)
    assert (result.renderer, result.model) == ("bedrock", MODEL_ID)


def test_the_seed_fits_titans_range_and_the_prompt_is_tidied(bedrock) -> None:
    bedrock.answer(answer_with(model_png(512)))
    BedrockRenderer(bedrock.client, MODEL_ID, control_strength=0.4).render(
        request(seed=2**40 + 5, prompt="  studio\n\nlight " + "x" * 600))
    params = bedrock.body["textToImageParams"]
    assert bedrock.body["imageGenerationConfig"]["seed"] == (2**40 + 5) % 2_147_483_647
    assert params["text"].startswith("studio light x") and len(params["text"]) == 512
    assert params["controlStrength"] == 0.4

    bedrock.answer(answer_with(model_png(512)))
    BedrockRenderer(bedrock.client, MODEL_ID).render(RenderRequest(  # no preset's prompt
        photo=b"", skeleton_png=SKELETON, keypoints=STANDING, quality="sd", seed=1))
    assert bedrock.body["textToImageParams"]["text"] == PROMPT
    assert bedrock.body["textToImageParams"]["negativeText"] == NEGATIVE_PROMPT


@pytest.mark.parametrize("code, status, message, reason, retryable", [
    ("ThrottlingException", 429, "Too many requests", "throttled", True),
    ("ServiceQuotaExceededException", 400, "Quota exceeded", "throttled", True),
    ("ModelTimeoutException", 408, "Model timed out", "timeout", True),
    ("ServiceUnavailableException", 503, "Unavailable", "unavailable", True),
    ("InternalServerException", 500, "Internal error", "unavailable", True),
    ("ModelNotReadyException", 429, "Model is not ready", "unavailable", True),
    ("ValidationException", 400, "This request has been blocked by our content filters.",
     "content_filtered", False),
    ("ValidationException", 400, "Malformed input request: seed out of range", "model_error",
     False),
    ("AccessDeniedException", 403, "You don't have access to the model", "model_error", False),
    ("ResourceNotFoundException", 404, "Could not resolve the foundation model", "model_error",
     False),
    ("ModelErrorException", 424, "The model failed", "model_error", False),
])
def test_service_errors_become_reasons(bedrock, code, status, message, reason,
                                       retryable) -> None:
    bedrock.fail(code, status, message)
    with pytest.raises(RenderFailed) as caught:
        BedrockRenderer(bedrock.client, MODEL_ID).render(request())
    failure = caught.value
    assert (failure.code, failure.reason, failure.retryable) == ("render_failed", reason,
                                                                 retryable)
    assert failure.details["aws_code"] == code and failure.details["model"] == MODEL_ID


def test_a_filtered_output_is_content_filtered(bedrock) -> None:
    bedrock.answer({"images": [], "error": "The generated image(s) have been blocked by our "
                                           "content filters."})
    with pytest.raises(RenderFailed) as caught:
        BedrockRenderer(bedrock.client, MODEL_ID).render(request())
    assert (caught.value.reason, caught.value.retryable) == ("content_filtered", False)


@pytest.mark.parametrize("payload", [
    b"<html>gateway</html>",
    b"[]",
    {},
    {"images": []},
    {"images": [42]},
    {"images": ["not base64 at all!"]},
    answer_with(b"\xff\xd8\xff\xe0 a JPEG is not what Titan answers"),
    answer_with(model_png(256)),  # the wrong size
    answer_with(model_png(512)[:300]),  # truncated
], ids=["html", "list", "empty", "no-images", "not-a-string", "bad-base64", "jpeg", "256px",
        "truncated"])
def test_a_malformed_answer_is_an_invalid_response(bedrock, payload) -> None:
    bedrock.answer(payload)
    with pytest.raises(RenderFailed) as caught:
        BedrockRenderer(bedrock.client, MODEL_ID).render(request())
    assert (caught.value.reason, caught.value.retryable) == ("invalid_response", False)


@pytest.mark.parametrize("error, reason", [
    (ReadTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"), "timeout"),
    (EndpointConnectionError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"),
     "unavailable"),
])
def test_transport_failures_are_retryable(bedrock, error, reason) -> None:
    with bedrock.wire_fails_with(error), pytest.raises(RenderFailed) as caught:
        BedrockRenderer(bedrock.client, MODEL_ID).render(request())
    assert (caught.value.reason, caught.value.retryable) == (reason, True)
    assert len(bedrock.sent) == 1  # one attempt: the queue, not botocore, retries


def test_a_bad_skeleton_fails_before_any_call(bedrock) -> None:
    broken = RenderRequest(photo=b"", skeleton_png=b"GIF89a...", keypoints=STANDING,
                           quality="sd", seed=1)
    with pytest.raises(RenderFailed) as caught:
        BedrockRenderer(bedrock.client, MODEL_ID).render(broken)
    assert caught.value.reason == "invalid_input" and bedrock.sent == []


def test_the_setting_picks_bedrock_with_its_region_and_timeout(env, monkeypatch) -> None:  # noqa: F811
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    env.setenv("RENDERER", "bedrock")
    env.setenv("AWS_REGION", "eu-west-1")
    env.setenv("RENDER_TIMEOUT_SECONDS", "90")
    runtime_client.cache_clear()
    try:
        renderer = get_renderer(get_settings())
        assert isinstance(renderer, BedrockRenderer) and renderer.name == "bedrock"
        assert renderer.model_id == MODEL_ID
        assert renderer.client.meta.region_name == "eu-west-1"
        assert renderer.client.meta.config.read_timeout == 90
        assert renderer.client.meta.config.retries["total_max_attempts"] == 1

        env.setenv("BEDROCK_REGION", "us-west-2")
        get_settings.cache_clear()
        assert get_renderer(get_settings()).client.meta.region_name == "us-west-2"
    finally:
        runtime_client.cache_clear()
