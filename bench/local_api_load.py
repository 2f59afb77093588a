"""Load on the local API: N concurrent clients for S seconds; prints requests, dropped
connections, latency percentiles, and `portrait dev`'s memory before and after.

    .venv/bin/python bench/local_api_load.py [--clients 50] [--seconds 60] [--url URL]

Without --url it starts its own `portrait dev` on free ports (and stops it with one
SIGTERM, timing the exit). Only loopback addresses are ever targeted.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["/health", "/poses?limit=5", "/poses/facets", "/users/01HXXXXXXXXXXXXXXXXXXXXXXX",
         "/avatars/default?size=small", "/no/such/route"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of the process and its descendants' (workers, DynamoDB Local) apart."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def client(url: str, until: float, results: list, index: int) -> None:
    session = requests.Session()
    n = index
    while time.monotonic() < until:
        path = PATHS[n % len(PATHS)]
        n += 1
        started = time.monotonic()
        try:
            reply = session.get(url + path, timeout=60)
            results.append((time.monotonic() - started, reply.status_code))
        except requests.RequestException as exc:
            results.append((time.monotonic() - started, f"dropped: {type(exc).__name__}"))


def start_stack(workdir: Path) -> tuple[subprocess.Popen, str, int]:
    port = free_port()
    state = workdir / "state"
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "portrait"), "dev", "--port", str(port), "--moto-port", "0",
         "--state-dir", str(state)], cwd=ROOT, stdout=open(workdir / "dev.log", "wb"),
        stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            health = requests.get(url + "/health", timeout=5).json()
            if (health.get("catalogue") or {}).get("complete") and (state / "local.json").exists():
                return process, url, json.loads((state / "local.json").read_text())["pid"]
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"portrait dev did not become ready: see {workdir / 'dev.log'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--url", help="a running local API (default: start one)")
    parser.add_argument("--pid", type=int, help="its process id, for memory figures")
    args = parser.parse_args()
    process = None
    if args.url:
        url, pid = args.url.rstrip("/"), args.pid
    else:
        workdir = Path(tempfile.mkdtemp(prefix="portrait-load-"))
        process, url, pid = start_stack(workdir)
    before = rss_mb(pid) if pid else None
    results: list = []
    until = time.monotonic() + args.seconds
    threads = [threading.Thread(target=client, args=(url, until, results, i))
               for i in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = rss_mb(pid) if pid else None
    latencies = sorted(seconds for seconds, _ in results)
    dropped = [outcome for _, outcome in results if isinstance(outcome, str)]
    statuses: dict = {}
    for _, outcome in results:
        if not isinstance(outcome, str):
            statuses[outcome] = statuses.get(outcome, 0) + 1
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"{args.clients} clients for {args.seconds:.0f} s on {url}")
    print(f"requests: {len(results)} ({len(results) / args.seconds:.0f}/s); "
          f"dropped connections: {len(dropped)}; statuses: {dict(sorted(statuses.items()))}")
    print(f"latency p50 {quantiles[49] * 1000:.0f} ms, p95 {quantiles[94] * 1000:.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms")
    if pid:
        print(f"portrait dev RSS: {before:.0f} MB before, {after:.0f} MB after")
    if process is not None:
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait()
        print(f"one SIGTERM to exit: {time.monotonic() - started:.1f} s")
    if dropped:
        print(f"first dropped: {dropped[0]}", file=sys.stderr)


if __name__ == "__main__":
    main()
