"""The portfolio end to end over HTTP against `portrait dev`: projects, three uploads
straight to S3 (a rotated photo with GPS, a PNG with alpha, a corrupt file), the
thumbnail worker, every domain event on the bus, and a delete that leaves nothing."""
from __future__ import annotations

import io
import time

import pytest
import requests
from PIL import Image

from tests.e2e.bus_tap import BusTap
from tests.integration.portfolio.conftest import jpeg, png_with_alpha

pytestmark = pytest.mark.e2e
DEADLINE = 120  # seconds: a busy two-core machine, and a worker's first cold start



def _upload(stack, auth, body: bytes, project_id: str, content_type: str, filename: str) -> str:
    started = requests.post(stack.url("/media/uploads"), headers=auth, timeout=60, json={
        "content_type": content_type, "project_id": project_id, "filename": filename})
    assert started.status_code == 201, started.text
    form = started.json()
    posted = requests.post(form["url"], data=form["fields"],
                           files={"file": (filename, body, content_type)}, timeout=60)
    assert posted.status_code in (200, 201, 204), posted.text
    return form["media_id"]


def _settled(stack, auth, media_id: str) -> dict:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        reply = requests.get(stack.url(f"/media/{media_id}"), headers=auth, timeout=60)
        assert reply.status_code == 200, reply.text
        if reply.json()["status"] != "pending":
            return reply.json()
        time.sleep(0.25)
    pytest.fail(f"image {media_id} still pending after {DEADLINE} s:\n{stack.output()[-3000:]}")


def _keys(stack, prefix: str) -> list[str]:
    listed = stack.aws("s3").list_objects_v2(Bucket=stack.resources()["MediaBucket"],
                                                  Prefix=prefix)
    return [item["Key"] for item in listed.get("Contents", [])]


def _image(url: str) -> Image.Image:
    reply = requests.get(url, timeout=60)
    assert reply.status_code == 200
    return Image.open(io.BytesIO(reply.content))


def test_projects_images_events_and_a_clean_delete(local_stack) -> None:
    stack, tap = local_stack, BusTap(local_stack)
    auth, user_id = stack.new_member("folio")
    created = requests.post(stack.url("/projects"), headers=auth, timeout=60, json={
        "title": "Expense Tracker", "description": "A simple finance app",
        "tags": ["react", "flask"], "link": "https://example.com"})
    assert created.status_code == 201, created.text
    project_id = created.json()["project_id"]
    event = tap.wait_for("project.created", stack, project_id=project_id)
    assert {k: event["detail"][k] for k in ("user_id", "title", "description", "tags")} == {
        "user_id": user_id, "title": "Expense Tracker", "description": "A simple finance app",
        "tags": ["react", "flask"]}
    assert event["detail"]["username"].startswith("folio_") and "thumbnail_url" in event["detail"]

    photo = _upload(stack, auth, jpeg(1200, 900, orientation=6, gps=True), project_id,
                    "image/jpeg", "beach.jpg")
    assert _settled(stack, auth, photo)["status"] == "ready"
    logo = _upload(stack, auth, png_with_alpha(), project_id, "image/png", "logo.png")
    broken = _upload(stack, auth, jpeg()[:600], project_id, "image/jpeg", "broken.jpg")
    ready, rejected = _settled(stack, auth, logo), _settled(stack, auth, broken)
    assert ready["status"] == "ready"
    assert (rejected["status"], rejected["reject_reason"]) == ("rejected", "corrupt")

    original = jpeg(1200, 900, orientation=6, gps=True)
    shown = _settled(stack, auth, photo)
    display, thumb = _image(shown["file_url"]), _image(shown["thumbnail_url"])
    assert display.format == "WEBP" and display.size == (900, 1200)  # upright
    assert thumb.format == "JPEG" and thumb.size == (300, 300)
    assert [(s["width"], s["height"]) for s in shown["sizes"]] == [(480, 640), (900, 1200)]
    for image in (display, thumb, _image(shown["sizes"][0]["url"])):
        assert not image.getexif() and "icc_profile" not in image.info
    # The original, as uploaded (GPS and all), for its owner alone: a redirect to S3.
    download = requests.get(stack.url(f"/media/{photo}/original"), headers=auth, timeout=60)
    assert download.status_code == 200 and download.content == original
    assert download.history[0].status_code == 302
    assert download.headers["content-disposition"].startswith('attachment; filename="beach.jpg"')
    assert _keys(stack, "tmp/media/") == []
    cover = requests.get(stack.url(f"/projects/{project_id}"), timeout=60).json()
    assert cover["thumbnail_media_id"] == photo

    ready_event = tap.wait_for("media.ready", stack, media_id=photo)
    assert {k: ready_event["detail"][k] for k in ("file_id", "owner_id", "project_id",
                                                  "mime_type")} == {
        "file_id": photo, "owner_id": user_id, "project_id": project_id,
        "mime_type": "image/webp"}
    assert tap.wait_for("media.rejected", stack, media_id=broken)["detail"]["reason"] == "corrupt"
    tap.wait_for("project.updated", stack, project_id=project_id, thumbnail_media_id=photo)
    renamed = requests.patch(stack.url("/me"), headers=auth, json={"name": "Alice Tan"}, timeout=60)
    assert renamed.status_code == 200, renamed.text
    profile = tap.wait_for("profile.updated", stack, user_id=user_id, name="Alice Tan")
    assert profile["detail"]["username"].startswith("folio_")

    other, _ = stack.new_member("eve")
    for method in ("patch", "delete"):
        reply = requests.request(method, stack.url(f"/projects/{project_id}"), headers=other,
                                 json={"title": "mine"} if method == "patch" else None, timeout=60)
        assert reply.status_code == 403, reply.text
    attach = requests.post(stack.url("/media/uploads"), headers=other, timeout=60, json={
        "content_type": "image/png", "project_id": project_id})
    assert attach.status_code == 403, attach.text

    assert requests.delete(stack.url(f"/media/{logo}"), headers=auth, timeout=60).status_code == 200
    tap.wait_for("media.deleted", stack, media_id=logo)
    assert requests.delete(stack.url(f"/projects/{project_id}"), headers=auth,
                           timeout=60).status_code == 200
    tap.wait_for("project.deleted", stack, project_id=project_id)
    tap.wait_for("media.deleted", stack, media_id=photo)
    deadline = time.monotonic() + DEADLINE
    while _keys(stack, f"media/{user_id}/") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _keys(stack, f"media/{user_id}/") == []
    mine = requests.get(stack.url("/me/media"), headers=auth, timeout=60).json()["items"]
    assert mine == []
