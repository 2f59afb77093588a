"""The nightly orphan sweep: unowned objects past a day go, everything else stays."""
from __future__ import annotations

import time

from portrait.config import get_settings
from portrait.ids import new_id
from portrait.services.hygiene.deleted_sweep import sweep_deleted_avatars
from portrait.store import keys
from portrait.store.aws import client as aws_client
from portrait.store.avatars import EXPIRED, PURGED
from portrait.sizes import AVATAR_SIZES
from tests.integration.hygiene.conftest import HOUR, s3_clock


def test_old_orphans_go_fresh_ones_and_live_avatars_stay(hygiene) -> None:
    now = time.time()
    day_ago = now - 25 * HOUR
    user_id = hygiene.new_user()
    live = hygiene.ready_avatar(user_id, at=day_ago)  # old objects, but a record owns them
    orphan = [hygiene.put(keys.avatar_variant_key(user_id, new_id(), size, "webp"), b"o" * 10,
                          at=day_ago) for size in ("small", "full")]
    fresh = hygiene.put(keys.avatar_variant_key(user_id, new_id(), "small", "webp"), at=now - HOUR)
    stray = hygiene.put("avatars/not-a-key-we-build.webp", b"s" * 10, at=day_ago)
    # An image id no media record has: nothing owns it.
    media = hygiene.put(f"media/{user_id}/{new_id()}/original.jpg", b"m" * 10, at=day_ago)

    report = sweep_deleted_avatars(now=now)

    assert (report.orphans_found, report.orphans_deleted, report.failed) == (4, 4, 0)
    assert report.bytes_freed == 40
    remaining = set(hygiene.keys())
    assert not remaining & {*orphan, stray, media}
    assert fresh in remaining
    assert len(hygiene.keys(keys.avatar_prefix(user_id, live))) == len(AVATAR_SIZES)


def test_objects_of_expired_or_purged_records_are_orphans(hygiene) -> None:
    """A tombstone, an expired or a rejected record never owns objects: leftovers under
    them (a crashed attempt's variants) are swept like any orphan."""
    now = time.time()
    user_id = hygiene.new_user()
    expired = hygiene.pending_avatar(user_id, form_expires_at=now - 30 * HOUR)
    from portrait.services.hygiene.temp_sweep import sweep_temp_uploads
    assert sweep_temp_uploads(now=now).records_expired == 1
    leftover = hygiene.put(keys.avatar_variant_key(user_id, expired.avatar_id, "full", "webp"),
                           at=now - 25 * HOUR)
    report = sweep_deleted_avatars(now=now, dry_run=True)
    assert (report.orphans_found, report.orphans_deleted, report.dry_run) == (1, 1, True)
    assert leftover in hygiene.keys()
    assert sweep_deleted_avatars(now=now).orphans_deleted == 1
    assert leftover not in hygiene.keys()
    assert hygiene.avatar(user_id, expired.avatar_id).status == EXPIRED  # a record: no tombstone


def test_owners_are_looked_up_per_prefix_in_batches(hygiene, monkeypatch) -> None:
    from portrait.store import avatar_cleanup

    now = time.time()
    user_id = hygiene.new_user()
    for _ in range(3):
        avatar_id = new_id()
        for size in ("thumbnail", "small", "medium", "large", "full"):
            hygiene.put(keys.avatar_variant_key(user_id, avatar_id, size, "webp"),
                        at=now - 25 * HOUR)
    lookups = []
    real = avatar_cleanup.avatar_statuses
    monkeypatch.setattr(avatar_cleanup, "avatar_statuses",
                        lambda owners: lookups.append(sorted(owners)) or real(owners))
    assert sweep_deleted_avatars(now=now).orphans_deleted == 15
    assert len(lookups) == 1 and len(lookups[0]) == 3  # one batch, one key per avatar


def test_an_avatar_with_objects_and_no_record_is_left_a_tombstone(hygiene) -> None:
    """Its record went by TTL and its purge never finished: once the orphan pass deletes
    the objects, the tombstone that purge would have written keeps a restore at 410."""
    now = time.time()
    user_id, avatar_id = hygiene.new_user(), new_id()
    for size in ("small", "full"):
        hygiene.put(keys.avatar_variant_key(user_id, avatar_id, size, "webp"), at=now - 25 * HOUR)
    media_id = new_id()
    hygiene.put(f"media/{user_id}/{media_id}/original.jpg", at=now - 25 * HOUR)

    assert sweep_deleted_avatars(now=now, dry_run=True).orphans_found == 3
    assert hygiene.avatar(user_id, avatar_id) is None  # a dry run writes nothing

    report = sweep_deleted_avatars(now=now)

    assert (report.orphans_deleted, report.failed) == (3, 0)
    tombstone = hygiene.avatar(user_id, avatar_id)
    assert (tombstone.status, tombstone.variants) == (PURGED, {})
    assert tombstone.expires_at == int(now) + get_settings().avatar_tombstone_seconds
    assert hygiene.avatar(user_id, media_id) is None  # media objects are owed no record
    assert sweep_deleted_avatars(now=now).orphans_found == 0


def _media(user_id: str, status: str) -> str:
    from portrait.store.portfolio import media as media_store

    media_id = new_id()
    media_store.create_media(media_store.Media(
        media_id=media_id, user_id=user_id, status=media_store.PENDING,
        content_type="image/jpeg", upload_key=keys.tmp_upload_key("media", user_id, media_id),
        upload_expires_at=0, created_at="2026-01-01T00:00:00Z", updated_at="2026-01-01T00:00:00Z"))
    if status != media_store.PENDING:
        media_store.settle(media_id, status=status, now_iso="2026-01-01T00:00:00Z", changes={})
    return media_id


def test_media_objects_are_looked_up_in_the_media_table(hygiene) -> None:
    """Ready and pending images own media/{user}/{id}/; a rejected one, an id with no
    record, or a record of another user own nothing there."""
    now = time.time()
    user_id, other_id = hygiene.new_user(), hygiene.new_user()
    owned = {status: _media(user_id, status) for status in ("ready", "pending", "rejected")}
    theirs = _media(other_id, "ready")
    put = {name: hygiene.put(keys.media_thumbnail_key(user_id, media_id), at=now - 25 * HOUR)
           for name, media_id in {**owned, "unrecorded": new_id(), "misplaced": theirs}.items()}

    report = sweep_deleted_avatars(now=now)

    assert report.orphans_deleted == 3
    remaining = set(hygiene.keys("media/"))
    assert remaining == {put["ready"], put["pending"]}


def test_a_deleted_image_s_original_and_sizes_are_orphans(hygiene) -> None:
    """Every object a portfolio image owns (the kept original, in Standard-IA, the display
    copies of the size ladder, the thumbnail) is found by its media id: a record's stay,
    and once the record is gone (a crash between deleting it and its objects) they go."""
    from portrait.store.portfolio import media as media_store

    now = time.time()
    user_id = hygiene.new_user()
    live, gone = _media(user_id, "ready"), _media(user_id, "ready")

    def objects_of(media_id: str) -> set[str]:
        owned = {keys.media_original_key(user_id, media_id, "jpeg"),
                 keys.media_thumbnail_key(user_id, media_id),
                 *(keys.media_display_key(user_id, media_id, side) for side in (640, 1280, 2048))}
        for key in owned:
            hygiene.put(key, at=now - 25 * HOUR)
        return owned

    kept, orphaned = objects_of(live), objects_of(gone)
    with s3_clock(now - 25 * HOUR):  # as the processor writes it: Standard-IA
        aws_client("s3").put_object(Bucket=hygiene.bucket, Body=b"o" * 100, StorageClass="STANDARD_IA",
                                Key=keys.media_original_key(user_id, gone, "jpeg"))
    assert media_store.delete_record(gone)

    report = sweep_deleted_avatars(now=now)

    assert (report.orphans_deleted, report.failed) == (len(orphaned), 0)
    assert set(hygiene.keys("media/")) == kept
