"""One invocation of the endpoint: SageMaker hands the request document (a RenderJob,
the object at the invocation's InputLocation) to POST /invocations and stores the
answer. 200 with a RenderOutput goes to the output path and a success notification;
any other status with a RenderError goes to the failure path and an error
notification, which RenderCompleteFunction turns into a failed, refunded generation.

The same contract, checks and likeness loop as the local render worker
(portrait.services.generations.render_worker), so the two are interchangeable.
"""
from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image
from pydantic import ValidationError

from portrait.errors import RenderFailed
from portrait.imaging.likeness import embed
from portrait.rendering.contract import RenderJob
from portrait.rendering.results import RenderError, RenderOutput
from portrait.rendering.face import photo_and_face
from portrait.rendering.likeness import LikenessPolicy, render_until_alike
from portrait_model.identity import IdentityEncoder
from portrait_model.pipeline import PosePortraitPipeline

log = logging.getLogger("portrait_model")
MAX_INPUT_BYTES = 20 * 1024 * 1024
# Answered 4xx (SageMaker's ClientError, counted in Invocation4XXErrors): the request's
# fault, or a portrait that did not come out alike (the model worked; the
# Invocation5XXErrors alarm is for the model failing). Anything else is a 500.
CLIENT_REASONS = {"invalid_input": 400, "request_unusable": 400, "no_face": 400,
                  "likeness_too_low": 422}


@dataclass
class Model:
    pipeline: PosePortraitPipeline
    identity: IdentityEncoder
    likeness: LikenessPolicy | None  # None: unchecked (calibration runs only)


Reader = Callable[[str], bytes]  # an s3:// location's bytes


def handle(body: bytes, model: Model, read: Reader) -> tuple[int, bytes]:
    """(HTTP status, JSON body) for one request document."""
    try:
        job = RenderJob.model_validate_json(body)
        photo_bytes, skeleton_bytes = read(job.photo), read(job.pose.skeleton)
        with Image.open(io.BytesIO(skeleton_bytes)) as skeleton:
            pose_map = skeleton.convert("RGB")
    except (ValidationError, ValueError, OSError, KeyError) as exc:
        log.info("request unusable: %s", str(exc)[:300])
        return _error("request_unusable", "the render request or one of its images is missing "
                                          "or malformed; your credits are back")
    except Exception as exc:  # noqa: BLE001 - S3 refused or failed: the endpoint's fault
        log.exception("inputs unreadable")
        return _error("inputs_unreadable", f"the renderer could not read its inputs "
                                           f"({type(exc).__name__}); your credits are back")
    try:
        return 200, _render(job, photo_bytes, pose_map, model).model_dump_json().encode()
    except RenderFailed as exc:
        return _error(exc.reason, exc.message)
    except Exception as exc:  # noqa: BLE001 - a failed render is reported, never lost
        log.exception("the model failed")
        return _error("model_error", f"the model failed ({type(exc).__name__}); your credits "
                                     "are back")


def _render(job: RenderJob, photo_bytes: bytes, pose_map: Image.Image, model: Model) -> RenderOutput:
    box = job.face
    photo, face = photo_and_face(photo_bytes, (box.left, box.top, box.right, box.bottom))
    identity = model.identity.encode(photo, face)

    def draw(seed: int) -> bytes:
        image = model.pipeline.draw(pose_map=pose_map, identity=identity, prompt=job.style.prompt,
                                    negative_prompt=job.style.negative_prompt,
                                    guidance=job.style.guidance, side=job.side, seed=seed)
        out = io.BytesIO()
        image.save(out, "PNG", compress_level=6)
        return out.getvalue()

    if model.likeness is None:
        png, seed, likeness = draw(job.seed), job.seed, None
    else:
        png, seed, likeness = render_until_alike(
            draw, reference=embed(photo, face), keypoints=job.pose.keypoints, seed=job.seed,
            policy=model.likeness)
    log.info("rendered %s seed %s likeness %s", job.generation_id, seed,
             likeness and likeness.score)
    return RenderOutput(image_png=png, width=job.side, height=job.side, renderer="model",
                        model=model.pipeline.model_id, seed=seed, likeness=likeness)


def _error(reason: str, message: str) -> tuple[int, bytes]:
    status = CLIENT_REASONS.get(reason, 500)
    return status, RenderError(reason=reason, message=message).model_dump_json().encode()
