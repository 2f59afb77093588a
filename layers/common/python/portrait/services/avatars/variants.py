"""The last steps every new avatar takes, whatever its source (an upload, an
identicon, a Gravatar): render the variants, store them, then switch.

Order matters: the variants are written under the avatar's own prefix first,
and only then does one transaction make the avatar ready, point the user at
it and soft-delete the previous one. A crash in between leaves a pending
avatar and some unreferenced objects (overwritten by a retry, or purged with
the avatar), never a user pointing at missing images.
"""
from __future__ import annotations

from typing import Any

from portrait import clock
from portrait.config import Settings, get_settings
from portrait.imaging import Limits, VariantSet, make_variants
from portrait.observability import logger
from portrait.store import avatars, keys, objects, users
from portrait.store.avatars import PENDING, SwitchConflict

SWITCH_ATTEMPTS = 4


class AvatarSettled(Exception):
    """The avatar stopped being pending while we worked on it (another delivery won)."""


class CurrentAvatarExists(Exception):
    """The user has a current avatar, and the caller asked not to replace it."""



def render_variants(source: bytes, settings: Settings | None = None, *,
                    frame_faces: bool = True) -> VariantSet:
    """Validate `source` and encode every size, framed around its face if it has one
    (not for an identicon: it has none); ImageRejected with the reason if refused."""
    settings = settings or get_settings()
    methods = {name: value for name, value in (
        ("webp_method", settings.avatar_webp_method),
        ("webp_alpha_method", settings.avatar_webp_alpha_method)) if value is not None}
    return make_variants(source, limits=Limits(max_bytes=settings.avatar_max_bytes),
                         formats=settings.avatar_formats, workers=settings.image_workers or None,
                         frame_faces=frame_faces, **methods)


def store_variants(user_id: str, avatar_id: str, variant_set: VariantSet) -> dict[str, dict[str, Any]]:
    """Write the variants (immutable, cacheable forever); returns the record's variants map:
    size -> {key, width, height, bytes, content_type, formats: {format: {key, bytes, content_type}}},
    where the top-level key/bytes/content_type are those of the preferred (first) format."""
    preferred = variant_set.variants[0].format
    records: dict[str, dict[str, Any]] = {}
    writes = []
    for variant in variant_set.variants:
        key = keys.avatar_variant_key(user_id, avatar_id, variant.name, variant.format)
        writes.append((key, variant.body, variant.content_type))
        entry = records.setdefault(variant.name, {"width": variant.width, "height": variant.height,
                                                  "formats": {}})
        encoded = {"key": key, "bytes": len(variant.body), "content_type": variant.content_type}
        entry["formats"][variant.format] = encoded
        if variant.format == preferred:
            entry.update(encoded)
    objects.put_objects(writes, cache_control=keys.AVATAR_CACHE_CONTROL)
    return records


def ready_changes(variant_set: VariantSet, variants: dict, **original: Any) -> dict[str, Any]:
    """The attributes a pending avatar gets as it becomes ready."""
    info = variant_set.source
    return {"variants": variants, "ready_at": clock.now_and_iso()[1],
            "framing": variant_set.framing,
            "original": {"format": info.format, "width": info.width, "height": info.height,
                         "bytes": info.bytes, "frames": info.frames, **original}}


def switch_to(user_id: str, avatar_id: str, changes: dict[str, Any], *,
              replace_current: bool = True) -> str | None:
    """Make the pending avatar ready and current; returns the previously current avatar id.

    The user's pointer may move under us (another upload finishing, a delete):
    on SwitchConflict re-read the user and try again, a few times. Raises
    AvatarSettled if the avatar itself is no longer pending, and, with
    replace_current=False, CurrentAvatarExists once the user has an avatar.
    """
    settings = get_settings()
    for attempt in range(1, SWITCH_ATTEMPTS + 1):
        user = users.get_user(user_id)
        previous = user.avatar_id if user else None
        if previous and not replace_current:
            raise CurrentAvatarExists(previous)
        now, now_iso = clock.now_and_iso()
        try:
            avatars.make_current(user_id, avatar_id, expected_status=PENDING,
                                 previous_avatar_id=previous, now_iso=now_iso,
                                 now=now, grace_seconds=settings.avatar_grace_seconds,
                                 changes=changes)
            return previous
        except SwitchConflict:
            current = avatars.get_avatar(user_id, avatar_id)
            if current is None or current.status != PENDING:
                raise AvatarSettled(avatar_id) from None
            if user is None or attempt == SWITCH_ATTEMPTS:
                raise
            logger.info("avatar switch conflicted; retrying",
                        extra={"avatar_id": avatar_id, "attempt": attempt})
    raise AssertionError("unreachable")

