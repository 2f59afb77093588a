"""Sharing a finished portrait (seed 003, phase 3): a public, unguessable, revocable link.

The link carries a random token (drawn per request, never at init); the record keeps
only its sha256 (share_id), so a leaked table does not leak working links; a link item
beside the generations (store.generations.share) resolves it. Sharing
copies the portrait to shared/<share_id>/portrait.png, a public object the media CDN
serves; a new link replaces the old one, and revoking removes the record's share_id
(the page answers 404 at once) and the copy, with a CDN invalidation (CloudFront drops
it within a minute or two; the 5-minute max-age is the backstop). Deleting the
generation revokes its link too.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from portrait import clock
from portrait.errors import Conflict, NotFound
from portrait import metric_catalogue as M
from portrait.observability import emit, logger
from portrait.store import cdn, generations, keys, objects, poses, rate_limits
from portrait.store.generations import COMPLETED, Generation

SHARES_PER_MINUTE = 10  # each is a copy and, replacing a link, a CDN invalidation
TOKEN_BYTES = 24  # 192 bits: unguessable, and short enough for a chat message
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{32}$"


class NotShareable(Conflict):
    code = "generation_not_completed"


@dataclass(frozen=True)
class Share:
    token: str  # shown once, in the link; the record keeps its hash
    image_url: str
    shared_at: str


@dataclass(frozen=True)
class SharedPortrait:
    """What a link's public page shows."""

    title: str
    image_url: str
    width: int
    height: int
    created_at: str


def share_id_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _own(user_id: str, generation_id: str) -> Generation:
    generation = generations.get_generation(user_id, generation_id)
    if generation is None:  # someone else's id answers like a missing one
        raise NotFound("no such generation", code="generation_not_found")
    return generation


def share_generation(user_id: str, generation_id: str) -> Share:
    """A new public link to the caller's completed generation (the old one stops working)."""
    generation = _own(user_id, generation_id)
    if generation.status != COMPLETED or not generation.output_key:
        raise NotShareable("only a completed portrait can be shared")
    rate_limits.hit("generation_share", user_id, limit=SHARES_PER_MINUTE)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    share_id, now_iso = share_id_of(token), clock.now_iso()
    key = keys.shared_image_key(share_id)
    objects.copy_object(generation.output_key, key, content_type="image/png",
                        cache_control=keys.SHARED_CACHE_CONTROL)
    if not generations.share(user_id, generation.generation_id, share_id=share_id,
                             replacing=generation.share_id, now_iso=now_iso):
        objects.delete_objects([key])
        raise Conflict("the portrait changed meanwhile; try again", code="share_conflict")
    if generation.share_id:
        _withdraw(generation.share_id)
    emit(M.PORTRAIT_SHARED)
    logger.info("portrait shared", extra={"generation_id": generation.generation_id})
    return Share(token=token, image_url=objects.public_url(key), shared_at=now_iso)


def revoke_share(user_id: str, generation_id: str) -> bool:
    """Stop the generation's link; False when it had none (nothing to do)."""
    generation = _own(user_id, generation_id)
    if not generation.share_id:
        return False
    if not generations.unshare(user_id, generation.generation_id, share_id=generation.share_id):
        raise Conflict("its link changed meanwhile; try again", code="share_conflict")
    _withdraw(generation.share_id)
    logger.info("share revoked", extra={"generation_id": generation.generation_id})
    return True


def _withdraw(share_id: str) -> None:
    """The old link's image: deleted, and dropped from the CDN's caches."""
    key = keys.shared_image_key(share_id)
    objects.delete_objects([key])
    cdn.invalidate([key])


def shared_portrait(token: str) -> SharedPortrait:
    """The portrait a link shows; NotFound for a revoked, replaced or made-up token."""
    generation = generations.find_shared(share_id_of(token))
    if generation is None:
        raise NotFound("this link does not exist or was revoked", code="share_not_found")
    pose = poses.get_pose(generation.pose_id)
    title = f"A portrait: {pose.name}" if pose else "A portrait"
    return SharedPortrait(title=title,
                          image_url=objects.public_url(keys.shared_image_key(generation.share_id)),
                          width=int(generation.output.get("width") or 0),
                          height=int(generation.output.get("height") or 0),
                          created_at=generation.created_at)
