"""Reading avatars: the current one, the history, one being polled, and where
an `<img src>` for a user should land.

Every owner route reads only the caller's own partition, so someone else's
avatar id is simply not found (404), never forbidden (which would confirm it exists).
A soft-deleted avatar past its grace is gone for readers even while DynamoDB's
TTL (which lags up to two days) has not removed it yet.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from portrait import clock
from portrait.config import get_settings
from portrait.errors import NotFound
from portrait.services import cursors
from portrait.services.avatars import views as avatar_views
from portrait.services.avatars.views import AvatarLinks, AvatarView, avatar_links, avatar_view
from portrait.services.cursors import Page
from portrait.store import avatars, users
from portrait.store.avatars import EXPIRED, PURGED, READY, Avatar
from portrait.store.users import User

DEFAULT_IMAGE_PATH = "/avatars/default"
# A page of the history reads at most this many times `limit` records, so a run of
# hidden ones (expired uploads, avatars past grace) cannot make one request scan forever.
_MAX_READS_PER_PAGE = 4


@dataclass(frozen=True)
class Redirect:
    location: str
    max_age: int  # seconds a browser or CDN may reuse the redirect


def _no_avatar() -> NotFound:
    return NotFound("you have no avatar; upload one or POST /me/avatar/default",
                    code="no_current_avatar")


def _in_history(avatar: Avatar, at: int) -> bool:
    """Never-used upload forms are noise in a history; avatars past grace (or purged,
    leaving a tombstone) are gone."""
    return avatar.status not in (EXPIRED, PURGED) and not avatar.past_grace(at)


def _user(user_id: str) -> User:
    user = users.get_user(user_id)
    if user is None:
        raise NotFound("no such user", code="user_not_found")
    return user


def _current(user: User) -> Avatar | None:
    """The user's current avatar; None if they have none (or, defensively, it is not ready)."""
    if not user.avatar_id:
        return None
    avatar = avatars.get_avatar(user.user_id, user.avatar_id)
    return avatar if avatar is not None and avatar.status == READY else None


def current_links(user: User, size: str = avatar_views.DEFAULT_SIZE) -> AvatarLinks | None:
    """The links profiles show (None without a current avatar)."""
    avatar = _current(user)
    return avatar_links(avatar, size) if avatar else None


def current_avatar(user_id: str, size: str) -> AvatarLinks:
    """GET /me/avatar: the current avatar's URL at `size` and every variant's URL."""
    avatar = _current(_user(user_id))
    links = avatar_links(avatar, size) if avatar else None
    if links is None:
        raise _no_avatar()
    return links


def get_avatar(user_id: str, avatar_id: str) -> AvatarView:
    """GET /me/avatars/{avatar_id}: what a client polls after uploading."""
    avatar = avatars.get_avatar(user_id, avatar_id)
    # An expired upload form still answers (status expired), so a poller learns why it waits.
    if avatar is None or avatar.status == PURGED or avatar.past_grace(clock.now()):
        raise NotFound("no such avatar", code="avatar_not_found")
    return avatar_view(avatar, current_avatar_id=_user(user_id).avatar_id)


def avatar_history(user_id: str, *, limit: int, cursor: str | None = None) -> Page[AvatarView]:
    """GET /me/avatars: newest first, `limit` at most per page, with an opaque cursor."""
    current_id = _user(user_id).avatar_id
    at = clock.now()
    after = cursors.after_id(cursor)
    items: list[AvatarView] = []
    for _ in range(_MAX_READS_PER_PAGE):
        # Ask only for what is missing: the store's continuation point is then
        # exactly the last record this page looked at, hidden or not.
        batch, after = avatars.list_avatars(user_id, limit=limit - len(items), after=after)
        items += [avatar_view(a, current_avatar_id=current_id) for a in batch if _in_history(a, at)]
        if after is None or len(items) >= limit:
            break
    return Page(items=items, next_cursor=cursors.after_cursor(after))


def public_avatar_location(user_id: str, size: str) -> Redirect:
    """GET /users/{user_id}/avatar: the variant at `size`, or the placeholder image."""
    avatar = _current(_user(user_id))
    links = avatar_links(avatar, size) if avatar else None
    if links is None:
        # Short: the user may upload an avatar at any moment.
        return Redirect(location=f"{DEFAULT_IMAGE_PATH}?size={size}", max_age=60)
    settings = get_settings()
    # The redirect moves whenever the avatar changes, so it is cached briefly
    # (the variant behind it is immutable and cached for a year). A presigned
    # target must also outlive every cached copy of the redirect.
    if settings.public_base_url:
        return Redirect(location=links.url, max_age=300)
    return Redirect(location=links.url, max_age=min(300, settings.download_url_ttl_seconds // 2))


@lru_cache(maxsize=len(avatar_views.SIZES))
def default_avatar_image(size: str) -> bytes:
    """GET /avatars/default: the neutral placeholder as PNG, rendered once per process and size."""
    # Imported here: Pillow stays out of the cold start of every other route.
    from portrait.imaging.placeholder import placeholder_png

    return placeholder_png(avatar_views.SIZE_PIXELS[size])
