"""Webhook delivery on the running local stack: from a change to its receiver.

    python bench/webhook_throughput.py [--state-dir DIR] [--endpoints 50] [--events 20]

Registers `endpoints` webhook endpoints (10 users of 10 at most, the per-user cap), all
pointing at one receiver on 127.0.0.1, then creates `events` projects spread over those
users: each project.created goes to each of its user's endpoints. Prints the deliveries
per second (first change to last delivery received) and the p50/p95 latency from the
event's `occurred_at` (the commit) to its arrival, every delivery checked with the
Standard Webhooks package's verify. Not a test: it prints figures and asserts nothing.
`make dev` (or `portrait dev --state-dir DIR`) must be running.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import requests
from standardwebhooks import Webhook

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "common" / "python"), str(ROOT / "infra" / "local"), str(ROOT)]

from portrait_local.running import running_stack  # noqa: E402
from tests.integration.webhooks.receiver import Receiver  # noqa: E402

PER_USER = 10


def _member(api: str) -> dict[str, str]:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    body = {"username": name, "email": f"{name}@example.com", "password": "a bench passphrase",
            "name": name}
    requests.post(f"{api}/auth/register", json=body, timeout=60).raise_for_status()
    login = requests.post(f"{api}/auth/login", json={"login": name, "password": body["password"]},
                          timeout=60).json()
    return {"Authorization": f"Bearer {login['access_token']}"}


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state-dir", type=Path, default=None)
    parser.add_argument("--endpoints", type=int, default=50)
    parser.add_argument("--events", type=int, default=20)
    args = parser.parse_args()
    state = running_stack(ROOT / "template.yaml", args.state_dir)
    if state is None:
        print("no running local stack: start it with `make dev`", file=sys.stderr)
        return 1
    api = state["api_url"].rstrip("/")
    with Receiver() as receiver:
        users, secrets = [], []
        for n in range(args.endpoints):
            if n % PER_USER == 0:
                users.append(_member(api))
            reply = requests.post(f"{api}/me/webhooks", headers=users[-1], timeout=60, json={
                "url": receiver.url, "event_types": ["project.created"]})
            reply.raise_for_status()
            secrets.append(reply.json()["secret"])
        per_user = [min(PER_USER, args.endpoints - i * PER_USER) for i in range(len(users))]
        expected = sum(per_user[i % len(users)] for i in range(args.events))
        started = time.time()
        for i in range(args.events):
            requests.post(f"{api}/projects", headers=users[i % len(users)], timeout=60,
                          json={"title": f"bench {i}"}).raise_for_status()
        received = receiver.wait_for(expected, deadline_seconds=600)
        finished = time.time()
    latencies = []
    for request in received:
        # Each delivery verifies with one of the secrets (that of the endpoint it came to).
        event = next(payload for secret in secrets
                     if (payload := _verified(secret, request)) is not None)
        occurred = datetime.fromisoformat(event["occurred_at"].replace("Z", "+00:00")).timestamp()
        latencies.append(request.at - occurred)
    print(f"{len(received)} deliveries of {args.events} events to {args.endpoints} endpoints "
          f"in {finished - started:.1f} s: {len(received) / (finished - started):.1f} deliveries/s")
    print(f"commit -> received, s: p50 {statistics.median(latencies):.2f}"
          f"  p95 {_p(latencies, 0.95):.2f}")
    return 0


def _verified(secret: str, request) -> dict | None:
    try:
        return Webhook(secret).verify(request.body, request.headers)
    except Exception:  # noqa: BLE001 - another endpoint's secret
        return None


if __name__ == "__main__":
    raise SystemExit(main())
