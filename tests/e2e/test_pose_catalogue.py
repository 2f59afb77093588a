"""The pose catalogue on the running local stack: seeded in the background as it starts,
browsable over HTTP, its skeletons downloadable, and `portrait seed poses` idempotent."""
from __future__ import annotations

import io
import time

import pytest
import requests
from PIL import Image

pytestmark = pytest.mark.e2e

SEEDED_LINE = "pose catalogue on local stack:"


def _wait_for_seed(stack, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = next((text for text in stack.output().splitlines() if SEEDED_LINE in text), None)
        if line:
            return line
        time.sleep(0.5)
    pytest.fail(f"the catalogue was not seeded in {timeout} s:\n{stack.output()[-3000:]}")


def test_the_stack_serves_before_and_seeds_the_catalogue_beside_it(local_stack) -> None:
    assert "`portrait seed poses` running in the background" in local_stack.output()
    line = _wait_for_seed(local_stack)
    count = int(line.split(SEEDED_LINE)[1].split()[0])
    assert count >= 800

    # The worker's stack is shared: poses an admin added there (the API tour adds one)
    # are served beside the catalogue's, marked by their source.
    catalogue, cursor = 0, None
    while True:
        reply = requests.get(local_stack.url("/poses"), timeout=30,
                             params={"limit": 100, **({"cursor": cursor} if cursor else {})})
        assert reply.status_code == 200, reply.text
        sources = [pose["source"] for pose in reply.json()["items"]]
        assert set(sources) <= {"catalogue", "admin"}
        catalogue += sources.count("catalogue")
        cursor = reply.json()["next_cursor"]
        if cursor is None:
            break
    assert catalogue == count


def test_a_pose_preview_is_the_skeleton_png(local_stack) -> None:
    _wait_for_seed(local_stack)
    pose = requests.get(local_stack.url("/poses"), params={"category": "waving", "limit": 1},
                        timeout=60).json()["items"][0]
    detail = requests.get(local_stack.url(f"/poses/{pose['pose_id']}"), timeout=60).json()
    image = requests.get(detail["preview_url"], timeout=60)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(image.content)).size == (512, 512)


def test_seed_command_writes_nothing_the_second_time(local_stack) -> None:
    _wait_for_seed(local_stack)
    result = local_stack.portrait("seed", "poses")
    assert result.returncode == 0, result.stderr
    assert "wrote 0 skeletons, 0 records and 0 style samples" in result.stdout
