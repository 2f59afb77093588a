"""AI portraits from the user's side: start one (pay, get an upload form), read them,
page through the history, delete one, and the stats.

Starting charges the credits and records the pending generation in one
transaction (portrait.store.generations); the photo then goes straight to S3
with the form, and the generate functions take it from there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from portrait import clock
from portrait.config import get_settings
from portrait.errors import NotFound
from portrait.ids import new_id
from portrait import metric_catalogue as M
from portrait.observability import emit, logger
from portrait.services import cursors
from portrait.services.accounts.credits import generation_cost
from portrait.services.upload_requests import ImageContentType
from portrait.services.uploads import UploadForm, allowed_content_type, issue_form
from portrait.store import cdn, credits, generations, keys, objects, poses, rate_limits
from portrait.store.generations import PENDING, Generation
from portrait.services.generations.views import GenerationView, generation_view
from portrait.styles import DEFAULT_STYLE, StyleName


class GenerationRequest(BaseModel):
    # Strict: JSON's own types as the schema says (no 0 for false, no "5" for 5).
    model_config = ConfigDict(extra="forbid", strict=True)

    pose_id: Annotated[str, Field(min_length=1, max_length=64, description="from GET /poses")]
    quality: Literal["sd", "hd"] = Field("sd", description="sd: 512 px, hd: 1024 px (+2 credits)")
    priority: bool = Field(False, description="a faster lane (+3 credits)")
    style: StyleName = Field(DEFAULT_STYLE, description="a style preset, from GET /styles")
    content_type: ImageContentType  # of the photo


BATCH_MAX = 10  # poses in one batch: a transaction holds 1 + 2 x 10 items, and a render each


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    pose_ids: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]],
                        Field(min_length=2, max_length=BATCH_MAX,
                              description=f"2 to {BATCH_MAX} different poses, from GET /poses")]
    quality: Literal["sd", "hd"] = Field("sd", description="for every pose")
    priority: bool = False
    style: StyleName = DEFAULT_STYLE
    content_type: ImageContentType  # of the one photo

    @field_validator("pose_ids")
    @classmethod
    def _different(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each pose may appear once")
        return value


@dataclass(frozen=True)
class GenerationStarted:
    generation: GenerationView
    upload: UploadForm


@dataclass(frozen=True)
class BatchStarted:
    batch_id: str
    generations: list[GenerationView]
    upload: UploadForm


@dataclass(frozen=True)
class GenerationHistory:
    """A page of the history, in the one list shape ({items, next_cursor}), with the total."""

    items: list[GenerationView]
    next_cursor: str | None
    total: int  # generations kept (deleted ones are not counted)


@dataclass(frozen=True)
class GenerationStats:
    total: int
    completed: int
    failed: int
    average_processing_seconds: float
    credits_used: int


def start_generation(user_id: str, request: GenerationRequest) -> GenerationStarted:
    """Charge the cost, record the pending generation, and hand out the photo's upload form.

    404 for an unknown pose, 402 (with balance and cost) when the balance is short.
    """
    [generation], form = _charge_and_issue(user_id, [request.pose_id], request)
    return GenerationStarted(generation=generation_view(generation), upload=form)


def start_batch(user_id: str, request: BatchRequest) -> BatchStarted:
    """Several poses from one photo: one generation each, charged together in one
    transaction (all or nothing), one upload form for the photo (the batch's lead's)."""
    batch, form = _charge_and_issue(user_id, request.pose_ids, request)
    return BatchStarted(batch_id=batch[0].generation_id,
                        generations=[generation_view(g) for g in batch], upload=form)


def _charge_and_issue(user_id: str, pose_ids: list[str],
                      options: GenerationRequest | BatchRequest) -> tuple[list[Generation], UploadForm]:
    settings = get_settings()
    content_type = allowed_content_type(options.content_type, "photos")
    for pose_id in pose_ids:
        if poses.get_pose(pose_id) is None:
            raise NotFound(f"no such pose: {pose_id}", code="pose_not_found")
    unit = generation_cost(options.quality, options.priority)
    cost = unit * len(pose_ids)
    # A request that cannot be paid for costs no rate-limit quota. Only a hint: the
    # charge's own transaction is what guarantees the balance never goes negative.
    balance = credits.balance(user_id)
    if balance is not None and balance < cost:
        raise credits.insufficient(balance, cost)
    for _ in pose_ids:  # a batch of n starts n generations: n of the minute's starts
        rate_limits.hit("generation_start", user_id, limit=settings.generation_starts_per_minute)
    ids = sorted(new_id() for _ in pose_ids)  # the lead (the upload's key) is the oldest
    lead = ids[0]
    issued = issue_form("generations", user_id, lead, content_type=content_type,
                        max_bytes=settings.avatar_max_bytes)
    at = clock.iso(issued.issued_at)
    batched = len(ids) > 1
    batch = [Generation(
        user_id=user_id, generation_id=generation_id, status=PENDING, pose_id=pose_id,
        quality=options.quality, style=options.style, priority=options.priority,
        credits_charged=unit, content_type=content_type, input_key=issued.key, created_at=at,
        updated_at=at, upload_expires_at=issued.expires_at,
        batch_id=lead if batched else None,
        batch_members=tuple(ids) if batched and generation_id == lead else ())
        for generation_id, pose_id in zip(ids, pose_ids)]
    generations.create_charged(*batch)
    emit(M.GENERATION_STARTED, len(batch))
    emit(M.CREDITS_CHARGED, cost)
    logger.info("generation started", extra={"generation_id": lead, "user_id": user_id,
                                             "cost": cost, "poses": len(batch)})
    return batch, issued.form


def _own(user_id: str, generation_id: str) -> Generation:
    """The caller's generation; someone else's id answers 404 like a missing one."""
    generation = generations.get_generation(user_id, generation_id)
    if generation is None:
        raise NotFound("no such generation", code="generation_not_found")
    return generation


def get_generation(user_id: str, generation_id: str) -> GenerationView:
    return generation_view(_own(user_id, generation_id))


def generation_history(user_id: str, *, limit: int, cursor: str | None = None) -> GenerationHistory:
    """Newest first; `total` is the count of records kept (a counter, not a scan)."""
    after = cursors.after_id(cursor)
    items, last = generations.list_generations(user_id, limit=limit, after=after)
    counters = credits.generation_counters(user_id)
    return GenerationHistory(items=[generation_view(g) for g in items],
                             next_cursor=cursors.after_cursor(last),
                             total=counters.records if counters else 0)


def delete_generation(user_id: str, generation_id: str) -> None:
    """The record and its objects. 409 while it is still pending or processing."""
    generation = _own(user_id, generation_id)
    generations.delete_settled(user_id, generation_id, share_id=generation.share_id)
    # The record goes first: objects without a record are orphans the nightly sweep
    # removes, while a record without its objects would show broken links.
    shared = [keys.shared_image_key(generation.share_id)] if generation.share_id else []
    # A batch's members share the lead's upload: the processor and the temp sweep clear it.
    upload = [generation.input_key] if generation.batch_id is None else []
    failed = objects.delete_objects(
        upload + shared
        + [o.key for page in objects.iter_object_pages(keys.generation_prefix(user_id, generation_id))
           for o in page])
    if failed:
        logger.warning("some objects of a deleted generation remain", extra={"keys": failed})
    cdn.invalidate(shared)  # its link's image stops being served too
    emit(M.GENERATION_DELETED)


def generation_stats(user_id: str) -> GenerationStats:
    """The five generation statistics clients show, from the counters kept beside the balance (one read)."""
    counters = credits.generation_counters(user_id)
    if counters is None:
        raise NotFound("no such user", code="user_not_found")
    average = counters.processing_ms_sum / counters.completed / 1000 if counters.completed else 0.0
    return GenerationStats(total=counters.total, completed=counters.completed,
                           failed=counters.failed, average_processing_seconds=round(average, 3),
                           credits_used=counters.credits_used)
