"""What clients see of avatar records: URLs instead of keys, ISO times and
the `current` flag.

Variant URLs come from store.objects.public_url: the public base URL (a CDN
in production) or presigned GETs when it is empty.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from portrait import clock
from portrait.sizes import AVATAR_SIZE_NAMES, AVATAR_SIZES, DEFAULT_AVATAR_SIZE
from portrait.store.avatars import DELETED, READY, Avatar
from portrait.store.objects import public_url

# The sizes live in portrait.sizes (no Pillow there: the API's cold start never loads it).
SIZE_PIXELS = AVATAR_SIZES
SIZES = AVATAR_SIZE_NAMES
DEFAULT_SIZE = DEFAULT_AVATAR_SIZE


@dataclass(frozen=True)
class VariantLink:
    url: str | None  # None only in events without a CDN (they carry no expiring URL)
    width: int | None
    height: int | None


@dataclass(frozen=True)
class AvatarView:
    """One avatar as its owner sees it: in the history or while polling."""

    avatar_id: str
    status: str
    source: str
    current: bool
    created_at: str
    updated_at: str
    ready_at: str | None
    deleted_at: str | None
    replaced_by: str | None  # deleted because this avatar became current (not by its owner)
    restorable_until: str | None
    reject_reason: str | None  # machine-readable, e.g. dimensions_too_small
    reject_message: str | None
    framing: str | None  # face | centre
    variants: dict[str, VariantLink]


@dataclass(frozen=True)
class AvatarLinks:
    """The ready avatar of a user: one URL at the asked size, and every size's URL."""

    avatar_id: str
    size: str
    url: str
    variants: dict[str, VariantLink]  # the same shape as AvatarView's: one avatar, one shape
    status: str = READY




def pick_size(available: dict, size: str) -> str | None:
    """`size` if it exists; else the next larger one (downscaled by the browser), else the largest."""
    if size in available:
        return size
    larger = [s for s in SIZES[SIZES.index(size) + 1:] if s in available]
    if larger:
        return larger[0]
    smaller = [s for s in SIZES if s in available]
    return smaller[-1] if smaller else None


def avatar_links(avatar: Avatar, size: str = DEFAULT_SIZE) -> AvatarLinks | None:
    """Links to a ready avatar's variants; None for anything not ready or without variants."""
    if avatar.status != READY or not avatar.variants:
        return None
    variants = variant_links(avatar)
    chosen = pick_size(variants, size)
    if chosen is None:
        return None
    return AvatarLinks(avatar_id=avatar.avatar_id, size=chosen, url=variants[chosen].url,
                       variants=variants)


def variant_links(avatar: Avatar, url_of: Callable[[str], str | None] = public_url
                  ) -> dict[str, VariantLink]:
    """size -> URL and pixels, smallest first: the one shape of an avatar's variants.
    `url_of` is objects.lasting_url for events (never an expiring URL)."""
    return {s: VariantLink(url=url_of(v["key"]), width=v.get("width"), height=v.get("height"))
            for s in SIZES if (v := (avatar.variants or {}).get(s)) and v.get("key")}


def avatar_view(avatar: Avatar, *, current_avatar_id: str | None,
                url_of: Callable[[str], str | None] = public_url) -> AvatarView:
    variants: dict[str, VariantLink] = {}
    # A soft-deleted avatar keeps its objects until purged: its owner sees what a restore brings back.
    if avatar.status in (READY, DELETED):
        variants = variant_links(avatar, url_of)
    restorable = clock.iso(avatar.expires_at) if avatar.status == DELETED and avatar.expires_at else None
    return AvatarView(
        avatar_id=avatar.avatar_id, status=avatar.status, source=avatar.source,
        current=avatar.avatar_id == current_avatar_id, created_at=avatar.created_at,
        updated_at=avatar.updated_at, ready_at=avatar.ready_at, deleted_at=avatar.deleted_at,
        replaced_by=avatar.replaced_by if avatar.status == DELETED else None,
        restorable_until=restorable, reject_reason=avatar.reject_reason,
        reject_message=avatar.reject_message, framing=avatar.framing, variants=variants)
