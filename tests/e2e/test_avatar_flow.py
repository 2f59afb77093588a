"""Avatars end to end over HTTP against `portrait dev`, as a client that only
speaks HTTP: register, upload the returned form straight to the S3 endpoint,
poll, download all five variants, replace, restore, delete."""
from __future__ import annotations

import io
import time

import pytest
import requests
from PIL import Image

from portrait.sizes import AVATAR_SIZES

pytestmark = pytest.mark.e2e

SIZES = AVATAR_SIZES  # portrait.sizes: the one table


def _jpeg(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", quality=90)
    return out.getvalue()


def _account(stack) -> dict[str, str]:
    return stack.new_member("pic")[0]


def _upload(stack, auth: dict, body: bytes, content_type: str = "image/jpeg") -> str:
    started = requests.post(stack.url("/me/avatar/uploads"), headers=auth,
                            json={"content_type": content_type}, timeout=60)
    assert started.status_code == 201, started.text
    form = started.json()
    # Straight to the bucket endpoint: the API never sees the bytes.
    assert form["url"].startswith(stack.s3_url)
    posted = requests.post(form["url"], data=form["fields"],
                           files={"file": ("me.jpg", body, content_type)}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text
    return form["avatar_id"]


def _wait_until_settled(stack, auth: dict, avatar_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = requests.get(stack.url(f"/me/avatars/{avatar_id}"), headers=auth, timeout=60)
        assert reply.status_code == 200, reply.text
        if reply.json()["status"] != "pending":
            return reply.json()
        time.sleep(0.25)
    pytest.fail(f"avatar {avatar_id} still pending after {timeout} s:\n{stack.output()[-3000:]}")


def _current(stack, auth: dict) -> requests.Response:
    return requests.get(stack.url("/me/avatar?size=medium"), headers=auth, timeout=60)


def _history(stack, auth: dict) -> dict[str, dict]:
    reply = requests.get(stack.url("/me/avatars"), headers=auth, timeout=60)
    assert reply.status_code == 200, reply.text
    return {item["avatar_id"]: item for item in reply.json()["items"]}


def test_upload_variants_replace_restore_delete(local_stack) -> None:
    auth = _account(local_stack)

    first_id = _upload(local_stack, auth, _jpeg(1600, 1200, (200, 30, 30)))
    first = _wait_until_settled(local_stack, auth, first_id)
    assert first["status"] == "ready", first

    current = _current(local_stack, auth)
    assert current.status_code == 200 and current.json()["avatar_id"] == first_id
    variants = current.json()["variants"]
    assert set(variants) == set(SIZES)
    for size, side in SIZES.items():
        image_reply = requests.get(variants[size]["url"], timeout=60)
        assert image_reply.status_code == 200
        image = Image.open(io.BytesIO(image_reply.content))
        assert image.format == "WEBP" and image.size == (side, side)
        assert (variants[size]["width"], variants[size]["height"]) == image.size
        assert "exif" not in image.info and "xmp" not in image.info
        assert image.convert("RGB").getpixel((side // 2, side // 2))[0] > 150  # still red

    second_id = _upload(local_stack, auth, _jpeg(800, 800, (30, 30, 200)))
    assert _wait_until_settled(local_stack, auth, second_id)["status"] == "ready"
    assert _current(local_stack, auth).json()["avatar_id"] == second_id
    history = _history(local_stack, auth)
    assert history[first_id]["status"] == "deleted" and history[first_id]["restorable_until"]

    restored = requests.post(local_stack.url(f"/me/avatars/{first_id}/restore"), headers=auth, timeout=60)
    assert restored.status_code == 200, restored.text
    assert _current(local_stack, auth).json()["avatar_id"] == first_id
    assert _history(local_stack, auth)[second_id]["status"] == "deleted"

    deleted = requests.delete(local_stack.url("/me/avatar"), headers=auth, timeout=60)
    assert deleted.status_code in (200, 204), deleted.text
    assert _current(local_stack, auth).status_code == 404
    assert _history(local_stack, auth)[first_id]["status"] == "deleted"


def test_rejected_upload_reports_its_reason(local_stack) -> None:
    auth = _account(local_stack)
    avatar_id = _upload(local_stack, auth, b"<html><body>not an image</body></html>")
    settled = _wait_until_settled(local_stack, auth, avatar_id)
    assert settled["status"] == "rejected"
    assert settled["reject_reason"] == "unsupported_type"


def test_a_face_in_a_corner_is_framed_and_the_framing_recorded(local_stack) -> None:
    from portrait.imaging.faces import find_faces
    from tests.unit.faces import photos

    auth = _account(local_stack)
    corner, _ = photos.face_in_corner()
    framed = _wait_until_settled(local_stack, auth, _upload(local_stack, auth, photos.jpeg(corner)))
    assert framed["status"] == "ready" and framed["framing"] == "face", framed
    full = Image.open(io.BytesIO(requests.get(framed["variants"]["full"]["url"], timeout=60).content))
    (face,) = find_faces(full)
    assert abs(face.centre[0] / full.width - 0.5) < 0.06  # the face is the centre of the avatar

    plain = _wait_until_settled(local_stack, auth,
                                _upload(local_stack, auth, _jpeg(1600, 1200, (30, 90, 200))))
    assert plain["status"] == "ready" and plain["framing"] == "centre", plain
