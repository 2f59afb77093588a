"""SnapStart, locally: a restored instance of a function against a cold one.

Not a test: prints figures. Starts the function's workers the way the local stack does
(portrait_local.runtime): --runs cold instances (a fresh interpreter imports the handler:
what `Init Duration` reports) and --runs instances restored from one snapshot worker (a
fork running the after-restore hooks: what `Restore Duration` reports), and times each
one's first invocation, a request for a route that does not exist (the resolver, the
middleware and the decorators, no AWS call). It also prints the snapshot's own init
with the hooks and without (PORTRAIT_SNAPSTART_HOOKS=off): the difference is the
priming the before-snapshot hook moves out of every instance's first requests.

The local figure is a fork of a warm process; Lambda restores a Firecracker microVM
from a cached snapshot, so compare the shape, not the milliseconds (README, "Cold
starts and SnapStart").

    python bench/snapstart_restore.py [--runs 10] [--function ApiFunction]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "infra" / "local"), str(ROOT / "layers" / "common" / "python")]

from portrait_local import lambda_python  # noqa: E402
from portrait_local.runtime import (INIT_TIMEOUT_SECONDS, WORKER_SCRIPT, Worker,  # noqa: E402
                                    function_environment, invocation_context)
from portrait_local.snapshots import SnapshotWorker  # noqa: E402
from portrait_local.template import Template  # noqa: E402

# Nothing answers here: the request below touches no AWS service.
UNUSED_ENDPOINT = "http://127.0.0.1:9"


def request_for_a_missing_route() -> dict:
    event = json.loads((ROOT / "events" / "api-health.json").read_text())
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/bench/no-such-route"
    return event


def first_invocation(worker: Worker, template: Template, spec, event: dict) -> float:
    context = invocation_context(template, spec, "bench")
    context["deadline_ms"] = time.time() * 1000 + spec.timeout * 1000
    started = time.monotonic()
    reply = worker.invoke(event, context, spec.timeout)
    elapsed = (time.monotonic() - started) * 1000
    if reply is None or reply.get("error") or reply["result"]["statusCode"] != 404:
        raise SystemExit(f"unexpected reply: {reply}")
    return elapsed


def figures(label: str, values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return (f"{label:<44} p50 {statistics.median(values):8.1f} ms   p90 {p90:8.1f} ms   "
            f"min {ordered[0]:7.1f}   max {ordered[-1]:7.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--function", default="ApiFunction")
    args = parser.parse_args()
    template = Template.load(ROOT / "template.yaml")
    spec = template.functions()[args.function]
    env = function_environment(template, spec, endpoint_url=UNUSED_ENDPOINT)
    python = lambda_python.interpreter(spec.runtime)
    path = lambda_python.function_path(spec)
    event = request_for_a_missing_route()
    init_limit = INIT_TIMEOUT_SECONDS + spec.timeout
    log = tempfile.NamedTemporaryFile("w", prefix=f"{args.function}-", suffix=".log", delete=False)
    print(f"{args.function}: {args.runs} cold and {args.runs} restored instances, "
          f"interleaved; function output in {log.name}")

    snapshots = {}
    for hooks in ("off", "on"):
        snapshot = SnapshotWorker(spec, {**env, "PORTRAIT_SNAPSTART_HOOKS": hooks}, log, python,
                                  path, WORKER_SCRIPT, init_limit)
        snapshots[hooks] = snapshot
    cold_start, cold_first, restore, restored_first = [], [], [], []
    try:
        for _ in range(args.runs):  # interleaved, so the machine's load drifts over both
            cold = Worker(spec, {**env, "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand"}, log,
                          python, path)
            cold_start.append(cold.startup[1])
            cold_first.append(first_invocation(cold, template, spec, event))
            cold.stop()
            restored = Worker(spec, env, log, python, path, snapshots["on"])
            restore.append(restored.startup[1])
            restored_first.append(first_invocation(restored, template, spec, event))
            restored.stop()
    finally:
        for snapshot in snapshots.values():
            snapshot.stop()
    print(figures("cold: Init Duration (interpreter + init)", cold_start))
    print(figures("cold: first request", cold_first))
    print(figures("cold: both", [a + b for a, b in zip(cold_start, cold_first)]))
    print(figures("restored: Restore Duration (fork + hooks)", restore))
    print(figures("restored: first request", restored_first))
    print(figures("restored: both", [a + b for a, b in zip(restore, restored_first)]))
    print(f"snapshot init, once per deploy: {snapshots['on'].init_ms:.0f} ms with the hooks "
          f"(priming included), {snapshots['off'].init_ms:.0f} ms without")
    return 0


if __name__ == "__main__":
    sys.exit(main())
