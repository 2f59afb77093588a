"""AI portraits end to end over HTTP against `portrait dev`, as a client that only
speaks HTTP: pick a pose, spend credits on an sd and an hd priority generation,
upload each photo with its form straight to the S3 endpoint, poll, download both
outputs, read the stats, and be refused (402) once the balance runs out."""
from __future__ import annotations

import io
import time
import uuid

import pytest
import requests
from PIL import Image

from tests.unit.faces import photos

pytestmark = pytest.mark.e2e


def _photo() -> bytes:
    """A real portrait (one face): the renderer is only ever given a photo of one person."""
    return photos.jpeg(photos.photo("grace_hopper"))


def _account(stack) -> dict[str, str]:
    name = f"gen_{uuid.uuid4().hex[:8]}"
    password = "portraits for everyone"
    created = requests.post(stack.url("/auth/register"), timeout=60, json={
        "username": name, "email": f"{name}@example.com", "password": password, "name": "Gen"})
    assert created.status_code == 201, created.text
    login = requests.post(stack.url("/auth/login"), json={"login": name, "password": password},
                          timeout=60).json()
    return {"Authorization": f"Bearer {login['access_token']}"}


def _balance(stack, auth) -> int:
    reply = requests.get(stack.url("/me/credits"), headers=auth, timeout=60)
    assert reply.status_code == 200, reply.text
    return reply.json()["balance"]


def _start(stack, auth, pose_id: str, **options) -> requests.Response:
    return requests.post(stack.url("/generations"), headers=auth, timeout=60,
                         json={"pose_id": pose_id, "content_type": "image/jpeg", **options})


def _generate(stack, auth, pose_id: str, **options) -> str:
    started = _start(stack, auth, pose_id, **options)
    assert started.status_code == 201, started.text
    form = started.json()["upload"]
    assert form["url"].startswith(stack.s3_url)  # straight to the bucket: the API never sees it
    posted = requests.post(form["url"], data=form["fields"],
                           files={"file": ("me.jpg", _photo(), "image/jpeg")}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text
    return started.json()["generation_id"]


def _settled(stack, auth, generation_id: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = requests.get(stack.url(f"/generations/{generation_id}"), headers=auth, timeout=60)
        assert reply.status_code == 200, reply.text
        if reply.json()["status"] not in ("pending", "processing"):
            return reply.json()
        time.sleep(0.25)
    pytest.fail(f"generation {generation_id} unsettled after {timeout} s:\n{stack.output()[-3000:]}")


def _any_pose(stack, timeout: float = 60) -> str:
    """A pose from the catalogue (the stack seeds it in the background as it starts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = requests.get(stack.url("/poses?limit=1"), timeout=60)
        assert reply.status_code == 200, reply.text
        if reply.json()["items"]:
            return reply.json()["items"][0]["pose_id"]
        time.sleep(0.5)
    pytest.fail(f"no poses after {timeout} s:\n{stack.output()[-3000:]}")


def test_spend_credits_on_portraits_until_the_balance_runs_out(local_stack) -> None:
    auth = _account(local_stack)
    pose_id = _any_pose(local_stack)
    start_balance = _balance(local_stack, auth)
    assert start_balance == 100

    sd_id = _generate(local_stack, auth, pose_id)  # 5
    hd_id = _generate(local_stack, auth, pose_id, quality="hd", priority=True)  # 10
    for generation_id, side in ((sd_id, 512), (hd_id, 1024)):
        generation = _settled(local_stack, auth, generation_id)
        assert generation["status"] == "completed", generation
        assert (generation["width"], generation["height"]) == (side, side)
        image = requests.get(generation["output_url"], timeout=60)
        assert image.status_code == 200
        assert Image.open(io.BytesIO(image.content)).size == (side, side)
        kept = requests.get(generation["input_url"], timeout=60)
        assert kept.status_code == 200 and "exif" not in Image.open(io.BytesIO(kept.content)).info

    stats = requests.get(local_stack.url("/generations/stats"), headers=auth, timeout=60).json()
    assert (stats["total"], stats["completed"], stats["failed"], stats["credits_used"]) == (2, 2, 0, 15)
    assert stats["average_processing_seconds"] > 0
    assert _balance(local_stack, auth) == 85

    for _ in range(8):  # charged now; their photos never come (the temp sweep refunds them)
        assert _start(local_stack, auth, pose_id, quality="hd", priority=True).status_code == 201
    refused = _start(local_stack, auth, pose_id, quality="hd", priority=True)
    assert refused.status_code == 402, refused.text
    assert refused.json()["error"]["balance"] == 5 and refused.json()["error"]["cost"] == 10
    assert _balance(local_stack, auth) == 5

    history = requests.get(local_stack.url("/generations?limit=5"), headers=auth, timeout=60).json()
    assert history["total"] == 10 and history["next_cursor"]
    assert [g["generation_id"] for g in history["items"]][-2:] != [hd_id, sd_id]  # newest first
