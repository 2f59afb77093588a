"""Reading avatars: /me/avatar, polling one, the public redirect, the placeholder,
and the avatar in profiles."""
from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from PIL import Image

from portrait.config import get_settings
from portrait.store import avatars
from portrait.store.aws import client as aws_client
from portrait.sizes import AVATAR_SIZES
from tests.integration.api.avatar_support import (  # noqa: F401 (fixtures)
    SIZES,
    member,
    other_member,
    pending_avatar,
    processed_avatar,
    variant_key,
)

CDN = "https://cdn.example.com/"


@pytest.fixture
def cdn(monkeypatch) -> str:
    monkeypatch.setenv("PUBLIC_BASE_URL", CDN)
    get_settings.cache_clear()
    return CDN.rstrip("/")


def test_current_avatar_urls_come_from_the_public_base_url(api, member, cdn) -> None:
    avatar_id = processed_avatar(member["user_id"])
    reply = api.get("/me/avatar?size=small", token=member["token"])
    assert reply.status == 200, reply.body
    current = reply.json()
    assert current["avatar_id"] == avatar_id and current["status"] == "ready"
    assert current["size"] == "small"
    assert current["url"] == f"{cdn}/{variant_key(member['user_id'], avatar_id, 'small')}"
    assert list(current["variants"]) == list(SIZES)  # smallest first
    assert current["variants"]["full"]["url"] == f"{cdn}/avatars/{member['user_id']}/{avatar_id}/full.webp"
    # One avatar shape: its variants read as GET /me/avatars/{avatar_id} has them.
    polled = api.get(f"/me/avatars/{avatar_id}", token=member["token"]).json()
    assert current["variants"] == polled["variants"]
    assert api.get("/me/avatar", token=member["token"]).json()["size"] == "medium"


def test_without_a_public_base_url_variants_are_presigned_gets(api, member) -> None:
    avatar_id = processed_avatar(member["user_id"])
    key = variant_key(member["user_id"], avatar_id, "large")
    aws_client("s3").put_object(Bucket=get_settings().media_bucket, Key=key, Body=b"webp bytes",
                                ContentType="image/webp")
    url = api.get("/me/avatar?size=large", token=member["token"]).json()["url"]
    parts = urlsplit(url)
    assert parts.path == f"/{key}" and "X-Amz-Signature" in parse_qs(parts.query)
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200 and fetched.content == b"webp bytes"


def test_a_missing_size_falls_back_to_the_next_larger(api, member, cdn) -> None:
    processed_avatar(member["user_id"], sizes=("small", "large"))
    current = api.get("/me/avatar?size=medium", token=member["token"]).json()
    assert current["size"] == "large" and list(current["variants"]) == ["small", "large"]


def test_no_current_avatar_is_a_clear_404(api, member) -> None:
    reply = api.get("/me/avatar", token=member["token"])
    assert reply.status == 404 and reply.error_code == "no_current_avatar"
    pending_avatar(member["user_id"])  # an upload in progress is not an avatar yet
    assert api.get("/me/avatar", token=member["token"]).error_code == "no_current_avatar"


def test_an_unknown_size_is_422(api, member) -> None:
    reply = api.get("/me/avatar?size=huge", token=member["token"])
    assert reply.status == 422 and reply.error_code == "invalid_request"


def test_polling_shows_ready_variants_with_dimensions(api, member, cdn) -> None:
    avatar_id = processed_avatar(member["user_id"])
    polled = api.get(f"/me/avatars/{avatar_id}", token=member["token"]).json()
    assert polled["status"] == "ready" and polled["current"] is True and polled["source"] == "upload"
    assert polled["variants"]["thumbnail"] == {
        "url": f"{cdn}/{variant_key(member['user_id'], avatar_id, 'thumbnail')}",
        "width": 64, "height": 64}
    assert polled["reject_reason"] is None and polled["restorable_until"] is None


def test_polling_a_rejected_upload_gives_the_reason(api, member) -> None:
    avatar = pending_avatar(member["user_id"])
    avatars.mark_rejected(member["user_id"], avatar.avatar_id, reason="dimensions_too_small",
                          message="the image is 40x40; at least 100x100 is needed",
                          now_iso="2027-01-15T08:01:00Z")
    polled = api.get(f"/me/avatars/{avatar.avatar_id}", token=member["token"]).json()
    assert polled["status"] == "rejected" and polled["variants"] == {}
    assert polled["reject_reason"] == "dimensions_too_small"
    assert polled["reject_message"] == "the image is 40x40; at least 100x100 is needed"


def test_polling_an_upload_that_never_came_says_expired(api, member) -> None:
    avatar = pending_avatar(member["user_id"])
    avatars.set_status(member["user_id"], avatar.avatar_id, status="expired", expected_status="pending",
                       now_iso="2027-01-15T08:20:00Z")
    polled = api.get(f"/me/avatars/{avatar.avatar_id}", token=member["token"])
    assert polled.status == 200 and polled.json()["status"] == "expired"


def test_someone_elses_avatar_is_not_found(api, member, other_member) -> None:
    theirs = processed_avatar(other_member["user_id"])
    reply = api.get(f"/me/avatars/{theirs}", token=member["token"])
    assert reply.status == 404 and reply.error_code == "avatar_not_found"
    assert api.get("/me/avatars/not-a-ulid", token=member["token"]).status == 422


def test_public_avatar_redirects_to_the_variant(api, member, cdn) -> None:
    avatar_id = processed_avatar(member["user_id"])
    reply = api.get(f"/users/{member['user_id']}/avatar?size=thumbnail")
    assert reply.status == 302
    assert reply.headers["location"] == f"{cdn}/{variant_key(member['user_id'], avatar_id, 'thumbnail')}"
    assert reply.headers["cache-control"] == "public, max-age=300"


def test_public_avatar_presigned_redirect_is_cached_for_less_than_the_url_lives(api, member) -> None:
    processed_avatar(member["user_id"])
    reply = api.get(f"/users/{member['user_id']}/avatar")
    assert reply.status == 302 and "X-Amz-Signature" in reply.headers["location"]
    max_age = int(reply.headers["cache-control"].rpartition("=")[2])
    assert max_age < get_settings().download_url_ttl_seconds


def test_without_an_avatar_the_redirect_goes_to_the_placeholder(api, member) -> None:
    reply = api.get(f"/users/{member['user_id']}/avatar?size=small")
    assert reply.status == 302 and reply.headers["location"] == "/avatars/default?size=small"

    image = api.get("/avatars/default?size=small")
    assert image.status == 200 and image.headers["content-type"] == "image/png"
    assert "max-age=86400" in image.headers["cache-control"]
    with Image.open(io.BytesIO(image.content)) as png:
        assert png.format == "PNG" and png.size == (128, 128)


def test_public_avatar_of_an_unknown_user_is_404(api) -> None:
    reply = api.get("/users/01JAAAAAAAAAAAAAAAAAAAAAAA/avatar")
    assert reply.status == 404 and reply.error_code == "user_not_found"


def test_profiles_include_the_current_avatar(api, member, cdn) -> None:
    assert api.get("/me", token=member["token"]).json()["avatar"] is None
    avatar_id = processed_avatar(member["user_id"])
    expected = {"avatar_id": avatar_id, "status": "ready", "size": "medium",
                "url": f"{cdn}/{variant_key(member['user_id'], avatar_id, 'medium')}"}
    me = api.get("/me", token=member["token"]).json()
    assert me["avatar_id"] == avatar_id
    assert {k: me["avatar"][k] for k in expected} == expected and len(me["avatar"]["variants"]) == len(AVATAR_SIZES)
    public = api.get(f"/users/{member['user_id']}").json()
    assert public["avatar"] == me["avatar"]
    patched = api.patch("/me", {"bio": "hi"}, token=member["token"]).json()
    assert patched["avatar"] == me["avatar"]
    logged_in = api.login(member["username"])["user"]
    assert logged_in["avatar"] == me["avatar"]
