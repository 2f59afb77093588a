"""The hourly temp sweep: old uploads go, fresh ones stay, records stop waiting."""
from __future__ import annotations

import time

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

from portrait.ids import new_id
from portrait.services.hygiene.temp_sweep import sweep_temp_uploads
from portrait.store import keys
from portrait.store.avatars import EXPIRED, PENDING
from portrait.store.aws import client as aws_client
from tests.integration.hygiene.conftest import HOUR, s3_clock

pytestmark = pytest.mark.usefixtures("hygiene")


def _upload(hygiene, kind: str, user_id: str, *, at: float, size: int = 100) -> str:
    return hygiene.put(keys.tmp_upload_key(kind, user_id, new_id()), b"u" * size, at=at)


def test_only_uploads_older_than_the_threshold_go(hygiene) -> None:
    now = time.time()
    alice, bob = hygiene.new_user(), hygiene.new_user()
    old = [_upload(hygiene, kind, user, at=now - 3 * HOUR, size=1000)
           for user in (alice, bob) for kind in ("avatars", "media", "generations")]
    fresh = [_upload(hygiene, "media", user, at=now - 10 * 60) for user in (alice, bob)]
    # In flight: an avatar upload the processor has not finished with yet.
    in_flight = hygiene.pending_avatar(alice)
    hygiene.put(in_flight.upload_key, at=now - 60)
    junk = hygiene.put("tmp/not-a-key-we-issue.bin", at=now - 5 * HOUR)

    report = sweep_temp_uploads(now=now)

    assert hygiene.keys("tmp/") == sorted([*fresh, in_flight.upload_key])
    assert report.as_dict() == {"found": 7, "deleted": 7, "failed": 0,
                                "bytes_freed": 6 * 1000 + 100, "dry_run": False,
                                "records_expired": 0, "complete": True, "next_cursor": None}
    assert hygiene.avatar(alice, in_flight.avatar_id).status == PENDING
    assert junk not in hygiene.keys()


def test_the_threshold_comes_from_the_setting_or_the_call(hygiene, monkeypatch) -> None:
    now = time.time()
    key = _upload(hygiene, "media", hygiene.new_user(), at=now - 30 * 60)
    assert sweep_temp_uploads(now=now).found == 0  # default: 120 minutes
    monkeypatch.setenv("TEMP_UPLOAD_MAX_AGE_MINUTES", "20")
    from portrait.config import get_settings
    get_settings.cache_clear()
    assert sweep_temp_uploads(now=now, dry_run=True).found == 1
    assert sweep_temp_uploads(now=now, older_than_seconds=HOUR).found == 0
    assert hygiene.keys("tmp/") == [key]


def test_a_dry_run_reports_and_changes_nothing(hygiene) -> None:
    now = time.time()
    user = hygiene.new_user()
    abandoned = hygiene.pending_avatar(user, form_expires_at=now - 3 * HOUR)
    hygiene.put(abandoned.upload_key, b"a" * 300, at=now - 3 * HOUR)
    never_used = hygiene.pending_avatar(user, form_expires_at=now - 4 * HOUR)
    before = hygiene.keys()

    report = sweep_temp_uploads(now=now, dry_run=True)

    assert report.as_dict() == {"found": 1, "deleted": 1, "failed": 0, "bytes_freed": 300,
                                "dry_run": True, "records_expired": 2, "complete": True,
                                "next_cursor": None}
    assert hygiene.keys() == before
    assert {hygiene.avatar(user, a.avatar_id).status for a in (abandoned, never_used)} == {PENDING}


def test_pending_avatars_of_swept_uploads_and_unused_forms_expire(hygiene) -> None:
    now = time.time()
    user = hygiene.new_user()
    abandoned = hygiene.pending_avatar(user)  # its form was used, the upload never processed
    hygiene.put(abandoned.upload_key, at=now - 3 * HOUR)
    never_used = hygiene.pending_avatar(user, form_expires_at=now - 3 * HOUR)
    recent_form = hygiene.pending_avatar(user, form_expires_at=now - 30 * 60)

    report = sweep_temp_uploads(now=now)

    assert report.records_expired == 2
    assert hygiene.avatar(user, abandoned.avatar_id).status == EXPIRED
    assert hygiene.avatar(user, never_used.avatar_id).status == EXPIRED
    assert hygiene.avatar(user, recent_form.avatar_id).status == PENDING
    # Once: a second run finds nothing left to expire.
    assert sweep_temp_uploads(now=now).records_expired == 0


def test_an_upload_naming_another_user_does_not_expire_their_avatar(hygiene) -> None:
    now = time.time()
    owner, intruder = hygiene.new_user(), hygiene.new_user()
    avatar = hygiene.pending_avatar(owner)
    forged = hygiene.put(keys.tmp_upload_key("avatars", intruder, avatar.upload_id),
                         at=now - 3 * HOUR)
    report = sweep_temp_uploads(now=now)
    assert (report.deleted, report.records_expired) == (1, 0)
    assert forged not in hygiene.keys()
    assert hygiene.avatar(owner, avatar.avatar_id).status == PENDING


@pytest.fixture
def failing_deletes():
    """DeleteObjects answers with Errors for the poisoned keys (and leaves them in place),
    as S3 does for a key it could not delete."""
    poisoned: set[str] = set()
    events = aws_client("s3").meta.events

    def drop_poisoned(params, **_):
        params["Delete"]["Objects"] = [o for o in params["Delete"]["Objects"]
                                       if o["Key"] not in poisoned]
        params["Delete"]["Objects"] or pytest.fail("poison only part of a batch")

    def report_poisoned(parsed, **_):
        parsed.setdefault("Errors", []).extend(
            {"Key": key, "Code": "InternalError", "Message": "We encountered an internal error."}
            for key in sorted(poisoned))
        poisoned.clear()  # only the batch that carried them

    events.register("before-parameter-build.s3.DeleteObjects", drop_poisoned, unique_id="poison")
    events.register("after-call.s3.DeleteObjects", report_poisoned, unique_id="poison-reply")
    yield poisoned
    events.unregister("before-parameter-build.s3.DeleteObjects", unique_id="poison")
    events.unregister("after-call.s3.DeleteObjects", unique_id="poison-reply")


def test_keys_s3_failed_to_delete_are_counted_and_retried_next_run(hygiene, failing_deletes) -> None:
    now = time.time()
    user = hygiene.new_user()
    uploads = [_upload(hygiene, "media", user, at=now - 3 * HOUR) for _ in range(5)]
    failing_deletes.update(uploads[1:3])

    first = sweep_temp_uploads(now=now)

    assert (first.found, first.deleted, first.failed) == (5, 3, 2)
    assert first.bytes_freed == 300
    assert hygiene.keys("tmp/") == sorted(uploads[1:3])
    second = sweep_temp_uploads(now=now)
    assert (second.found, second.deleted, second.failed) == (2, 2, 0)
    assert hygiene.keys("tmp/") == []


def test_ten_thousand_objects_take_a_dozen_calls_each(hygiene) -> None:
    """Paged listing, one DeleteObjects per page: calls (and memory) grow by the page."""
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    now = time.time()
    user = hygiene.new_user()
    with s3_clock(now - 3 * HOUR):  # straight into moto's backend: 10 000 PUTs would be slow
        for _ in range(10_000):
            # Under a tmp/ prefix no processor is notified of and no record waits for:
            # the paging is measured, not 10 000 queue messages or record lookups.
            backend.put_object(hygiene.bucket, f"tmp/abandoned/{user}/{new_id()}/source",
                               b"m" * 10)
    calls = {"ListObjectsV2": 0, "DeleteObjects": 0}
    events = aws_client("s3").meta.events

    def count(event_name, **_):
        calls[event_name.rsplit(".", 1)[-1]] += 1

    for operation in calls:
        events.register(f"before-call.s3.{operation}", count, unique_id=f"count-{operation}")
    try:
        report = sweep_temp_uploads(now=now)
    finally:
        for operation in calls:
            events.unregister(f"before-call.s3.{operation}", unique_id=f"count-{operation}")

    assert (report.found, report.deleted, report.failed) == (10_000, 10_000, 0)
    assert report.bytes_freed == 100_000
    assert calls["ListObjectsV2"] <= 12 and calls["DeleteObjects"] <= 12, calls
    assert hygiene.keys("tmp/") == []


def test_the_handler_sweeps_on_the_scheduled_event(hygiene, template) -> None:
    import json
    from pathlib import Path

    event = json.loads((Path(template.base_dir) / "events/sweep-temp-schedule.json").read_text())
    key = _upload(hygiene, "avatars", hygiene.new_user(), at=time.time() - 3 * HOUR)
    dry = hygiene.invoke("SweepTempFunction", {**event, "detail": {"dry_run": True}})
    assert (dry["found"], dry["dry_run"], hygiene.keys("tmp/")) == (1, True, [key])
    result = hygiene.invoke("SweepTempFunction", event)
    assert result == {"found": 1, "deleted": 1, "failed": 0, "bytes_freed": 100,
                      "dry_run": False, "records_expired": 0, "complete": True,
                      "next_cursor": None}
    assert hygiene.keys("tmp/") == []
