"""/generations: start an AI portrait (pay, get the photo's upload form), poll it,
page through your history, share one by a public link (or revoke it), delete one, and
your stats.

Every route reads only the caller's own partition: someone else's generation
id answers 404, exactly like an id that never existed.
"""
from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from generation_schemas import (
    BatchStartedReply,
    GenerationDetail,
    GenerationHistoryReply,
    GenerationStartedReply,
    GenerationStatsReply,
    ShareReply,
)
from portrait.services.generations import requests as generations
from portrait.services.generations import sharing
from portrait.services.generations.requests import BatchRequest, GenerationRequest
from schemas import ULID_PATTERN, Message, api_responses, body_responses
from security import BEARER, CurrentClaims

router = Router()
TAGS = ["generations"]

GenerationId = Annotated[str, Path(pattern=ULID_PATTERN, description="a ULID")]


@router.post("/generations", status_code=201, tags=TAGS, security=BEARER,
             summary="Start a generation: charges its credits, returns the photo's upload form",
             responses=body_responses(400, 401, 402, 404, 429, success=201,
                                     description="The pending generation and the form"))
def start(body: GenerationRequest, claims: CurrentClaims) -> GenerationStartedReply:
    return GenerationStartedReply.of(generations.start_generation(claims["sub"], body))


@router.post("/generations/batch", status_code=201, tags=TAGS, security=BEARER,
             summary="Start several poses from one photo: each its own generation, charged "
                     "together (all or nothing)",
             responses=body_responses(400, 401, 402, 404, 429, success=201,
                                     description="The pending generations and the photo's form"))
def start_batch(body: BatchRequest, claims: CurrentClaims) -> BatchStartedReply:
    return BatchStartedReply.model_validate(generations.start_batch(claims["sub"], body))


# Before /generations/<generation_id>, so "stats" is never taken for an id.
@router.get("/generations/stats", tags=TAGS, security=BEARER,
            summary="Your generation stats (kept as counters: one read)",
            responses=api_responses(401, 404))
def stats(claims: CurrentClaims) -> GenerationStatsReply:
    return GenerationStatsReply.model_validate(generations.generation_stats(claims["sub"]))


@router.get("/generations", tags=TAGS, security=BEARER, summary="Your generations, newest first",
            responses=api_responses(400, 401))
def history(claims: CurrentClaims, limit: Annotated[int, Query(ge=1, le=100)] = 20,
            cursor: Annotated[str | None, Query(max_length=200)] = None) -> GenerationHistoryReply:
    return GenerationHistoryReply.model_validate(
        generations.generation_history(claims["sub"], limit=limit, cursor=cursor))


@router.get("/generations/<generation_id>", tags=TAGS, security=BEARER,
            summary="One of your generations (poll it after uploading the photo)",
            responses=api_responses(401, 404))
def get_one(generation_id: GenerationId, claims: CurrentClaims) -> GenerationDetail:
    return GenerationDetail.model_validate(generations.get_generation(claims["sub"], generation_id))


@router.delete("/generations/<generation_id>", tags=TAGS, security=BEARER,
               summary="Delete a finished generation and its images",
               responses=body_responses(401, 404, 409))
def delete(generation_id: GenerationId, claims: CurrentClaims) -> Message:
    generations.delete_generation(claims["sub"], generation_id)
    return Message(message="generation deleted")


@router.post("/generations/<generation_id>/share", status_code=201, tags=TAGS, security=BEARER,
             summary="Share a completed portrait: a new public link (any older one stops working)",
             responses=body_responses(401, 404, 409, success=201, description="The link"))
def share(generation_id: GenerationId, claims: CurrentClaims) -> ShareReply:
    made = sharing.share_generation(claims["sub"], generation_id)
    return ShareReply(share_url=f"{_origin()}/s?t={made.token}", image_url=made.image_url,
                      shared_at=made.shared_at)


@router.delete("/generations/<generation_id>/share", tags=TAGS, security=BEARER,
               summary="Revoke a portrait's public link (its page answers 404 at once)",
               responses=body_responses(401, 404))
def unshare(generation_id: GenerationId, claims: CurrentClaims) -> Message:
    revoked = sharing.revoke_share(claims["sub"], generation_id)
    return Message(message="link revoked" if revoked else "the portrait had no link")


def _origin() -> str:
    """This API's origin as the client reached it (a custom domain included)."""
    event = router.current_event
    host = event.request_context.domain_name
    loopback = host.split(":")[0] in ("127.0.0.1", "localhost")
    scheme = event.headers.get("x-forwarded-proto") or ("http" if loopback else "https")
    return f"{scheme}://{host}"
