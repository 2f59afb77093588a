"""The render worker: the endpoint behind QueueEndpoint, run by RenderFunction. It does
for the local face renderer (and Bedrock) what SageMaker does for a model container:
read the request document at the invocation's InputLocation, render, write a
RenderOutput (the PNG, its seed and likeness) to the output path or the error to the
failure path, and send the inference result
(success or error, SageMaker's JSON) to the completion queue.

At least once, like SageMaker: a redelivered invocation renders and reports again, and
the completion function settles the generation once whatever it receives. A retryable
error (Bedrock throttling) lets the queue redeliver, up to GENERATION_RENDER_ATTEMPTS
receives; then it is reported as a failure, so the generation is refunded now rather
than by the deadline sweep.
"""
from __future__ import annotations

import time

from pydantic import ValidationError

from portrait import clock
from portrait.config import get_settings
from portrait.errors import RenderFailed
from portrait import metric_catalogue as M
from portrait.observability import count_by, emit, logger
from portrait.rendering import RenderRequest, get_renderer
from portrait.rendering.contract import Invocation, RenderJob
from portrait.rendering.results import (COMPLETED, FAILED, OUTPUT_CONTENT_TYPE, InferenceResult,
                                        RenderError, RenderOutput, RequestParameters,
                                        ResponseParameters)
from portrait.store import keys, objects, queues

MAX_INPUT_BYTES = 20 * 1024 * 1024  # a photo passed the 5 MB upload cap; a skeleton is small
# Failures caused by the request's content (SageMaker's ClientError), not the renderer's.
CLIENT_ERRORS = ("invalid_input", "content_filtered", "request_unusable")


def run_render(invocation: Invocation, *, attempt: int = 1) -> str:
    """Render one invocation and report it; returns the invocationStatus sent.
    Raises (for the queue to redeliver) on a retryable error before the last attempt."""
    settings = get_settings()
    received = clock.iso(clock.now())
    started = time.perf_counter()
    try:
        job = RenderJob.model_validate_json(_read(invocation.input_location))
        rendered = get_renderer(settings).render(RenderRequest(
            photo=_read(job.photo), skeleton_png=_read(job.pose.skeleton),
            keypoints=job.pose.keypoints, quality=job.quality, seed=job.seed,
            face=(job.face.left, job.face.top, job.face.right, job.face.bottom),
            style=job.style.name, prompt=job.style.prompt,
            negative_prompt=job.style.negative_prompt))
    except RenderFailed as exc:
        if exc.retryable and attempt < settings.generation_render_attempts:
            raise
        return _report_failure(invocation, received, RenderError(reason=exc.reason,
                                                                 message=exc.message))
    except (ValidationError, objects.ObjectMissing, ValueError) as exc:
        logger.info("render request unusable", extra={"inference_id": invocation.inference_id,
                                                      "detail": str(exc)[:300]})
        return _report_failure(invocation, received, RenderError(
            reason="request_unusable", message="the render request or one of its images is "
                                               "missing or malformed; your credits are back"))
    except Exception as exc:  # noqa: BLE001 - network, throttling: the queue redelivers
        if attempt < settings.generation_render_attempts:
            raise
        logger.exception("rendering kept failing; reporting the failure",
                         extra={"inference_id": invocation.inference_id, "attempt": attempt})
        return _report_failure(invocation, received, RenderError(
            reason="renderer_unavailable", message=f"the renderer kept failing ({type(exc).__name__})"))
    output_key = keys.render_output_key(invocation.inference_id)
    output = RenderOutput(image_png=rendered.png, width=rendered.width, height=rendered.height,
                          renderer=rendered.renderer, model=rendered.model,
                          seed=job.seed if rendered.seed is None else rendered.seed,
                          likeness=rendered.likeness)
    objects.put_object(output_key, output.model_dump_json().encode(),
                       content_type=OUTPUT_CONTENT_TYPE)
    render_ms = int((time.perf_counter() - started) * 1000)
    emit(M.RENDER_TIME, render_ms)
    logger.info("rendered", extra={"inference_id": invocation.inference_id, "render_ms": render_ms,
                                   "renderer": rendered.renderer, "style": job.style.name,
                                   "likeness": rendered.likeness and rendered.likeness.score})
    _notify(invocation, received, COMPLETED, ResponseParameters(
        content_type=OUTPUT_CONTENT_TYPE, output_location=objects.s3_uri(output_key)))
    return COMPLETED


def _read(uri: str) -> bytes:
    stored = objects.read_object(objects.key_of_uri(uri), max_bytes=MAX_INPUT_BYTES)
    if not stored.body:
        raise ValueError(f"{uri} is empty or larger than {MAX_INPUT_BYTES} bytes")
    return stored.body


def _report_failure(invocation: Invocation, received: str, error: RenderError) -> str:
    failure_key = keys.render_failure_key(invocation.inference_id)
    objects.put_object(failure_key, error.model_dump_json().encode(),
                       content_type="application/json")
    count_by(M.RENDER_FAILED, reason=error.reason)
    logger.info("render failed", extra={"inference_id": invocation.inference_id,
                                        "reason": error.reason, "detail": error.message})
    _notify(invocation, received, FAILED, ResponseParameters(
        content_type="application/json", failure_location=objects.s3_uri(failure_key)),
        failure_reason=f"{'ClientError' if error.reason in CLIENT_ERRORS else 'ServerError'}: "
                       f"{error.reason}")
    return FAILED


def _notify(invocation: Invocation, received: str, status: str, response: ResponseParameters,
            failure_reason: str | None = None) -> None:
    settings = get_settings()
    if not settings.render_notifications_queue_url:
        raise RuntimeError("no completion queue (set RENDER_NOTIFICATIONS_QUEUE_URL)")
    result = InferenceResult(
        aws_region=settings.region, event_time=clock.iso(clock.now()), received_time=received,
        invocation_status=status, failure_reason=failure_reason,
        request_parameters=RequestParameters(endpoint_name=invocation.endpoint_name,
                                             input_location=invocation.input_location,
                                             content_type=invocation.content_type),
        response_parameters=response, inference_id=invocation.inference_id)
    queues.send(settings.render_notifications_queue_url, result.body())
