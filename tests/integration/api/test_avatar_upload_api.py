"""POST /me/avatar/uploads: the presigned form, the pending record, the limits."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import requests

from portrait.config import get_settings
from portrait.store import avatars
from portrait.store.aws import client as aws_client
from tests.integration.api.avatar_support import member, pinned_rate_window  # noqa: F401 (fixtures)

FIVE_MB = 5 * 1024 * 1024


def _start(api, member, content_type="image/png"):
    return api.post("/me/avatar/uploads", {"content_type": content_type}, token=member["token"])


def _policy(fields: dict) -> dict:
    return json.loads(base64.b64decode(fields["policy"]))


def test_upload_start_issues_a_form_for_the_exact_tmp_key(api, member) -> None:
    requested_at = datetime.now(timezone.utc).replace(microsecond=0)
    reply = _start(api, member)
    assert reply.status == 201, reply.body
    started = reply.json()
    assert set(started) == {"upload_id", "avatar_id", "url", "fields", "expires_at", "max_bytes",
                            "content_type"}
    key = f"tmp/avatars/{member['user_id']}/{started['upload_id']}/source"
    assert started["fields"]["key"] == key
    assert started["fields"]["Content-Type"] == "image/png"
    assert started["max_bytes"] == FIVE_MB and started["upload_id"] != started["avatar_id"]

    conditions = _policy(started["fields"])["conditions"]
    assert {"key": key} in conditions
    assert ["content-length-range", 1, FIVE_MB] in conditions
    assert {"Content-Type": "image/png"} in conditions
    # The policy expires exactly when the reply says the form does (read back from the
    # signed policy, so a slow signer on a busy host cannot skew them) ...
    policy_expiry = datetime.fromisoformat(_policy(started["fields"])["expiration"].replace("Z", "+00:00"))
    reply_expiry = datetime.fromisoformat(started["expires_at"].replace("Z", "+00:00"))
    assert policy_expiry == reply_expiry
    # ... ten minutes after issue (give or take the signing itself on a loaded machine).
    assert 0 <= (reply_expiry - requested_at).total_seconds() - 600 <= 60


def test_upload_start_writes_a_pending_record_the_client_can_poll(api, member) -> None:
    started = _start(api, member, "image/webp").json()
    record = avatars.get_avatar(member["user_id"], started["avatar_id"])
    assert record.status == "pending" and record.source == "upload"
    assert record.upload_id == started["upload_id"] and record.upload_key == started["fields"]["key"]
    assert record.content_type == "image/webp"
    created = datetime.fromisoformat(record.created_at.replace("Z", "+00:00")).timestamp()
    assert record.upload_expires_at - created == 600  # settings.upload_form_ttl_seconds
    assert avatars.find_by_upload(started["upload_id"]) == (member["user_id"], started["avatar_id"])

    polled = api.get(f"/me/avatars/{started['avatar_id']}", token=member["token"])
    assert polled.status == 200, polled.body
    assert polled.json()["status"] == "pending" and polled.json()["current"] is False
    assert polled.json()["variants"] == {}


def test_the_form_uploads_straight_to_the_bucket(api, member) -> None:
    started = _start(api, member, "image/jpeg").json()
    body = b"\xff\xd8\xff\xe0" + b"\0" * 64  # what is inside is the processor's business
    posted = requests.post(started["url"], data=started["fields"],
                           files={"file": ("me.jpg", body, "image/jpeg")}, timeout=10)
    assert posted.status_code in (200, 201, 204), posted.text
    stored = aws_client("s3").get_object(Bucket=get_settings().media_bucket, Key=started["fields"]["key"])
    assert stored["Body"].read() == body and stored["ContentType"] == "image/jpeg"


def test_a_jpg_alias_gets_a_form_for_image_jpeg(api, member) -> None:
    started = _start(api, member, "Image/JPG").json()
    assert started["content_type"] == "image/jpeg"
    assert {"Content-Type": "image/jpeg"} in _policy(started["fields"])["conditions"]


def test_unsupported_content_types_are_refused_with_a_clear_code(api, member) -> None:
    for content_type in ("image/svg+xml", "text/html", "image/heic"):
        reply = _start(api, member, content_type)
        assert reply.status == 422 and reply.error_code == "unsupported_content_type", reply.body
        [detail] = reply.json()["error"]["details"]
        assert detail["field"] == "body.content_type" and detail["message"].startswith(
            "avatars must be one of image/jpeg")
    missing = api.post("/me/avatar/uploads", {}, token=member["token"])
    assert missing.status == 422 and missing.error_code == "invalid_request"


def test_the_sixth_upload_in_a_minute_is_limited(api, member, pinned_rate_window) -> None:
    assert _start(api, member, "image/tiff").status == 422  # refused requests cost no quota
    for _ in range(5):
        assert _start(api, member).status == 201
    limited = _start(api, member)
    assert limited.status == 429 and limited.error_code == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    # Nothing was written for the refused attempt.
    listed = api.get("/me/avatars", token=member["token"]).json()["items"]
    assert len(listed) == 5


def test_upload_start_needs_a_token(api) -> None:
    reply = api.post("/me/avatar/uploads", {"content_type": "image/png"})
    assert reply.status == 401 and reply.headers["www-authenticate"] == "Bearer"
