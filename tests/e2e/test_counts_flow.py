"""The admin counts on the running stack: an upload and a delete move the avatar and user
counts (through the avatars and users streams, EventPublisherFunction counting each record
once), and the scheduled listing fills the storage totals that /health shows too."""
from __future__ import annotations

import io
import time
import uuid
from typing import Callable

import pytest
import requests
from PIL import Image

pytestmark = pytest.mark.e2e
DEADLINE_SECONDS = 120


def _admin(stack) -> dict[str, str]:
    name, password = f"counts_{uuid.uuid4().hex[:6]}", "a long admin passphrase"
    made = stack.portrait("admin", "create-user", "--admin", "--username", name, "--email",
                          f"{name}@example.com", "--name", "Counts", "--password-stdin",
                          stdin=password + "\n")
    assert made.returncode == 0, made.stderr
    login = requests.post(stack.url("/auth/login"), json={"login": name, "password": password},
                          timeout=60)
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def _counts(stack, admin: dict) -> dict:
    figures = {}
    for kind in ("avatars", "users", "generations"):
        reply = requests.get(stack.url(f"/admin/counts/{kind}"), headers=admin, timeout=60)
        assert reply.status_code == 200, reply.text
        figures[kind] = reply.json()
    return figures


def _wait_for(stack, admin: dict, condition: Callable[[dict], bool], what: str) -> dict:
    deadline, last = time.monotonic() + DEADLINE_SECONDS, None
    while time.monotonic() < deadline:
        last = _counts(stack, admin)
        if condition(last):
            return last
        time.sleep(0.3)
    pytest.fail(f"{what}: not seen within {DEADLINE_SECONDS} s; last counts {last}\n"
                f"{stack.output()[-3000:]}")


def _wait_until_current(stack, auth: dict, *, not_id: str | None = None) -> str:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        reply = requests.get(stack.url("/me/avatars"), headers=auth, timeout=60)
        assert reply.status_code == 200, reply.text
        ready = [a["avatar_id"] for a in reply.json()["items"] if a["status"] == "ready"]
        if ready and ready[0] != not_id:
            return ready[0]
        time.sleep(0.3)
    pytest.fail(f"no new current avatar within {DEADLINE_SECONDS} s")


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 320), (200, 120, 40)).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_uploads_and_deletes_move_the_counts_and_the_schedule_lists_storage(local_stack) -> None:
    admin = _admin(local_stack)
    auth, _ = local_stack.new_member("counted")
    # Both default avatars (the identicon every user gets) made before counting from here.
    _wait_until_current(local_stack, admin)
    default_avatar = _wait_until_current(local_stack, auth)
    before = _counts(local_stack, admin)
    form = requests.post(local_stack.url("/me/avatar/uploads"), headers=auth,
                         json={"content_type": "image/jpeg"}, timeout=60).json()
    posted = requests.post(form["url"], data=form["fields"],
                           files={"file": ("me.jpg", _jpeg(), "image/jpeg")}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text
    uploaded = _wait_until_current(local_stack, auth, not_id=default_avatar)
    # The upload is current, the default it replaced deleted awaiting its purge (a figure
    # the two defaults' own records, however late they are counted, do not move).
    replaced = _wait_for(local_stack, admin, lambda c: (
        c["avatars"]["deleted_awaiting_purge"] == before["avatars"]["deleted_awaiting_purge"] + 1
        and c["avatars"]["pending"] == before["avatars"]["pending"]
        and c["users"]["total"] == before["users"]["total"]), "the replaced avatar")

    deleted = requests.delete(local_stack.url(f"/me/avatars/{uploaded}"), headers=auth, timeout=60)
    assert deleted.status_code == 200, deleted.text
    _wait_for(local_stack, admin, lambda c: (
        c["avatars"]["current"] == replaced["avatars"]["current"] - 1
        and c["avatars"]["deleted_awaiting_purge"]
        == replaced["avatars"]["deleted_awaiting_purge"] + 1
        and c["users"]["without_avatar"] == replaced["users"]["without_avatar"] + 1),
        "the deleted avatar and a user without one")

    fired = local_stack.portrait("schedule", "fire", "StorageCountsFunction", "Hourly")
    assert fired.returncode == 0, fired.stdout + fired.stderr
    storage = requests.get(local_stack.url("/admin/counts/storage"), headers=admin, timeout=60)
    assert storage.status_code == 200, storage.text
    totals = storage.json()
    # Five variants of each of the member's two avatars at least (purges come days later).
    assert totals["prefixes"]["avatars"]["objects"] >= 10
    assert totals["prefixes"]["avatars"]["bytes"] > 0
    assert totals["as_of"] and 0 <= totals["age_seconds"] < DEADLINE_SECONDS
    health = requests.get(local_stack.url("/health"), timeout=60).json()
    assert health["storage"]["prefixes"] == totals["prefixes"]
