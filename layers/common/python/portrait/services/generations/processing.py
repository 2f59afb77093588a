"""Taking a generation's photo: it arrived under tmp/generations/; validate it, check
that it shows one face, keep it, and submit the render (portrait.rendering.contract).
The portrait comes back on its own path (services.generations.completion); no
function waits for it.

Idempotent like the avatar processor: Powertools remembers each finished upload
(bucket + key + etag), and every state change is conditional, so a repeat that
slips past the record changes nothing. A generation that is not pending is left
alone, except by the delivery that claimed it (same etag), which may pick it up
again after a crash or a retryable error; a render submitted twice is settled once.

Every way of not getting to a render (an invalid photo, no face or several, a
pose that is gone, an endpoint that keeps refusing for GENERATION_RENDER_ATTEMPTS
deliveries) ends the generation failed, refunded once, with the reason recorded,
before any renderer time is spent.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from portrait import clock
from portrait.config import get_settings
from portrait.errors import ImageRejected
from portrait.imaging.stripped import StrippedImage, stripped_copy
from portrait.imaging.validate import Limits, check_size
from portrait import metric_catalogue as M
from portrait.observability import emit, logger
from portrait.rendering import get_endpoint
from portrait.rendering.contract import FaceBox, PoseInput, RenderJob, StyleRecipe
from portrait.s3_events import UploadedObject
from portrait.services.generations.outcomes import fail_generation
from portrait.services.uploads import issued_upload, read_upload
from portrait.store import generations, keys, objects, poses
from portrait.store.generations import Generation
from portrait.store.idempotency import once_per_upload, register_lambda_context
from portrait.styles import DEFAULT_STYLE, STYLES

__all__ = ["GenerationUpload", "GenerationOutcome", "process_generation_upload",
           "register_lambda_context"]

# Why a photo cannot make a portrait of one person (failed at once, credits back).
NO_FACE, SEVERAL_FACES = "no_face", "several_faces"


GenerationUpload = UploadedObject  # one ObjectCreated notification, its key URL-decoded


@dataclass(frozen=True)
class GenerationOutcome:
    outcome: str  # submitted | failed | unchanged | dropped
    generation_id: str | None = None
    reason: str | None = None


@once_per_upload(key_prefix="generation-upload", output=GenerationOutcome)
def process_generation_upload(*, upload: GenerationUpload, attempt: int = 1) -> GenerationOutcome:
    """`attempt`: the SQS receive count."""
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
    etag = upload.etag.strip('"')
    now = clock.now()
    # A batch's photo comes under its lead's key: every member is claimed for it.
    claimed = [g for g in _members(generation)
               if generations.claim(g.user_id, g.generation_id, etag=etag, now_iso=clock.iso(now),
                                    deadline=now + settings.render_deadline_seconds)]
    if not claimed:
        objects.delete_objects([upload.key])  # settled already: nothing will read it again
        return GenerationOutcome("unchanged", generation.generation_id)
    outcomes = _submit(claimed, stored, etag, attempt)
    objects.delete_objects([upload.key])  # every member is submitted or failed
    if len(outcomes) == 1:
        return outcomes[0]
    kinds = {o.outcome for o in outcomes}
    outcome = next(k for k in ("submitted", "failed", "unchanged") if k in kinds)
    reason = next((o.reason for o in outcomes if o.outcome == outcome), None)
    return GenerationOutcome(outcome, generation.generation_id, reason)


def _members(lead: Generation) -> list[Generation]:
    """The generations an upload feeds: the lead alone, or its batch (gone ones skipped)."""
    if not lead.batch_members:
        return [lead]
    members = (generations.get_generation(lead.user_id, m) if m != lead.generation_id else lead
               for m in lead.batch_members)
    return [m for m in members if m is not None]


def _submit(batch: list[Generation], stored: objects.StoredObject, etag: str,
            attempt: int) -> list[GenerationOutcome]:
    """Check the photo once, then submit one render per generation of the batch."""
    settings = get_settings()
    started = time.perf_counter()

    def all_failed(reason: str, message: str) -> list[GenerationOutcome]:
        return [_failed(g, reason, message, started) for g in batch]

    try:
        limits = Limits(max_bytes=settings.avatar_max_bytes)
        check_size(stored.size, limits)  # judged by HEAD: the body was never read
        photo = stripped_copy(stored.body, limits, with_faces=True)
    except ImageRejected as rejection:
        logger.info("photo rejected", extra={"generation_id": batch[0].generation_id,
                                             "reason": rejection.reason,
                                             "detail": rejection.detail})
        return all_failed(rejection.reason, rejection.message)
    # A portrait is of one person: checked before any renderer time is spent.
    if not photo.faces:
        return all_failed(NO_FACE, "We found no face in the photo. Use a photo where your face "
                                   "is clearly visible, looking at the camera.")
    if len(photo.faces) > 1:
        return all_failed(SEVERAL_FACES, f"We found {len(photo.faces)} faces in the photo. Use "
                                         "a photo of you alone.")
    return [_submit_one(g, photo, etag, attempt, started) for g in batch]


def _failed(generation: Generation, reason: str, message: str,
            started: float) -> GenerationOutcome:
    fail_generation(generation, reason=reason, message=message,
                    processing_ms=int((time.perf_counter() - started) * 1000))
    return GenerationOutcome("failed", generation.generation_id, reason)


def _submit_one(generation: Generation, photo: StrippedImage, etag: str, attempt: int,
                started: float) -> GenerationOutcome:
    settings = get_settings()
    if generation.render_id:  # a redelivery: this member's render was accepted already
        return GenerationOutcome("submitted", generation.generation_id)
    pose = poses.get_pose(generation.pose_id)
    if pose is None:
        return _failed(generation, "pose_unavailable", f"pose {generation.pose_id} no longer "
                                                       "exists", started)
    source_key = keys.generation_source_key(generation.user_id, generation.generation_id,
                                            photo.format)
    request_key = keys.render_request_key(generation.user_id, generation.generation_id)
    job = _render_job(generation, photo, pose, objects.s3_uri(source_key))
    objects.put_objects([(source_key, photo.body, photo.content_type),
                         (request_key, job.model_dump_json().encode(), "application/json")])
    try:
        submitted = get_endpoint(settings).submit(inference_id=generation.generation_id,
                                                  input_location=objects.s3_uri(request_key),
                                                  priority=generation.priority)
    except Exception as exc:  # noqa: BLE001 - throttling, network: the queue retries
        if attempt < settings.generation_render_attempts:
            raise
        logger.exception("the render endpoint kept refusing; giving up",
                         extra={"generation_id": generation.generation_id, "attempt": attempt})
        objects.delete_objects([request_key])
        return _failed(generation, "renderer_unavailable",
                       f"the renderer kept refusing the request ({type(exc).__name__})", started)
    # Recorded once the endpoint accepted it: a redelivery skips what render_id says was
    # sent (a crash just before this line sends it twice, and the result settles once).
    now = clock.now()
    if not generations.submit_render(
            generation.user_id, generation.generation_id, etag=etag,
            source_key=source_key, render_id=generation.generation_id,
            deadline=int(now) + settings.render_deadline_seconds, now_iso=clock.iso(now),
            locations=(submitted.output_location, submitted.failure_location)):
        # Settled meanwhile (the render's result will be ignored). The photo goes too,
        # unless the record keeps it (a redelivery that got as far as a render).
        current = generations.get_generation(generation.user_id, generation.generation_id)
        kept = current is not None and current.source_key == source_key
        objects.delete_objects([request_key] + ([] if kept else [source_key]))
        return GenerationOutcome("unchanged", generation.generation_id)
    emit(M.GENERATION_SUBMITTED)
    logger.info("render submitted", extra={"generation_id": generation.generation_id,
                                           "style": job.style.name, "pose_id": pose.pose_id})
    return GenerationOutcome("submitted", generation.generation_id)


def _render_job(generation: Generation, photo: StrippedImage, pose: poses.Pose,
                photo_uri: str) -> RenderJob:
    face = photo.faces[0]
    style = STYLES[generation.style or DEFAULT_STYLE]
    # Deterministic per generation: a retried render draws the same portrait.
    seed = int.from_bytes(hashlib.sha256(generation.generation_id.encode()).digest()[:4], "big")
    return RenderJob(
        generation_id=generation.generation_id, photo=photo_uri,
        face=FaceBox(left=face.left, top=face.top, right=face.right, bottom=face.bottom),
        pose=PoseInput(pose_id=pose.pose_id, name=pose.name,
                       skeleton=objects.s3_uri(pose.skeleton_key),
                       keypoints=[list(p) for p in pose.keypoints]),
        style=StyleRecipe(name=style.name, prompt=style.prompt_for(pose.name),
                          negative_prompt=style.negative_prompt, guidance=style.guidance),
        quality=generation.quality, seed=seed)
