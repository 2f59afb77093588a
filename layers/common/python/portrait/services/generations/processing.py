"""Running a generation: the input photo arrived under tmp/generations/; validate it,
render the portrait, keep both, settle the record, clean up.

Idempotent like the avatar processor: Powertools remembers each finished
upload (bucket + key + etag), and every state change is conditional, so a
repeat that slips past the record changes nothing. A generation that is not
pending is left alone, except by the delivery that claimed it (same etag),
which may pick it up again after a crash or a retryable render error.

Every way of not producing a portrait (an invalid photo, a renderer that
refuses, a render that would outlive the invocation, retryable errors that
outlast GENERATION_RENDER_ATTEMPTS deliveries) ends the generation failed,
refunded once, with the reason recorded.
"""
from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor, TimeoutError as RenderTimeout
from dataclasses import dataclass
from typing import Callable

from portrait import clock
from portrait.events import GenerationCompleted
from portrait.config import get_settings
from portrait.errors import ImageRejected, RenderFailed
from portrait.imaging.stripped import StrippedImage, stripped_copy
from portrait.imaging.validate import Limits, check_size
from portrait.s3_events import UploadedObject
from portrait.observability import MetricUnit, logger, metrics

from portrait.services.generations.outcomes import fail_generation
from portrait.rendering import OUTPUT_SIDES, RenderedImage, RenderRequest, get_renderer
from portrait.services.uploads import issued_upload, read_upload
from portrait.store import events, generations, keys, objects, poses
from portrait.store.generations import Generation
from portrait.store.idempotency import once_per_upload, register_lambda_context

__all__ = ["GenerationUpload", "GenerationOutcome", "process_generation_upload",
           "register_lambda_context"]

# Kept back from the invocation's remaining time for the writes after the render
# (two puts, a transaction, a delete, an event): a render that needs more fails now,
# refunded, rather than be killed by the timeout and leave the generation processing.
FINISH_RESERVE_MS = 5_000
_SKELETON_MAX_BYTES = 2 * 1024 * 1024
_PNG = b"\x89PNG\r\n\x1a\n"
# Why a photo cannot make a portrait of one person (failed at once, credits back).
NO_FACE, SEVERAL_FACES = "no_face", "several_faces"


GenerationUpload = UploadedObject  # one ObjectCreated notification, its key URL-decoded


@dataclass(frozen=True)
class GenerationOutcome:
    outcome: str  # completed | failed | unchanged | dropped
    generation_id: str | None = None
    reason: str | None = None


@once_per_upload(key_prefix="generation-upload", output=GenerationOutcome)
def process_generation_upload(*, upload: GenerationUpload, remaining_ms: Callable[[], int],
                              attempt: int = 1) -> GenerationOutcome:
    """`remaining_ms`: the invocation's time left; `attempt`: the SQS receive count."""
    settings = get_settings()
    tmp = issued_upload(upload, "generations")
    if tmp is None:
        return GenerationOutcome("dropped", reason="unknown_key")
    generation = generations.get_generation(tmp.user_id, tmp.upload_id)
    if generation is None:  # deleted, or a key naming a generation that never was
        objects.delete_objects([upload.key])
        return GenerationOutcome("dropped", tmp.upload_id, reason="generation_missing")
    stored = read_upload(upload, settings.avatar_max_bytes)
    if stored is None:
        return GenerationOutcome("dropped", generation.generation_id, reason="object_missing")
    if not generations.claim(generation.user_id, generation.generation_id,
                             etag=upload.etag.strip('"'), now_iso=clock.iso(clock.now())):
        objects.delete_objects([upload.key])  # settled already: nothing will read it again
        return GenerationOutcome("unchanged", generation.generation_id)
    return _run(generation, stored, remaining_ms, attempt)


def _run(generation: Generation, stored: objects.StoredObject, remaining_ms: Callable[[], int],
         attempt: int) -> GenerationOutcome:
    settings = get_settings()
    started = time.perf_counter()

    def elapsed_ms() -> int:
        return int((time.perf_counter() - started) * 1000)

    def failed(reason: str, message: str) -> GenerationOutcome:
        fail_generation(generation, reason=reason, message=message, processing_ms=elapsed_ms())
        objects.delete_objects([generation.input_key])
        return GenerationOutcome("failed", generation.generation_id, reason)

    try:
        limits = Limits(max_bytes=settings.avatar_max_bytes)
        check_size(stored.size, limits)  # judged by HEAD: the body was never read
        photo = stripped_copy(stored.body, limits, with_faces=True)
    except ImageRejected as rejection:
        logger.info("photo rejected", extra={"generation_id": generation.generation_id,
                                             "reason": rejection.reason,
                                             "detail": rejection.detail})
        return failed(rejection.reason, rejection.message)
    # A portrait is of one person: checked before any renderer time is spent.
    if not photo.faces:
        return failed(NO_FACE, "We found no face in the photo. Use a photo where your face "
                               "is clearly visible, looking at the camera.")
    if len(photo.faces) > 1:
        return failed(SEVERAL_FACES, f"We found {len(photo.faces)} faces in the photo. Use a "
                                     "photo of you alone.")
    try:
        rendered = _render(generation, photo, remaining_ms() - FINISH_RESERVE_MS)
    except RenderFailed as exc:
        if exc.retryable and attempt < settings.generation_render_attempts:
            raise  # the message comes back after the queue's visibility timeout
        return failed(exc.reason, exc.message)
    except RenderTimeout:
        return failed("timeout", "the render did not finish in the time this run had left")
    except Exception as exc:  # noqa: BLE001 - retryable (throttling, network): the queue retries
        if attempt < settings.generation_render_attempts:
            raise
        logger.exception("rendering kept failing; giving up",
                         extra={"generation_id": generation.generation_id, "attempt": attempt})
        return failed("renderer_unavailable", f"the renderer kept failing ({type(exc).__name__})")

    output_key = keys.generation_output_key(generation.user_id, generation.generation_id)
    source_key = keys.generation_source_key(generation.user_id, generation.generation_id,
                                            photo.format)
    objects.put_objects([(output_key, rendered.png, "image/png"),
                         (source_key, photo.body, photo.content_type)])
    processing_ms = elapsed_ms()
    output = {"width": rendered.width, "height": rendered.height, "renderer": rendered.renderer,
              "model": rendered.model, "bytes": len(rendered.png)}
    if not generations.complete(generation.user_id, generation.generation_id,
                                output_key=output_key, source_key=source_key,
                                output={k: v for k, v in output.items() if v is not None},
                                processing_ms=processing_ms, now_iso=clock.iso(clock.now())):
        return GenerationOutcome("unchanged", generation.generation_id)  # the sweep got there first
    objects.delete_objects([generation.input_key])
    events.publish(GenerationCompleted(
        user_id=generation.user_id, generation_id=generation.generation_id,
        pose_id=generation.pose_id, quality=generation.quality, output_key=output_key,
        processing_ms=processing_ms))
    metrics.add_metric(name="GenerationCompleted", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="GenerationProcessingTime", unit=MetricUnit.Milliseconds,
                       value=processing_ms)
    logger.info("generation completed", extra={"generation_id": generation.generation_id,
                                               "processing_ms": processing_ms})
    return GenerationOutcome("completed", generation.generation_id)


def _render(generation: Generation, photo: StrippedImage, budget_ms: int) -> RenderedImage:
    """Render within `budget_ms`; RenderTimeout past it, RenderFailed for a bad result."""
    pose = poses.get_pose(generation.pose_id)
    if pose is None:
        raise RenderFailed("pose_unavailable", f"pose {generation.pose_id} no longer exists")
    skeleton = objects.read_object(pose.skeleton_key, max_bytes=_SKELETON_MAX_BYTES).body
    # Deterministic per generation: a retried render draws the same portrait.
    seed = int.from_bytes(hashlib.sha256(generation.generation_id.encode()).digest()[:4], "big")
    request = RenderRequest(photo=photo.body, skeleton_png=skeleton,
                            keypoints=[list(p) for p in pose.keypoints],
                            quality=generation.quality, seed=seed, prompt_hint=pose.name)
    if budget_ms <= 0:
        raise RenderTimeout()
    # A thread, so we can stop waiting: a render cannot be interrupted, but the
    # invocation can still record the failure before Lambda's timeout kills it.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render")
    try:
        rendered = pool.submit(get_renderer(get_settings()).render, request).result(
            timeout=budget_ms / 1000)
    finally:
        pool.shutdown(wait=False)
    side = OUTPUT_SIDES[generation.quality]
    if not rendered.png.startswith(_PNG) or (rendered.width, rendered.height) != (side, side):
        raise RenderFailed("invalid_response", f"the renderer answered {rendered.width}x"
                                               f"{rendered.height}, not a {side}x{side} PNG")
    return rendered
