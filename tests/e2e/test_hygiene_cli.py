"""Storage hygiene against `portrait dev`: `portrait sweep temp|deleted` on the shared
stack, and the schedules on a stack of its own started with zero ages
(`--parameter-overrides TempUploadMaxAgeMinutes=0 AvatarGraceSeconds=0`)."""
from __future__ import annotations

import json
import subprocess
import time
import uuid
from contextlib import contextmanager
from typing import Iterator

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from tests.e2e.conftest import PORTRAIT, ROOT, LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def zero_age_stack(local_stack) -> Iterator[LocalStack]:
    """The stack with sweeps that take everything: no upload is young, no grace is left
    (`portrait update`, until the module ends; this module's earlier tests keep the
    defaults)."""
    with local_stack.parameters(TempUploadMaxAgeMinutes="0", AvatarGraceSeconds="0") as stack:
        yield stack


def _s3(stack: LocalStack):
    return boto3.client("s3", endpoint_url=stack.s3_url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _bucket(stack: LocalStack) -> str:
    return json.loads((stack.state_dir / "local.json").read_text())["resources"]["MediaBucket"]


def _exists(stack: LocalStack, key: str) -> bool:
    try:
        _s3(stack).head_object(Bucket=_bucket(stack), Key=key)
        return True
    except ClientError as exc:
        assert exc.response["Error"]["Code"] in ("404", "NoSuchKey"), exc
        return False


def _keys_under(stack: LocalStack, prefix: str) -> list[str]:
    listed = _s3(stack).list_objects_v2(Bucket=_bucket(stack), Prefix=prefix)
    return [item["Key"] for item in listed.get("Contents", [])]


@contextmanager
def _processor_never_runs(stack: LocalStack) -> Iterator[None]:
    """Uploads made meanwhile stay under tmp/ with their avatar pending, as when a
    processor gives up: the bucket's notifications are off, then restored as they were."""
    s3, bucket = _s3(stack), _bucket(stack)
    saved = {k: v for k, v in s3.get_bucket_notification_configuration(Bucket=bucket).items()
             if k != "ResponseMetadata"}
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    try:
        yield
    finally:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=saved)


def _upload_form(stack: LocalStack, auth: dict) -> dict:
    started = requests.post(stack.url("/me/avatar/uploads"), headers=auth,
                            json={"content_type": "image/png"}, timeout=60)
    assert started.status_code == 201, started.text
    form = started.json()
    posted = requests.post(form["url"], data=form["fields"], timeout=60,
                           files={"file": ("me.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "image/png")})
    assert posted.status_code in (200, 201, 204), posted.text
    return form


def _avatar(stack: LocalStack, auth: dict, avatar_id: str) -> requests.Response:
    return requests.get(stack.url(f"/me/avatars/{avatar_id}"), headers=auth, timeout=60)


def _report(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # stdout holds the report alone; logs go to stderr


def test_sweep_temp_reports_in_a_dry_run_then_deletes_and_expires(local_stack) -> None:
    auth, _ = local_stack.new_member("tidy")
    with _processor_never_runs(local_stack):
        form = _upload_form(local_stack, auth)
    key = form["fields"]["key"]
    assert _exists(local_stack, key)

    dry = _report(local_stack.portrait("sweep", "temp", "--older-than-hours", "0", "--dry-run"))
    assert dry["dry_run"] is True and dry["found"] >= 1 and dry["records_expired"] >= 1
    assert _exists(local_stack, key)
    assert _avatar(local_stack, auth, form["avatar_id"]).json()["status"] == "pending"

    swept = _report(local_stack.portrait("sweep", "temp", "--older-than-hours", "0"))
    assert swept["dry_run"] is False and swept["deleted"] >= 1 and swept["failed"] == 0
    assert swept["records_expired"] >= 1
    assert not _exists(local_stack, key)
    assert _avatar(local_stack, auth, form["avatar_id"]).json()["status"] == "expired"


def test_sweep_deleted_prints_its_report(local_stack) -> None:
    for args in (("--dry-run",), ()):
        report = _report(local_stack.portrait("sweep", "deleted", *args))
        assert report["dry_run"] is bool(args)
        assert {"avatars_found", "avatars_purged", "orphans_deleted", "bytes_freed"} <= set(report)


def test_sweep_refuses_a_negative_age_and_needs_a_stack(local_stack, tmp_path) -> None:
    negative = local_stack.portrait("sweep", "temp", "--older-than-hours", "-1")
    assert negative.returncode == 2 and "older-than-hours" in negative.stderr
    nowhere = subprocess.run([str(PORTRAIT), "sweep", "deleted", "--state-dir", str(tmp_path)],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert nowhere.returncode == 2 and "no running local stack" in nowhere.stderr


def test_the_hourly_schedule_sweeps_every_upload_at_age_zero(zero_age_stack) -> None:
    # A key no form issued: ThumbnailFunction drops its notification and leaves it to the sweep.
    key = f"tmp/media/{uuid.uuid4().hex}/abandoned/source"
    _s3(zero_age_stack).put_object(Bucket=_bucket(zero_age_stack), Key=key, Body=b"left behind")
    fired = zero_age_stack.portrait("schedule", "fire", "SweepTempFunction", "Hourly")
    assert fired.returncode == 0, fired.stderr + fired.stdout
    assert json.loads(fired.stdout)["ok"] is True
    assert not _exists(zero_age_stack, key)


def test_a_deleted_avatar_is_purged_at_once_without_grace(zero_age_stack) -> None:
    stack = zero_age_stack
    auth, user_id = stack.new_member("tidy")
    deadline = time.monotonic() + 60  # the default avatar arrives through the users stream
    while requests.get(stack.url("/me/avatar"), headers=auth, timeout=60).status_code != 200:
        assert time.monotonic() < deadline, stack.output()[-3000:]
        time.sleep(0.25)
    deleted = requests.delete(stack.url("/me/avatar"), headers=auth, timeout=60)
    assert deleted.status_code == 200, deleted.text
    avatar_id = deleted.json()["avatar_id"]
    prefix = f"avatars/{user_id}/{avatar_id}/"
    assert _keys_under(stack, prefix), "the deleted avatar's variants should still be there"

    # Whichever comes first purges it: the sweep run here, or the local TTL (a pass every
    # 30 s deletes the record, whose grace is zero, and PurgeFunction its files).
    report = _report(stack.portrait("sweep", "deleted"))
    assert report["failed"] == 0
    deadline = time.monotonic() + 60
    while _keys_under(stack, prefix):
        assert time.monotonic() < deadline, (report, stack.output()[-3000:])
        time.sleep(0.25)
    restore = requests.post(stack.url(f"/me/avatars/{avatar_id}/restore"), headers=auth, timeout=60)
    assert restore.status_code == 410, restore.text
