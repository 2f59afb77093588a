"""Default avatars: an identicon (or the user's Gravatar) for users without one.

New users get theirs from the users table's stream, after registration has
answered (ensure_default_avatar); `POST /me/avatar/default` regenerates one on
demand (create_default_avatar). Either way the avatar has the same keys and
record as an upload, only its source differs. As in the first version of
this product, a failure soft-deletes the new record and leaves the user as
they were (with no avatar, for a new user): it never fails a registration.

A stream record that keeps failing is dropped after the mapping's retries
(only its position reaches DefaultAvatarFailuresQueue, and the stream forgets
it within 24 h), so recovery reads the users table instead:
backfill_default_avatars (`portrait avatars ensure-defaults`) gives a default
to each recent user who never had an avatar, with the same checks.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Iterable

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)

from portrait import clock
from portrait.config import Settings, get_settings
from portrait.errors import ImageRejected, NotFound, PortraitError
from portrait.ids import new_id
from portrait.imaging import AVATAR_SIZES, VariantSet, identicon_png
from portrait import metric_catalogue as M
from portrait.observability import count_by, logger
from portrait.services.avatars import gravatar
from portrait.services.avatars.variants import (
    CurrentAvatarExists,
    ready_changes,
    render_variants,
    store_variants,
    switch_to,
)
from portrait.store import avatars, users
from portrait.store.avatars import PENDING, READY, Avatar
from portrait.store.idempotency import idempotent, register_lambda_context
from portrait.store.users import User

__all__ = ["DefaultAvatarBackfillReport", "DefaultAvatarBusy", "DefaultAvatarFailed",
           "backfill_default_avatars", "create_default_avatar", "ensure_default_avatar",
           "register_lambda_context"]

DEFAULT_SOURCES = ("identicon", "gravatar")
_SIDE = max(AVATAR_SIZES.values())
# A default still pending this long after it was started was abandoned (the function
# timed out or crashed while rendering; it has 30 s): it is no longer "being made".
ABANDONED_AFTER_SECONDS = 15 * 60
# How far back the backfill looks by default: as long as DefaultAvatarFailuresQueue
# keeps the messages that say some users were missed.
BACKFILL_DAYS = 14
# What a user's avatar history says about their default (see _default_state).
HAS_AVATAR, BEING_MADE, MISSING = "has_avatar", "being_made", "missing"


class DefaultAvatarFailed(PortraitError):
    code = "default_avatar_failed"


class DefaultAvatarBusy(PortraitError):
    """Another attempt's default is still pending: the stream retries this record later."""

    code = "default_avatar_busy"


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
    now = clock.now_and_iso()[1]
    avatar = Avatar(user_id=user_id, avatar_id=new_id(), status=PENDING,
                    source=settings.default_avatar_provider, created_at=now, updated_at=now)
    avatars.create_avatar(avatar)
    try:
        source, variant_set = _render(user, settings)
        variants = store_variants(user_id, avatar.avatar_id, variant_set)
        switch_to(user_id, avatar.avatar_id,
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
    count_by(M.DEFAULT_AVATAR_CREATED, source=source)
    return avatars.get_avatar(user_id, avatar.avatar_id)


@idempotent(key_prefix="default-avatar", data_keyword_argument="user_id")
def ensure_default_avatar(*, user_id: str) -> str | None:
    """Give a new user a default avatar unless they have, or ever had, an avatar (a
    repeated stream record, an upload that came first); the new avatar id, or None if
    nothing was done.

    DefaultAvatarBusy while a default another attempt started is still pending, so the
    stream retries and, if that attempt never finishes (a timeout mid-render), the record
    ends in the failure queue rather than passing for done. A pending default older than
    ABANDONED_AFTER_SECONDS is soft-deleted (its objects go with the deleted sweep) and
    a new one made.
    """
    user = users.get_user(user_id)
    if user is None or user.avatar_id:
        return None
    history, _ = avatars.list_avatars(user_id, limit=50)
    state = _default_state(history, now=time.time())
    if state == HAS_AVATAR:
        return None
    if state == BEING_MADE:
        raise DefaultAvatarBusy("a default avatar is being made for this user already")
    for abandoned in _pending_defaults(history):
        logger.warning("an abandoned default avatar is discarded",
                       extra={"user_id": user_id, "avatar_id": abandoned.avatar_id})
        _discard(abandoned)
    avatar = create_default_avatar(user_id, replace_current=False)
    return avatar.avatar_id if avatar else None


def _default_state(history: Iterable[Avatar], *, now: float) -> str:
    """HAS_AVATAR if any avatar was ever ready (a default or an upload, current or since
    replaced or deleted by its user: a user who deleted theirs is not given another),
    else BEING_MADE if a default is pending and not yet abandoned, else MISSING. A failed
    attempt (soft-deleted while pending, never ready) counts for nothing, so a retry can
    still succeed."""
    history = list(history)
    if any(a.ready_at or a.status == READY for a in history):
        return HAS_AVATAR
    if any(now - clock.epoch_of(a.created_at) < ABANDONED_AFTER_SECONDS
           for a in _pending_defaults(history)):
        return BEING_MADE
    return MISSING


def _pending_defaults(history: Iterable[Avatar]) -> list[Avatar]:
    return [a for a in history if a.source in DEFAULT_SOURCES and a.status == PENDING]



@dataclass(frozen=True)
class DefaultAvatarBackfillReport:
    """What a backfill did; in a dry run, what it would have done (nothing was changed)."""

    users_checked: int  # user items read (created within the window or not)
    users_missing: int  # recent users with no avatar ever, hence in need of a default
    defaults_made: int  # in a dry run, 0
    being_made: int  # a default was pending already, started less than 15 min ago
    failed: int  # users whose default could not be made; the next run tries again
    dry_run: bool

    def as_dict(self) -> dict:
        return asdict(self)


def backfill_default_avatars(*, limit: int | None = None, dry_run: bool = False,
                             days: float | None = BACKFILL_DAYS,
                             now: float | None = None) -> DefaultAvatarBackfillReport:
    """A default avatar for each user created in the last `days` (None: any time) who
    never had an avatar: the recovery for stream records DefaultAvatarFunction gave up on.

    The users table is scanned; each candidate goes through ensure_default_avatar, so
    the stream and this agree, a second run does nothing, and a user whose default the
    stream is making right now is left to it. `limit` stops after that many users in
    need of a default (made, failed or, in a dry run, counted). One user's failure is
    counted and logged, never the end of the run.
    """
    now = time.time() if now is None else now
    since = None if days is None else now - days * 86400
    # Outside Lambda there is no invocation deadline: give each user's idempotency record
    # one, so a run killed mid-render does not leave that user "in progress" for days.
    register_lambda_context(_OperatorDeadline())
    checked = missing = made = busy = failed = 0
    for user in users.iter_users():
        checked += 1
        if user.avatar_id or (since is not None and clock.epoch_of(user.created_at) < since):
            continue
        state = _default_state(avatars.list_avatars(user.user_id, limit=50)[0], now=now)
        if state == BEING_MADE:
            busy += 1
            continue
        if state != MISSING:
            continue
        missing += 1
        if not dry_run:
            try:
                if ensure_default_avatar(user_id=user.user_id):
                    made += 1
            except (DefaultAvatarBusy, IdempotencyAlreadyInProgressError):
                busy += 1  # the stream is making it right now
            except Exception:  # noqa: BLE001 - one user must not stop the others
                logger.exception("backfilling a default avatar failed; the next run retries",
                                 extra={"user_id": user.user_id})
                failed += 1
        if limit is not None and missing >= limit:
            break
    report = DefaultAvatarBackfillReport(users_checked=checked, users_missing=missing,
                                         defaults_made=made, being_made=busy, failed=failed,
                                         dry_run=dry_run)
    logger.info("default avatar backfill", extra=report.as_dict())
    return report


class _OperatorDeadline:
    """What register_lambda_context reads from a Lambda context: the time left, here a
    fixed allowance per call (one default takes about a second)."""

    def get_remaining_time_in_millis(self) -> int:
        return 120_000


def _render(user: User, settings: Settings) -> tuple[str, VariantSet]:
    """(source, variants): the Gravatar if configured and usable, else the identicon."""
    if settings.default_avatar_provider == "gravatar":
        image = gravatar.fetch_gravatar(user.email, base_url=settings.gravatar_base_url,
                                        size=_SIDE, timeout=settings.gravatar_timeout_seconds,
                                        max_bytes=settings.avatar_max_bytes)
        if image is not None:
            try:
                # Already a square avatar its owner chose: kept as cut, not re-framed.
                return "gravatar", render_variants(image, settings, frame_faces=False)
            except ImageRejected as rejection:  # it is still a third party's file
                logger.warning("gravatar image refused; using the identicon",
                               extra={"reason": rejection.reason})
    return "identicon", render_variants(identicon_png(user.user_id, _SIDE), settings,
                                        frame_faces=False)


def _discard(avatar: Avatar) -> None:
    now, now_iso = clock.now_and_iso()
    try:
        avatars.soft_delete(avatar.user_id, avatar.avatar_id, clear_pointer=False, now_iso=now_iso,
                            now=now, grace_seconds=get_settings().avatar_grace_seconds,
                            expected_status=PENDING)
    except Exception:  # noqa: BLE001 - the original failure is what the caller must see
        logger.exception("could not soft-delete the failed default avatar",
                         extra={"avatar_id": avatar.avatar_id})

