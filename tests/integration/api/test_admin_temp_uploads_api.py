"""/admin/temp-uploads: listing, sweeping and removing abandoned direct uploads (admins only)."""
from __future__ import annotations

import pytest

from portrait.config import get_settings
from portrait.ids import new_id
from portrait.services.hygiene import temp_uploads_admin
from portrait.services.accounts.registration import create_user
from portrait.store import keys
from portrait.store.aws import client as aws_client
from tests.integration.api.avatar_support import member  # noqa: F401 (fixture)

CONFIRM = {"confirm": "delete-all-temp-uploads"}
ADMIN_PASSWORD = "a long admin passphrase"


@pytest.fixture
def admin(api) -> dict:
    name = f"root_{new_id()[-8:].lower()}"
    user = create_user(username=name, email=f"{name}@example.com", password=ADMIN_PASSWORD,
                       name="Root", role="admin")
    return {"user_id": user.user_id, "token": api.login(name, ADMIN_PASSWORD)["access_token"]}


@pytest.fixture
def bucket(api) -> str:
    """The media bucket with nothing under tmp/ (the package's moto outlives each test)."""
    name, s3 = get_settings().media_bucket, aws_client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name, Prefix=keys.TMP_PREFIX):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=name, Key=item["Key"])
    return name


def _put(bucket: str, key: str, size: int = 10) -> str:
    aws_client("s3").put_object(Bucket=bucket, Key=key, Body=b"x" * size)
    return key


def _tmp(bucket: str, kind: str = "avatars", user_id: str | None = None, size: int = 10) -> str:
    return _put(bucket, keys.tmp_upload_key(kind, user_id or new_id(), new_id()), size)


def _tmp_keys(bucket: str) -> set[str]:
    listed = aws_client("s3").list_objects_v2(Bucket=bucket, Prefix=keys.TMP_PREFIX)
    return {item["Key"] for item in listed.get("Contents", [])}


def _abandoned_avatar_upload(api, member, bucket: str) -> dict:
    """What a client leaves behind when it uploads and processing never happens:
    the form's object under tmp/ and a pending avatar waiting for it."""
    started = api.post("/me/avatar/uploads", {"content_type": "image/png"}, token=member["token"])
    assert started.status == 201, started.body
    form = started.json()
    _put(bucket, form["fields"]["key"], size=1234)
    return form


def _avatar_status(api, member, avatar_id: str) -> str:
    reply = api.get(f"/me/avatars/{avatar_id}", token=member["token"])
    assert reply.status == 200, reply.body
    return reply.json()["status"]


ROUTES = [("GET", "/admin/temp-uploads", None),
          ("POST", "/admin/temp-uploads/sweep", {"dry_run": True}),
          ("DELETE", "/admin/temp-uploads/01J00000000000000000000000", None),  # fixed: xdist needs stable ids
          ("DELETE", "/admin/temp-uploads", CONFIRM)]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_admin_routes_refuse_anonymous_and_normal_users(api, member, bucket, method, path, body) -> None:
    kept = _tmp(bucket)
    anonymous = api.request(method, path, json_body=body)
    assert anonymous.status == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    normal = api.request(method, path, json_body=body, token=member["token"])
    assert normal.status == 403 and normal.error_code == "admin_required", normal.body
    assert _tmp_keys(bucket) == {kept}


def test_listing_pages_through_uploads_with_age_size_and_owner(api, admin, bucket) -> None:
    owner = new_id()
    written = {_tmp(bucket, kind, owner, size=100 + n)
               for n, kind in enumerate(("avatars", "avatars", "media", "generations"))}
    written.add(_put(bucket, "tmp/stray-file.txt", 7))  # not a key we issue: listed, not parsed

    seen, cursor, pages = {}, None, 0
    while True:
        reply = api.get("/admin/temp-uploads?limit=2" + (f"&cursor={cursor}" if cursor else ""),
                        token=admin["token"])
        assert reply.status == 200, reply.body
        page = reply.json()
        assert len(page["items"]) <= 2
        seen.update({item["key"]: item for item in page["items"]})
        pages, cursor = pages + 1, page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and set(seen) == written

    for key in written - {"tmp/stray-file.txt"}:
        item, parsed = seen[key], keys.parse_tmp_key(key)
        assert (item["upload_id"], item["kind"], item["user_id"]) == (
            parsed.upload_id, parsed.kind, owner)
        assert 100 <= item["size"] <= 103 and 0 <= item["age_seconds"] < 3600
        assert item["last_modified"].endswith("Z")
    stray = seen["tmp/stray-file.txt"]
    assert stray["upload_id"] is None and stray["user_id"] is None and stray["size"] == 7


def test_listing_refuses_a_forged_cursor_and_a_page_over_1000(api, admin, bucket) -> None:
    forged = api.get("/admin/temp-uploads?cursor=not-a-cursor", token=admin["token"])
    assert forged.status == 400 and forged.error_code == "invalid_cursor"
    too_many = api.get("/admin/temp-uploads?limit=1001", token=admin["token"])
    assert too_many.status == 422 and too_many.error_code == "invalid_request"


def test_a_dry_run_sweep_reports_and_deletes_nothing(api, admin, bucket) -> None:
    written = {_tmp(bucket, size=50), _tmp(bucket, "media", size=70)}
    reply = api.post("/admin/temp-uploads/sweep", {"older_than_hours": 0, "dry_run": True},
                     token=admin["token"])
    assert reply.status == 200, reply.body
    report = reply.json()
    # A dry run reports what it would delete, and leaves every object where it was.
    assert report["dry_run"] is True and report["found"] == 2 and report["bytes_freed"] == 120
    assert _tmp_keys(bucket) == written


def test_a_sweep_of_everything_deletes_uploads_and_expires_their_avatars(api, admin, member,
                                                                          bucket) -> None:
    # moto stamps LastModified with the current time: only an age of 0 reaches these.
    form = _abandoned_avatar_upload(api, member, bucket)
    _tmp(bucket, "media")
    young = api.post("/admin/temp-uploads/sweep", {"older_than_hours": 1}, token=admin["token"])
    assert young.status == 200 and young.json()["deleted"] == 0 and len(_tmp_keys(bucket)) == 2

    reply = api.post("/admin/temp-uploads/sweep", {"older_than_hours": 0}, token=admin["token"])
    assert reply.status == 200, reply.body
    report = reply.json()
    assert report["dry_run"] is False and report["deleted"] == 2 and report["failed"] == 0
    assert report["records_expired"] == 1
    assert _tmp_keys(bucket) == set()
    assert _avatar_status(api, member, form["avatar_id"]) == "expired"


def test_a_sweep_bigger_than_one_request_answers_in_batches_and_resumes(api, admin, bucket,
                                                                        monkeypatch) -> None:
    """It never runs into the API's timeout: it stops between pages when its time is up
    and says where to go on. (A zero budget stands in for a slow sweep.)"""
    monkeypatch.setattr(temp_uploads_admin, "_BOUNDED",
                        {"time_budget_seconds": 0, "page_size": 2})
    written = {_tmp(bucket, size=10) for _ in range(5)}
    body: dict = {"older_than_hours": 0}
    batches = []
    while True:
        reply = api.post("/admin/temp-uploads/sweep", body, token=admin["token"])
        assert reply.status == 200, reply.body
        batches.append(reply.json())
        if batches[-1]["complete"]:
            break
        body["cursor"] = batches[-1]["next_cursor"]
        assert len(batches) < 10
    assert [b["deleted"] for b in batches] == [2, 2, 1, 0]
    assert batches[-1]["next_cursor"] is None
    assert not written & _tmp_keys(bucket)


def test_a_sweep_refuses_a_cursor_that_is_not_a_tmp_key(api, admin, bucket) -> None:
    reply = api.post("/admin/temp-uploads/sweep", {"cursor": "avatars/x"}, token=admin["token"])
    assert reply.status == 422 and reply.json()["error"]["details"][0]["field"] == "body.cursor"


def test_a_sweep_refuses_a_negative_age(api, admin, bucket) -> None:
    reply = api.post("/admin/temp-uploads/sweep", {"older_than_hours": -1}, token=admin["token"])
    assert reply.status == 422 and reply.error_code == "invalid_request"
    assert reply.json()["error"]["details"][0]["field"] == "body.older_than_hours"


def test_deleting_one_session_removes_its_object_and_expires_its_avatar(api, admin, member,
                                                                        bucket) -> None:
    form = _abandoned_avatar_upload(api, member, bucket)
    other = _tmp(bucket)
    reply = api.delete(f"/admin/temp-uploads/{form['upload_id']}", token=admin["token"])
    assert reply.status == 200, reply.body
    assert reply.json() == {"upload_id": form["upload_id"], "kind": "avatars",
                            "user_id": member["user_id"], "deleted": 1, "failed": 0,
                            "bytes_freed": 1234, "record_expired": True}
    assert _tmp_keys(bucket) == {other}
    assert _avatar_status(api, member, form["avatar_id"]) == "expired"

    again = api.delete(f"/admin/temp-uploads/{form['upload_id']}", token=admin["token"])
    assert again.status == 404 and again.error_code == "temp_upload_not_found"


def test_deleting_one_session_without_a_record_finds_it_by_its_key(api, admin, bucket) -> None:
    key = _tmp(bucket, "media", size=33)
    upload_id = keys.parse_tmp_key(key).upload_id
    reply = api.delete(f"/admin/temp-uploads/{upload_id}", token=admin["token"])
    assert reply.status == 200, reply.body
    assert reply.json()["kind"] == "media" and reply.json()["record_expired"] is False
    assert _tmp_keys(bucket) == set()
    unknown = api.delete(f"/admin/temp-uploads/{new_id()}", token=admin["token"])
    assert unknown.status == 404 and unknown.error_code == "temp_upload_not_found"
    malformed = api.delete("/admin/temp-uploads/not-an-id", token=admin["token"])
    assert malformed.status == 422


@pytest.mark.parametrize("body", [None, {}, {"confirm": "yes"}, {"confirm": "DELETE-ALL-TEMP-UPLOADS"}])
def test_deleting_everything_needs_the_exact_confirmation(api, admin, bucket, body) -> None:
    kept = _tmp(bucket)
    reply = api.request("DELETE", "/admin/temp-uploads", json_body=body, token=admin["token"])
    assert reply.status == 400 and reply.error_code == "confirmation_required", reply.body
    assert "delete-all-temp-uploads" in reply.json()["error"]["message"]
    assert _tmp_keys(bucket) == {kept}


def test_deleting_everything_is_logged_with_the_admin(api, admin, member, bucket,
                                                      structured_logs) -> None:
    form = _abandoned_avatar_upload(api, member, bucket)
    for n in range(4):
        _tmp(bucket, "media", size=10 + n)
    reply = api.request("DELETE", "/admin/temp-uploads", json_body=CONFIRM, token=admin["token"])
    assert reply.status == 200, reply.body
    assert reply.json() == {"found": 5, "deleted": 5, "failed": 0, "bytes_freed": 1234 + 46,
                            "dry_run": False, "records_expired": 1, "complete": True,
                            "next_cursor": None}
    assert _tmp_keys(bucket) == set()
    assert _avatar_status(api, member, form["avatar_id"]) == "expired"

    warnings = [r for r in structured_logs() if r["level"] == "WARNING"]
    assert len(warnings) == 1, warnings
    assert warnings[0]["admin_user_id"] == admin["user_id"]
    assert (warnings[0]["count"], warnings[0]["bytes"]) == (5, 1280)
