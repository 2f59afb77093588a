"""What clients see of a generation: URLs instead of keys, seconds, the error and the
likeness figure. The API's replies and the generation.* events carry this one shape."""
from __future__ import annotations

from dataclasses import dataclass

from portrait import clock
from portrait.store import objects
from portrait.store.generations import Generation
from portrait.styles import DEFAULT_STYLE


@dataclass(frozen=True)
class GenerationView:
    generation_id: str
    status: str
    pose_id: str
    quality: str
    style: str
    priority: bool
    credits_charged: int
    created_at: str
    updated_at: str
    started_at: str | None
    completed_at: str | None
    processing_seconds: float | None
    # When the render was handed to the renderer (None: it never was, e.g. no face), and
    # while processing, when it will be given up on (failed and refunded) if unanswered.
    render_submitted_at: str | None
    render_deadline: str | None
    output_url: str | None
    output_format: str  # png: every renderer's output is stored as PNG (lossless)
    input_url: str | None
    width: int | None
    height: int | None
    renderer: str | None  # what drew it: face | model | bedrock
    # How much it looks like the photo: {score, threshold, attempts, method}; None for a
    # renderer that does not use the face, or before it is done.
    likeness: dict | None
    error: dict[str, str] | None
    refunded: bool
    shared_at: str | None  # when its public link was made (None: not shared)
    batch_id: str | None  # the batch it was started in (None: on its own)


def generation_view(g: Generation, *, with_urls: bool = True) -> GenerationView:
    """`with_urls=False` (events): the input and output are private objects whose URLs
    expire, so an event names neither; its consumers fetch them through the API."""
    error = {"reason": g.error_reason, "message": g.error_message or ""} if g.error_reason else None
    return GenerationView(
        generation_id=g.generation_id, status=g.status, pose_id=g.pose_id, quality=g.quality,
        style=g.style or DEFAULT_STYLE, priority=g.priority, credits_charged=g.credits_charged, created_at=g.created_at,
        updated_at=g.updated_at, started_at=g.started_at, completed_at=g.completed_at,
        processing_seconds=None if g.processing_ms is None else round(g.processing_ms / 1000, 3),
        render_submitted_at=g.render_submitted_at,
        render_deadline=(clock.iso(g.render_deadline) if g.render_deadline
                         and g.status == "processing" else None),
        output_url=objects.private_url(g.output_key) if with_urls and g.output_key else None,
        output_format="png",
        input_url=objects.private_url(g.source_key) if with_urls and g.source_key else None,
        width=g.output.get("width"), height=g.output.get("height"),
        renderer=g.output.get("renderer"), likeness=_likeness(g.output.get("likeness")), error=error,
        refunded=g.refunded_at is not None, shared_at=g.shared_at, batch_id=g.batch_id)


def _likeness(stored) -> dict | None:
    if not stored:
        return None
    score = stored.get("score")
    return {"score": None if score is None else float(score),
            "threshold": float(stored["threshold"]), "attempts": int(stored["attempts"]),
            "method": stored["method"]}
