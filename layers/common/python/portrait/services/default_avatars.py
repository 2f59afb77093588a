"""Default avatars: an identicon (or the user's Gravatar) for users without one.

New users get theirs from the users table's stream, after registration has
answered (ensure_default_avatar); `POST /me/avatar/default` regenerates one on
demand (create_default_avatar). Either way the avatar has the same keys and
record as an upload, only its source differs. As in the first version of
this product, a failure soft-deletes the new record and leaves the user as
they were (with no avatar, for a new user): it never fails a registration.
"""
from __future__ import annotations

from portrait.config import Settings, get_settings
from portrait.errors import ImageRejected, NotFound, PortraitError
from portrait.ids import new_id
from portrait.imaging import AVATAR_SIZES, VariantSet, identicon_png
from portrait.observability import count_by, logger
from portrait.services import gravatar
from portrait.services.avatar_variants import (
    CurrentAvatarExists,
    clock,
    ready_changes,
    ready_event,
    render_variants,
    store_variants,
    switch_to,
)
from portrait.store import avatars, events, users
from portrait.store.avatars import PENDING, READY, Avatar
from portrait.store.idempotency import idempotent, register_lambda_context
from portrait.store.users import User

__all__ = ["DefaultAvatarFailed", "create_default_avatar", "ensure_default_avatar",
           "register_lambda_context"]

DEFAULT_SOURCES = ("identicon", "gravatar")
_SIDE = max(AVATAR_SIZES.values())


class DefaultAvatarFailed(PortraitError):
    code = "default_avatar_failed"


def create_default_avatar(user_id: str, *, replace_current: bool = True) -> Avatar | None:
    """A new default avatar, made current (the previous current one is soft-deleted).

    With replace_current=False (a new user's first default) a user who got an
    avatar meanwhile, say an upload that finished first, keeps it: the default
    is soft-deleted and None returned. NotFound if there is no such user;
    DefaultAvatarFailed (after soft-deleting the new record) if it could not be
    rendered, stored or switched to.
    """
    user = users.get_user(user_id)
    if user is None:
        raise NotFound("no such user", code="user_not_found")
    settings = get_settings()
    now = clock()[1]
    avatar = Avatar(user_id=user_id, avatar_id=new_id(), status=PENDING,
                    source=settings.default_avatar_provider, created_at=now, updated_at=now)
    avatars.create_avatar(avatar)
    try:
        source, variant_set = _render(user, settings)
        variants = store_variants(user_id, avatar.avatar_id, variant_set)
        previous = switch_to(user_id, avatar.avatar_id,
                             {**ready_changes(variant_set, variants), "source": source},
                             replace_current=replace_current)
    except CurrentAvatarExists:
        logger.info("the user got an avatar first; the default is discarded",
                    extra={"user_id": user_id, "avatar_id": avatar.avatar_id})
        _discard(avatar)
        return None
    except Exception as exc:
        logger.exception("default avatar failed; its record is soft-deleted",
                         extra={"user_id": user_id, "avatar_id": avatar.avatar_id})
        _discard(avatar)
        raise DefaultAvatarFailed("the default avatar could not be made") from exc
    events.publish("avatar.ready", ready_event(user_id, avatar.avatar_id, source, variants,
                                               previous))
    count_by("DefaultAvatarCreated", source=source)
    return avatars.get_avatar(user_id, avatar.avatar_id)


@idempotent(key_prefix="default-avatar", data_keyword_argument="user_id")
def ensure_default_avatar(*, user_id: str) -> str | None:
    """Give a new user a default avatar unless they have one, or had one made
    already (a repeated stream record); the new avatar id, or None if nothing was done."""
    user = users.get_user(user_id)
    if user is None or user.avatar_id or _default_made(user_id):
        return None
    avatar = create_default_avatar(user_id, replace_current=False)
    return avatar.avatar_id if avatar else None


def _default_made(user_id: str) -> bool:
    """A default that is being made, is current, or was once current (and since
    replaced or deleted by its user). A failed attempt (soft-deleted while
    pending, never ready) does not count, so a retry can still succeed."""
    history, _ = avatars.list_avatars(user_id, limit=50)
    return any(a.source in DEFAULT_SOURCES and (a.status in (PENDING, READY) or a.ready_at)
               for a in history)


def _render(user: User, settings: Settings) -> tuple[str, VariantSet]:
    """(source, variants): the Gravatar if configured and usable, else the identicon."""
    if settings.default_avatar_provider == "gravatar":
        image = gravatar.fetch_gravatar(user.email, base_url=settings.gravatar_base_url,
                                        size=_SIDE, timeout=settings.gravatar_timeout_seconds,
                                        max_bytes=settings.avatar_max_bytes)
        if image is not None:
            try:
                return "gravatar", render_variants(image, settings)
            except ImageRejected as rejection:  # it is still a third party's file
                logger.warning("gravatar image refused; using the identicon",
                               extra={"reason": rejection.reason})
    return "identicon", render_variants(identicon_png(user.user_id, _SIDE), settings)


def _discard(avatar: Avatar) -> None:
    now, now_iso = clock()
    try:
        avatars.soft_delete(avatar.user_id, avatar.avatar_id, clear_pointer=False, now_iso=now_iso,
                            now=now, grace_seconds=get_settings().avatar_grace_seconds,
                            expected_status=PENDING)
    except Exception:  # noqa: BLE001 - the original failure is what the caller must see
        logger.exception("could not soft-delete the failed default avatar",
                         extra={"avatar_id": avatar.avatar_id})

