"""The admin count routes on a running local stack holding 1,000 users and 5,000 avatars.

    python bench/count_routes.py [--state-dir DIR] [--users 1000] [--requests 200]

Seeds the stack in this process (PynamoDB batch writes, ApiFunction's environment and
role; not 6,000 HTTP uploads): per user five avatars (one current, two soft-deleted, one
rejected, one pending), and a tenth of the users then without a current one (their avatar
deleted). The writes reach the tables' streams, and EventPublisherFunction counts them as it
would in AWS; the script waits until the counts show them (the time is printed: the
stream counting 6,000 records), then runs `portrait counts backfill` (one scan of each
table) and checks that it finds the same figures, and `portrait counts storage`. Then it
times each count route and /health over HTTP, sequentially, as an admin: p50/p95 per route.
Not a test: it prints figures. `make dev` (or `portrait dev --state-dir DIR`) must run.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "common" / "python"), str(ROOT / "infra" / "local"), str(ROOT)]

from portrait_local.targets import resolve_target  # noqa: E402

ROUTES = ["/admin/counts/storage", "/admin/counts/avatars", "/admin/counts/users",
          "/admin/counts/generations", "/health"]
PORTRAIT = Path(sys.executable).parent / "portrait"


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _seed(users: int) -> dict[str, int]:
    """Write the users and their avatars; returns how many avatars of each status."""
    from portrait import clock
    from portrait.config import get_settings
    from portrait.ids import new_id
    from portrait.sizes import AVATAR_SIZES
    from portrait.store import keys
    from portrait.store.avatars import SOFT_DELETED
    from portrait.store.models import AvatarItem, UserItem, bound

    now, now_iso = clock.now_and_iso()
    grace = get_settings().avatar_grace_seconds
    tag, made = uuid.uuid4().hex[:6], {"ready": 0, "deleted": 0, "rejected": 0, "pending": 0}
    avatars_model, users_model = bound(AvatarItem), bound(UserItem)
    people = [(new_id(), n) for n in range(users)]
    current: dict[str, str] = {}
    with avatars_model.batch_write() as batch:
        for user_id, n in people:
            for status in ("deleted", "deleted", "rejected", "pending", "ready"):
                avatar_id = new_id()
                item = avatars_model(user_id, avatar_id, status=status, source="upload",
                                     created_at=now_iso, updated_at=now_iso)
                if status in ("ready", "deleted"):
                    item.variants = {
                        size: {"key": keys.avatar_variant_key(user_id, avatar_id, size, "webp"),
                               "width": px, "height": px, "bytes": 1000,
                               "content_type": "image/webp"} for size, px in AVATAR_SIZES.items()}
                    item.ready_at = now_iso
                if status == "deleted":
                    item.deleted_at, item.expires_at = now_iso, now + grace
                    item.purge_queue = SOFT_DELETED
                if status == "rejected":
                    item.reject_reason, item.reject_message = "too_small", "under 100 px"
                if status == "ready":
                    current[user_id] = avatar_id
                batch.save(item)
                made[status] += 1
    with users_model.batch_write() as batch:
        for user_id, n in people:
            name = f"bench_{tag}_{n}"
            batch.save(users_model(f"user#{user_id}", user_id=user_id, username=name,
                                   email=f"{name}@example.com", password_hash="x", role="user",
                                   name=name, avatar_id=current[user_id], credits=0,
                                   created_at=now_iso, updated_at=now_iso))
    # A tenth delete their current avatar: the record soft-deleted, the pointer cleared
    # (as DELETE /me/avatars/{id} does; DefaultAvatarFunction makes defaults only for new users).
    for user_id, n in people[::10]:
        avatars_model(user_id, current[user_id]).update(actions=[
            avatars_model.status.set("deleted"), avatars_model.deleted_at.set(now_iso),
            avatars_model.expires_at.set(now + grace), avatars_model.purge_queue.set(SOFT_DELETED)])
        users_model(f"user#{user_id}").update(actions=[users_model.avatar_id.remove()])
        made["ready"] -= 1
        made["deleted"] += 1
    return made


def _admin(api: str) -> dict[str, str]:
    from portrait.services.accounts.registration import create_user

    name, password = f"bench_admin_{uuid.uuid4().hex[:6]}", "a long bench passphrase"
    create_user(username=name, email=f"{name}@example.com", password=password, name="Bench",
                role="admin")
    login = requests.post(f"{api}/auth/login", json={"login": name, "password": password}, timeout=60)
    login.raise_for_status()
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def _counts(api: str, admin: dict) -> dict:
    return {kind: requests.get(f"{api}/admin/counts/{kind}", headers=admin, timeout=60).json()
            for kind in ("avatars", "users")}


def _portrait(state_dir: Path | None, *args: str) -> dict:
    extra = ["--state-dir", str(state_dir)] if state_dir else []
    done = subprocess.run([str(PORTRAIT), *args, *extra], cwd=ROOT, capture_output=True,
                          text=True, timeout=900, check=True)
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state-dir", type=Path, default=None)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200, help="per route")
    args = parser.parse_args()
    target = resolve_target(ROOT / "template.yaml", stack_name=None, region=None,
                            state_dir=args.state_dir)
    target.adopt_environment_of("ApiFunction")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    api = json.loads(((args.state_dir or ROOT / ".portrait") / "local.json").read_text())["api_url"]
    admin = _admin(api)
    # The admin's own records (a new user, then a default avatar) counted before the baseline.
    while not any(a["status"] == "ready" for a in requests.get(
            f"{api}/me/avatars", headers=admin, timeout=60).json()["items"]):
        time.sleep(0.5)
    while (before := _counts(api, admin))["avatars"]["current"] < 1:
        time.sleep(0.5)
    started = time.monotonic()
    made = _seed(args.users)
    seeded = time.monotonic()
    print(f"seeded {args.users} users and {sum(made.values())} avatars {made} "
          f"in {seeded - started:.1f} s")
    want = {"current": before["avatars"]["current"] + made["ready"],
            "deleted_awaiting_purge": before["avatars"]["deleted_awaiting_purge"] + made["deleted"],
            "total": before["users"]["total"] + args.users}
    while True:
        now = _counts(api, admin)
        seen = {"current": now["avatars"]["current"],
                "deleted_awaiting_purge": now["avatars"]["deleted_awaiting_purge"],
                "total": now["users"]["total"]}
        if seen == want or time.monotonic() - seeded > 900:
            break
        time.sleep(1)
    print(f"the stream counted them {time.monotonic() - seeded:.1f} s after the last write: "
          f"{'as expected' if seen == want else f'NOT as expected: {seen} != {want}'}")
    backfill = _portrait(args.state_dir, "counts", "backfill")
    after = _counts(api, admin)
    print(f"backfill: {backfill['items_scanned']} items scanned in {backfill['seconds']} s; "
          f"{'agrees with' if after == now else 'DIFFERS from'} the stream's counts: {after}")
    storage = _portrait(args.state_dir, "counts", "storage")
    print(f"storage listed in {storage['seconds']} s: {storage['prefixes']}")
    session = requests.Session()
    print(f"{'route':<28}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for route in ROUTES:
        times = []
        for _ in range(args.requests):
            t = time.perf_counter()
            reply = session.get(api + route, headers=admin, timeout=60)
            times.append((time.perf_counter() - t) * 1000)
            assert reply.status_code == 200, reply.text
        print(f"{route:<28}{len(times):>5}{statistics.median(times):>9.1f}{_p(times, 0.95):>9.1f}"
              f"{max(times):>9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
