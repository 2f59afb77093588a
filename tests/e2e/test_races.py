"""Concurrent clients against the local stack, whose tables live in DynamoDB Local (real
conditional writes and transactions): the invariants DESIGN states hold after every burst.

- credits: every 201 is one generation and one charge; the balance never goes below 0;
- avatars: at most one current avatar, the current one is ready, and no other is ready;
- never a 5xx.
"""
from __future__ import annotations

import io
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import pytest
import requests
from PIL import Image

from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
CLIENTS = 24
PASSWORD = "a long enough passphrase"
COST = {5: {"quality": "sd"}, 10: {"quality": "hd", "priority": True}}


@pytest.fixture(scope="module")
def stack(local_stack):
    # Accounts start with nothing: the admin grants each scenario its starting balance.
    with local_stack.parameters(InitialCredits="0") as stack:
        yield stack


@pytest.fixture(scope="module")
def admin(stack: LocalStack) -> dict:
    name = f"root_{uuid.uuid4().hex[:6]}"
    created = stack.portrait("admin", "create-user", "--admin", "--username", name,
                             "--email", f"{name}@example.com", "--name", "Root",
                             "--password-stdin", stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    return _login(stack, name)


def _login(stack: LocalStack, name: str) -> dict:
    reply = requests.post(stack.url("/auth/login"), json={"login": name, "password": PASSWORD},
                          timeout=60)
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def _member(stack: LocalStack) -> tuple[dict, str]:
    name = f"race_{uuid.uuid4().hex[:8]}"
    created = requests.post(stack.url("/auth/register"), timeout=60, json={
        "username": name, "email": f"{name}@example.com", "password": PASSWORD, "name": name})
    assert created.status_code == 201, created.text
    return _login(stack, name), created.json()["user_id"]


def _burst(calls: list[Callable[[], requests.Response]]) -> list[int]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        statuses = [reply.status_code for reply in pool.map(lambda call: call(), calls)]
    assert not [s for s in statuses if s >= 500], statuses
    return statuses


def _pose(stack: LocalStack) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        items = requests.get(stack.url("/poses?limit=1"), timeout=60).json()["items"]
        if items:
            return items[0]["pose_id"]
        time.sleep(0.5)
    pytest.fail("no poses were seeded")


@pytest.mark.parametrize(("balance", "cost"), [(10, 5), (15, 5), (15, 10), (100, 5), (100, 10)])
def test_concurrent_generation_starts(stack, admin, balance, cost) -> None:
    auth, user_id = _member(stack)
    granted = requests.post(stack.url(f"/admin/users/{user_id}/credits"), headers=admin,
                            timeout=60, json={"amount": balance, "reason": "race test"})
    assert granted.status_code in (200, 201), granted.text
    pose = _pose(stack)
    body = {"pose_id": pose, "content_type": "image/jpeg", **COST[cost]}
    statuses = _burst([lambda: requests.post(stack.url("/generations"), headers=auth, json=body,
                                             timeout=120)] * CLIENTS)
    created = statuses.count(201)
    final = requests.get(stack.url("/me/credits"), headers=auth, timeout=60).json()["balance"]
    history = requests.get(stack.url("/generations?limit=100"), headers=auth, timeout=60).json()
    charged = sum(g["credits_charged"] for g in history["items"])
    print(f"\nbalance {balance}, cost {cost}: {CLIENTS} clients -> {created} x 201, "
          f"{statuses.count(402)} x 402, {statuses.count(429)} x 429, "
          f"{statuses.count(409)} x 409; {len(history['items'])} generations, "
          f"final balance {final}")
    assert set(statuses) <= {201, 402, 409, 429}
    assert len(history["items"]) == created  # every 201 is one generation...
    assert charged == created * cost == balance - final  # ...and one charge
    assert final >= 0
    # Nothing but the per-minute limit and the balance stopped a start.
    assert created == min(balance // cost, CLIENTS - statuses.count(429))


# ---------------------------------------------------------------- avatars
def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 300), colour).save(out, "PNG")
    return out.getvalue()


def _ready_avatar(stack: LocalStack, auth: dict, colour: tuple[int, int, int]) -> str:
    form = requests.post(stack.url("/me/avatar/uploads"), headers=auth, timeout=60,
                         json={"content_type": "image/png"}).json()
    posted = requests.post(form["url"], data=form["fields"], timeout=60,
                           files={"file": ("a.png", _png(colour), "image/png")})
    assert posted.status_code in (200, 201, 204), posted.text
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = requests.get(stack.url(f"/me/avatars/{form['avatar_id']}"), headers=auth,
                              timeout=60).json()["status"]
        if status == "ready":
            return form["avatar_id"]
        assert status == "pending", status
        time.sleep(0.3)
    pytest.fail("the avatar never became ready")


def _assert_avatar_invariants(stack: LocalStack, auth: dict) -> list[dict]:
    history = requests.get(stack.url("/me/avatars?limit=100"), headers=auth, timeout=60).json()
    items = history["items"]
    current = [a for a in items if a["current"]]
    assert len(current) <= 1, current
    assert all(a["status"] == "ready" for a in current), current
    assert not [a for a in items if a["status"] == "ready" and not a["current"]], items
    shown = requests.get(stack.url("/me/avatar"), headers=auth, timeout=60)
    assert shown.status_code == (200 if current else 404)
    if current:
        assert shown.json()["avatar_id"] == current[0]["avatar_id"]
    return items


def _two_avatars(stack: LocalStack) -> tuple[dict, str, str]:
    """A member whose first upload was replaced by a second: first deleted, second current."""
    auth, _ = _member(stack)
    first = _ready_avatar(stack, auth, (200, 40, 40))
    second = _ready_avatar(stack, auth, (40, 40, 200))
    return auth, first, second


def _restore(stack, auth, avatar_id):
    return lambda: requests.post(stack.url(f"/me/avatars/{avatar_id}/restore"), headers=auth,
                                 timeout=120)


def _delete_current(stack, auth):
    return lambda: requests.delete(stack.url("/me/avatar"), headers=auth, timeout=120)


def _default(stack, auth):
    return lambda: requests.post(stack.url("/me/avatar/default"), headers=auth, timeout=120)


@pytest.mark.parametrize("mix", ["restore/restore", "restore/delete", "restore/default/delete"])
def test_concurrent_avatar_changes_keep_one_ready_current_avatar(stack, mix) -> None:
    auth, first, second = _two_avatars(stack)
    _assert_avatar_invariants(stack, auth)
    makers = {"restore": lambda: _restore(stack, auth, first),
              "delete": lambda: _delete_current(stack, auth),
              "default": lambda: _default(stack, auth)}
    kinds = mix.split("/")
    calls = [makers[kinds[i % len(kinds)]]() for i in range(CLIENTS)]
    statuses = _burst(calls)
    items = _assert_avatar_invariants(stack, auth)
    print(f"\n{mix}: {CLIENTS} clients -> " + ", ".join(
        f"{statuses.count(s)} x {s}" for s in sorted(set(statuses)))
          + f"; {len(items)} avatars, current: "
          + str([a["avatar_id"] for a in items if a["current"]]))
    assert set(statuses) <= {200, 201, 204, 404, 409, 410, 429}
