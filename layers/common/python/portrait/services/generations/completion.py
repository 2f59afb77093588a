"""A render reported back: the inference result (services.generations.render_worker or
a SageMaker endpoint) settles its generation. Success: the output document is checked
(a PNG of the size asked for), the PNG kept at the generation's output key with the
renderer, seed and likeness figure on the generation, and the generation completes;
error: the generation fails, refunded once, with the renderer's reason.

Idempotent: only a generation still processing with this render in flight changes.
A duplicate result, or one that arrives after the deadline sweep failed the render,
changes nothing but clearing the render's own objects.
"""
from __future__ import annotations

from portrait import clock
from portrait.config import get_settings
from portrait.errors import ImageRejected
from portrait.imaging.formats import sniff
from portrait.imaging.validate import Limits, decode
from portrait import metric_catalogue as M
from portrait.observability import emit, logger
from pydantic import ValidationError

from portrait.rendering.results import COMPLETED, InferenceResult, RenderError, RenderOutput
from portrait.services.generations.outcomes import fail_generation
from portrait.sizes import PORTRAIT_SIDES
from portrait.store import generations, keys, objects
from portrait.store.generations import COMPLETED as GENERATION_COMPLETED, PROCESSING, Generation

OUTPUT_LIMITS = Limits(max_bytes=32 * 1024 * 1024, min_side=16, max_side=4096)
_FAILURE_MAX_BYTES = 64 * 1024


def complete_render(result: InferenceResult) -> str:
    """Settle the generation `result` reports on; returns completed | failed | unchanged |
    dropped."""
    located = _locate(result)
    if located is None:
        logger.warning("inference result for no render of ours", extra={
            "inference_id": result.inference_id,
            "input_location": result.request_parameters.input_location[:200]})
        return "dropped"
    request_key, user_id, generation_id = located
    generation = generations.get_generation(user_id, generation_id)
    leftovers = [request_key, *_keys_in_bucket(result, generation)]
    if generation is None or generation.status != PROCESSING \
            or generation.render_id != result.inference_id:
        objects.delete_objects(leftovers)  # settled already: nothing will read them again
        return "dropped" if generation is None else "unchanged"
    if result.invocation_status == COMPLETED:
        outcome = _complete(generation, result)
    else:
        error = _failure_of(result, generation)
        outcome = "failed" if fail_generation(generation, reason=error.reason,
                                              message=error.message,
                                              processing_ms=_elapsed_ms(generation)) else "unchanged"
    objects.delete_objects(leftovers)
    return outcome


def _complete(generation: Generation, result: InferenceResult) -> str:
    side = PORTRAIT_SIDES[generation.quality]
    try:
        rendered = _output(result, side)
    except (ValueError, objects.ObjectMissing, ImageRejected) as exc:
        message = getattr(exc, "message", None) or str(exc)
        logger.warning("render output unusable", extra={"generation_id": generation.generation_id,
                                                        "detail": message[:300]})
        return "failed" if fail_generation(
            generation, reason="invalid_output",
            message="the renderer's image could not be used; your credits are back",
            processing_ms=_elapsed_ms(generation)) else "unchanged"
    png = rendered.image_png
    output_key = keys.generation_output_key(generation.user_id, generation.generation_id)
    objects.put_object(output_key, png, content_type="image/png")
    processing_ms = _elapsed_ms(generation)
    output = {"width": side, "height": side, "bytes": len(png), "renderer": rendered.renderer,
              "style": generation.style or "realistic", "seed": rendered.seed}
    if rendered.model:
        output["model"] = rendered.model
    if rendered.likeness is not None:
        output["likeness"] = rendered.likeness.model_dump()
    if not generations.complete(generation.user_id, generation.generation_id,
                                output_key=output_key, output=output,
                                processing_ms=processing_ms, now_iso=clock.now_iso()):
        current = generations.get_generation(generation.user_id, generation.generation_id)
        if current is None or current.status != GENERATION_COMPLETED:
            objects.delete_objects([output_key])  # failed meanwhile (the deadline sweep)
        return "unchanged"
    # generation.completed comes from the generations stream, once `complete` committed.
    emit(M.GENERATION_COMPLETED)
    emit(M.GENERATION_PROCESSING_TIME, processing_ms)
    logger.info("generation completed", extra={"generation_id": generation.generation_id,
                                               "processing_ms": processing_ms})
    return "completed"


def _locate(result: InferenceResult) -> tuple[str, str, str] | None:
    """(request key, user id, generation id) named by the result's input location."""
    try:
        request_key = objects.key_of_uri(result.request_parameters.input_location)
    except ValueError:
        return None
    ids = keys.parse_render_request_key(request_key)
    return (request_key, *ids) if ids else None


def _keys_in_bucket(result: InferenceResult, generation: Generation | None) -> list[str]:
    """The render's output and failure objects (as the result names them, and as the
    endpoint said at the submit), when they are under renders/ in our bucket (a
    notification never makes this function delete anything else)."""
    found = []
    submitted = (generation.render_output_location, generation.render_failure_location) \
        if generation is not None and generation.render_id == result.inference_id else ()
    for uri in (result.response_parameters.output_location,
                result.response_parameters.failure_location, *submitted):
        try:
            key = objects.key_of_uri(uri or "")
        except ValueError:
            continue  # absent, or not ours to delete
        if key.startswith(keys.RENDERS_PREFIX) and key not in found:
            found.append(key)
    return found


def _output(result: InferenceResult, side: int) -> RenderOutput:
    key = objects.key_of_uri(result.response_parameters.output_location or "")
    if not key.startswith(keys.RENDERS_PREFIX):
        raise ValueError("the output is not under renders/")
    body = objects.read_object(key, max_bytes=OUTPUT_LIMITS.max_bytes * 4 // 3 + 4096).body
    if sniff(body) == "png":  # a bare PNG: what render workers wrote before RenderOutput
        rendered = RenderOutput(image_png=body, width=side, height=side,
                                renderer=get_settings().renderer, seed=None)
    else:
        try:
            rendered = RenderOutput.model_validate_json(body)
        except ValidationError as exc:
            raise ValueError(f"the output is not a render output document: "
                             f"{str(exc)[:200]}") from None
    if sniff(rendered.image_png) != "png":
        raise ValueError("the output's image is not a PNG")
    info = decode(rendered.image_png, OUTPUT_LIMITS).info
    if (info.width, info.height) != (side, side):
        raise ValueError(f"the output is {info.width} x {info.height}, not {side} x {side}")
    return rendered


def _failure_of(result: InferenceResult, generation: Generation) -> RenderError:
    """The renderer's own reason when it wrote one (where the result says, else where
    the endpoint said at the submit), else what the endpoint said."""
    try:
        key = objects.key_of_uri(result.response_parameters.failure_location
                                 or generation.render_failure_location or "")
        return RenderError.model_validate_json(
            objects.read_object(key, max_bytes=_FAILURE_MAX_BYTES).body)
    except (ValueError, objects.ObjectMissing):
        return RenderError(reason="render_failed", message=(
            f"the renderer failed ({(result.failure_reason or 'no reason given')[:300]}); "
            "your credits are back"))


def _elapsed_ms(generation: Generation) -> int:
    """From the photo's claim to now: what the user waited, render included."""
    return clock.ms_since(generation.started_at) if generation.started_at else 0
