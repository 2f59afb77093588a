"""`portrait upload FILE` performs the presigned POST an API reply holds: the avatar it
uploads becomes ready; a form S3 refuses says why and exits 1."""
from __future__ import annotations

import subprocess
import time

import pytest
import requests
from PIL import Image

from tests.e2e.conftest import PORTRAIT, ROOT

pytestmark = pytest.mark.e2e


def _upload(path, reply: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(PORTRAIT), "upload", str(path)], input=reply, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_an_avatar_uploaded_with_the_command_becomes_ready(local_stack, tmp_path):
    auth, _ = local_stack.new_member("upload")
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (400, 300), (200, 120, 40)).save(photo, "JPEG")
    form = requests.post(local_stack.url("/me/avatar/uploads"), headers=auth, timeout=60,
                         json={"content_type": "image/jpeg"})
    assert form.status_code == 201, form.text
    done = _upload(photo, form.text)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(f"uploaded {photo.stat().st_size} bytes to tmp/avatars/")
    avatar_id = form.json()["avatar_id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        avatar = requests.get(local_stack.url(f"/me/avatars/{avatar_id}"), headers=auth,
                              timeout=60).json()
        if avatar.get("status") == "ready":
            break
        time.sleep(0.5)
    assert avatar["status"] == "ready", avatar


def test_a_file_the_form_does_not_allow_is_refused_with_s3s_reason(local_stack, tmp_path):
    auth, _ = local_stack.new_member("upload")
    form = requests.post(local_stack.url("/me/avatar/uploads"), headers=auth, timeout=60,
                         json={"content_type": "image/jpeg"}).text
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8" + b"0" * (6 * 1024 * 1024))  # over the form's 5 MB
    done = _upload(big, form)
    assert done.returncode == 1
    assert done.stderr.startswith("portrait upload: S3 refused it: 400 EntityTooLarge")


def test_a_reply_without_a_form_is_a_usage_error(tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"x")
    done = _upload(photo, '{"error": {"code": "unauthorized"}}')
    assert done.returncode == 2 and "no upload form in it" in done.stderr


def test_the_form_is_found_under_upload_in_a_generation_reply():
    from portrait_local.upload_commands import find_form, multipart

    url, fields = find_form({"generation": {}, "upload": {"url": "http://s3/b",
                                                           "fields": {"key": "k", "a": 1}}})
    assert (url, fields) == ("http://s3/b", {"key": "k", "a": "1"})
    body, content_type = multipart({"key": "k"}, 'a"b.jpg', b"DATA", "image/jpeg")
    boundary = content_type.split("boundary=")[1]
    assert body.index(b'name="key"') < body.index(b'name="file"; filename="ab.jpg"')
    assert body.endswith(f"\r\n--{boundary}--\r\n".encode()) and b"DATA" in body
