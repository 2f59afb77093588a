"""What one user action costs in AWS terms, measured on the local stack: per flow
(register, log in, upload an avatar, upload a portfolio image, search, generate a
portrait, ...), the API requests, the Lambda invocations per function with their
durations, the DynamoDB read and write units per table and index (as DynamoDB Local,
Amazon's own engine, reports them), the S3 requests by operation and key prefix with
their bytes, the SQS messages, the EventBridge entries and the CloudWatch log bytes.

    .venv/bin/python bench/measure_flows.py [--repeats 3] [--out bench/flow_costs.json]

It starts the local stack in this process (free ports, a state folder of its own, the
template's defaults: production password hashing, the face renderer), with the meter of
bench/flow_meter.py hooked in; each flow runs once to warm its functions (not counted),
then --repeats times; after each run it waits until the stack is quiet (no invocation
and no call by a function for QUIET seconds, and what the flow waits for is done), and
what was counted meanwhile is that run's cost. The figures are means per run. The
output (bench/flow_costs.json, committed) is what bench/capacity.py reads.

Durations are this machine's (2 shared x86 cores), not Lambda's arm64 at each memory
size: the capacity model says how it scales them. Scheduled functions (the sweeps) are
not part of any flow: they are counted apart, per firing, when one fires meanwhile.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
QUIET = 4.0  # seconds without activity that end a run
DEADLINE = 300.0  # seconds a run may take (a render on a busy machine)
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """A browser's or an app's requests: to the API (counted) and straight to S3."""

    def __init__(self, api_url: str) -> None:
        self.api_url, self.http = api_url, requests.Session()
        self.api_requests = 0

    def call(self, method: str, path: str, *, token: str | None = None, expect: int = 200,
             **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        reply = self.http.request(method, self.api_url + path, headers=headers, timeout=120,
                                  allow_redirects=False, **kwargs)
        self.api_requests += 1
        if reply.status_code != expect:
            raise SystemExit(f"{method} {path}: {reply.status_code} {reply.text[:400]}")
        return reply.json() if reply.headers.get("content-type", "").startswith(
            "application/json") else None

    def upload(self, form: dict, data: bytes, content_type: str) -> None:
        posted = requests.post(form["url"], data=form["fields"],
                               files={"file": ("photo", data, content_type)}, timeout=120)
        if posted.status_code not in (200, 201, 204):
            raise SystemExit(f"S3 refused the upload: {posted.status_code} {posted.text[:300]}")


class Flows:
    """The user actions measured. Each returns a check that is true once the work it
    started in the background is done (None: nothing to wait for but quiet)."""

    def __init__(self, client: Client, photo: bytes, face: bytes,
                 table: Callable[[str], Any]) -> None:
        self.client, self.photo, self.face, self.table = client, photo, face, table
        self.avatar_id = self.generation_id = None  # the newest, for the status flows
        self.user = self._member()
        self.project_id = self.client.call("POST", "/projects", token=self.user["token"],
                                           expect=201, json={"title": "Warm-up project"})[
                                               "project_id"]
        self.poses = [p["pose_id"] for p in self.client.call(
            "GET", "/poses/featured", params={"limit": 3})["items"]]

    def _member(self) -> dict:
        name = f"m_{uuid.uuid4().hex[:10]}"
        created = self.client.call("POST", "/auth/register", expect=201, json={
            "username": name, "email": f"{name}@example.com", "password": PASSWORD,
            "name": "Measured Member"})
        session = self.client.call("POST", "/auth/login", json={"login": name,
                                                                "password": PASSWORD})
        return {"name": name, "user_id": created["user_id"], "token": session["access_token"],
                "refresh": session["refresh_token"]}

    def _status(self, table: str, key: dict) -> Callable[[], str]:
        """The item's status, read with the stack's own key (not counted, no API call)."""
        return lambda: (self.table(table).get_item(Key=key, ConsistentRead=True)
                        .get("Item") or {}).get("status", "")

    # -------------------------------------------------------------- accounts
    def register(self):
        name = f"r_{uuid.uuid4().hex[:10]}"
        created = self.client.call("POST", "/auth/register", expect=201, json={
            "username": name, "email": f"{name}@example.com", "password": PASSWORD,
            "name": "New Member"})
        user = created["user_id"]
        # the default avatar is drawn from the users table's stream
        return lambda: self.table("AvatarsTable").query(
            KeyConditionExpression="user_id = :u",
            ExpressionAttributeValues={":u": user})["Items"]

    def login(self):
        session = self.client.call("POST", "/auth/login", json={
            "login": self.user["name"], "password": PASSWORD})
        self.user["refresh"] = session["refresh_token"]

    def refresh(self):
        session = self.client.call("POST", "/auth/refresh",
                                   json={"refresh_token": self.user["refresh"]})
        self.user["refresh"], self.user["token"] = session["refresh_token"], session["access_token"]

    def view_profile(self):
        self.client.call("GET", f"/users/{self.user['user_id']}")

    def avatar_redirect(self):
        self.client.call("GET", f"/users/{self.user['user_id']}/avatar", expect=302,
                         params={"size": "small"})

    def update_profile(self):
        self.client.call("PATCH", "/me", token=self.user["token"],
                         json={"bio": f"Bio {uuid.uuid4().hex[:6]}"})

    # -------------------------------------------------------------- images
    def avatar_upload(self):
        form = self.client.call("POST", "/me/avatar/uploads", token=self.user["token"],
                                expect=201, json={"content_type": "image/jpeg"})
        self.client.upload(form, self.photo, "image/jpeg")
        self.avatar_id = form["avatar_id"]
        status = self._status("AvatarsTable", {"user_id": self.user["user_id"],
                                               "avatar_id": form["avatar_id"]})
        return lambda: status() in ("ready", "rejected")

    def media_upload(self):
        form = self.client.call("POST", "/media/uploads", token=self.user["token"], expect=201,
                                json={"content_type": "image/jpeg",
                                      "project_id": self.project_id, "filename": "work.jpg"})
        self.client.upload(form, self.photo, "image/jpeg")
        status = self._status("MediaTable", {"media_id": form["media_id"]})
        return lambda: status() in ("ready", "rejected")

    # -------------------------------------------------------------- portfolio, search
    def create_project(self):
        self.client.call("POST", "/projects", token=self.user["token"], expect=201, json={
            "title": f"Engine notes {uuid.uuid4().hex[:6]}", "description": "Notes on engines.",
            "tags": ["history", "computing"]})

    def view_project(self):
        self.client.call("GET", f"/projects/{self.project_id}")

    def search(self):
        self.client.call("GET", "/search", params={"query": "engine notes", "size": 10})

    def suggest(self):
        self.client.call("GET", "/search/suggest", params={"query": "eng"})

    def browse_poses(self):
        self.client.call("GET", "/poses", params={"limit": 20})

    # -------------------------------------------------------------- portraits
    def generation(self):
        started = self.client.call("POST", "/generations", token=self.user["token"], expect=201,
                                   json={"pose_id": self.poses[0], "quality": "sd",
                                         "style": "realistic", "content_type": "image/jpeg"})
        self.client.upload(started["upload"], self.face, "image/jpeg")
        self.generation_id = started["generation_id"]
        status = self._status("GenerationsTable", {"user_id": self.user["user_id"],
                                                   "generation_id": started["generation_id"]})
        return lambda: status() in ("completed", "failed")


    # -------------------------------------------------------------- what clients poll
    # The web client asks until an upload is processed (pages/avatar.js, generations.js,
    # project.js: every 0.5 s, backing off to 3 s). The warm-up run makes the item polled.
    def avatar_status(self):
        if self.avatar_id is None:
            return self.avatar_upload()
        self.client.call("GET", f"/me/avatars/{self.avatar_id}", token=self.user["token"])

    def generation_status(self):
        if self.generation_id is None:
            return self.generation()
        self.client.call("GET", f"/generations/{self.generation_id}", token=self.user["token"])

    def media_list(self):
        self.client.call("GET", "/me/media", token=self.user["token"],
                         params={"project_id": self.project_id})


FLOWS = ("register", "login", "refresh", "view_profile", "avatar_redirect", "update_profile",
         "avatar_upload", "media_upload", "create_project", "view_project", "search", "suggest",
         "browse_poses", "generation", "avatar_status", "generation_status", "media_list")


def log_sizes(log_dir: Path) -> dict[str, int]:
    return {p.stem: p.stat().st_size for p in log_dir.glob("*.log")} if log_dir.is_dir() else {}


def settle(meter, check: Callable[[], Any] | None) -> None:
    deadline = time.monotonic() + DEADLINE
    done = check is None
    while time.monotonic() < deadline:
        if not done:
            try:
                done = bool(check())
            except (requests.RequestException, KeyError, ValueError):
                done = False
        if done and time.monotonic() - meter.last_activity > QUIET:
            return
        time.sleep(0.5)
    raise SystemExit(f"the stack did not settle within {DEADLINE:.0f} s")


def run_once(flows: Flows, name: str, meter, log_dir: Path) -> dict:
    meter.window()  # what came before is not this run's
    logs = log_sizes(log_dir)
    before = flows.client.api_requests
    check = getattr(flows, name)()
    settle(meter, check)
    tally = meter.window()
    after = log_sizes(log_dir)
    return {"api_requests": flows.client.api_requests - before, "tally": tally,
            "log_bytes": {f: after[f] - logs.get(f, 0) for f in after
                          if after[f] - logs.get(f, 0) > 0}}


def summarise(runs: list[dict], template, scheduled: set[str]) -> dict:
    """Means per run of what the runs counted."""
    n = len(runs)
    functions: dict[str, dict] = {}
    invocations = defaultdict(list)
    records = defaultdict(int)
    for run in runs:
        for function_id, duration, count, _ in run["tally"].invocations:
            if function_id in scheduled:
                continue
            invocations[function_id].append(duration)
            records[function_id] += count
    specs = template.functions()
    for function_id, durations in sorted(invocations.items()):
        functions[function_id] = {
            "invocations": round(len(durations) / n, 3),
            "records": round(records[function_id] / n, 3),
            "duration_ms": round(statistics.fmean(durations), 1),
            "duration_ms_max": round(max(durations), 1),
            "memory_mb": specs[function_id].memory_size,
        }
    dynamodb: dict[str, dict] = defaultdict(lambda: defaultdict(float))
    calls: dict[str, float] = defaultdict(float)
    s3: dict[str, dict] = defaultdict(lambda: defaultdict(float))
    entries = 0
    for run in runs:
        tally = run["tally"]
        for (table, index, kind, operation), units in tally.dynamodb.items():
            name = f"{table}/{index}" if index else table
            dynamodb[name][f"{kind}_units"] += units / n
            dynamodb[name][f"{kind}_units {operation}"] += units / n
        for (caller, service, operation), count in tally.calls.items():
            if caller != "stack" and service != "s3":
                calls[f"{service}:{operation}"] += count / n
        for (caller, prefix, operation, what), value in tally.s3.items():
            if caller != "stack":  # a browser's requests apart: only its GETs leave AWS
                operation = f"client {operation}" if caller == "client" else operation
                s3[prefix][f"{operation} {what}" if what != "requests" else operation] += value / n
        entries += tally.events_entries
    logs = defaultdict(float)
    for run in runs:
        for function_id, size in run["log_bytes"].items():
            logs[function_id] += size / n
    return {
        "api_requests": round(sum(r["api_requests"] for r in runs) / n, 3),
        "functions": functions,
        "dynamodb": {k: {kk: round(vv, 3) for kk, vv in sorted(v.items())}
                     for k, v in sorted(dynamodb.items())},
        "calls": {k: round(v, 3) for k, v in sorted(calls.items())},
        "s3": {p: {k: round(v, 1) for k, v in sorted(ops.items()) if v}
               for p, ops in sorted(s3.items())},
        "eventbridge_entries": round(entries / n, 3),
        "log_bytes": {k: round(v) for k, v in sorted(logs.items())},
    }


def metric_series(log_dir: Path) -> dict[str, list[str]]:
    """The custom metrics the functions emitted (CloudWatch embedded-metric lines): each
    (namespace, name, dimension values) is one metric CloudWatch bills by the month."""
    series: dict[str, set[str]] = defaultdict(set)
    for log in log_dir.glob("*.log"):
        for line in log.read_text(errors="replace").splitlines():
            if '"_aws"' not in line:
                continue
            try:
                document = json.loads(line[line.index("{"):])
            except ValueError:
                continue
            for directive in document.get("_aws", {}).get("CloudWatchMetrics", []):
                for dimensions in directive.get("Dimensions") or [[]]:
                    values = ",".join(f"{d}={document.get(d)}" for d in dimensions)
                    for metric in directive.get("Metrics", []):
                        series[directive.get("Namespace", "?")].add(
                            f"{metric.get('Name')}[{values}]")
    return {namespace: sorted(names) for namespace, names in sorted(series.items())}


def inputs() -> tuple[bytes, bytes]:
    from imaging_inputs import BY_KEY

    sys.path.insert(0, str(ROOT))
    from tests.unit.faces import photos

    face = io.BytesIO()
    photos.photo("astronaut").save(face, "JPEG", quality=90)
    return BY_KEY["jpeg12"].load(), face.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--flows", default=",".join(FLOWS))
    parser.add_argument("--out", default=str(ROOT / "bench" / "flow_costs.json"))
    parser.add_argument("--merge", action="store_true",
                        help="replace only the flows measured in --out's existing file")
    args = parser.parse_args()
    # SIGTERM stops the stack as Ctrl-C does (its workers and DynamoDB Local with it)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(f"signal {signum}"))
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")

    from flow_meter import Meter, install
    from portrait_local.stack import LocalStack

    photo, face = inputs()
    meter = Meter()
    state = Path(tempfile.mkdtemp(prefix="portrait-measure-"))
    stack = LocalStack(ROOT / "template.yaml", host="127.0.0.1", port=free_port(),
                       moto_port=free_port(), verbose=False, state_dir=state,
                       parameter_overrides={}, iam=True)
    install(meter)
    stack.start()
    try:
        client = Client(stack.state()["api_url"])
        deadline = time.monotonic() + DEADLINE
        while not (client.http.get(client.api_url + "/health", timeout=60).json()
                   .get("catalogue") or {}).get("complete"):
            if time.monotonic() > deadline:
                raise SystemExit("the pose catalogue was not seeded in time")
            time.sleep(1)
        import boto3

        dynamodb = boto3.resource("dynamodb", endpoint_url=stack.endpoint_url,
                                  region_name=stack.template.region)
        flows = Flows(client, photo, face,
                      lambda lid: dynamodb.Table(stack.template.physical_id(lid)))
        scheduled = {lid for lid, spec in stack.template.functions().items()
                     if any(e.get("Type") == "Schedule" for e in spec.events.values())}
        meter.background = scheduled
        results, background = {}, defaultdict(list)
        for name in args.flows.split(","):
            run_once(flows, name, meter, state / "logs")  # warm-up: cold starts not counted
            runs = [run_once(flows, name, meter, state / "logs") for _ in range(args.repeats)]
            for run in runs:
                for function_id, duration, _, _ in run["tally"].invocations:
                    if function_id in scheduled:
                        background[function_id].append(duration)
            results[name] = summarise(runs, stack.template, scheduled)
            print(f"{name}: {results[name]['api_requests']} API requests, "
                  f"{sum(f['invocations'] for f in results[name]['functions'].values()):.1f} "
                  f"invocations, {json.dumps(results[name]['dynamodb'])}", flush=True)
    finally:
        stack.stop()
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    document = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end",
        "repeats": args.repeats,
        "inputs": {"photo_bytes": len(photo), "photo": "12 MP photo-like JPEG (4000x3000, "
                   "bench/imaging_inputs.py jpeg12)", "face_bytes": len(face),
                   "face": "skimage's astronaut (512x512 JPEG q90)"},
        "how": "bench/measure_flows.py: the local stack in-process with bench/flow_meter.py; "
               "means per run after one warm-up run",
        "flows": results,
        "metric_series": metric_series(state / "logs"),
        "scheduled_functions": {f: {"firings_seen": len(d), "duration_ms": round(
            statistics.fmean(d), 1)} for f, d in sorted(background.items())},
    }
    if args.merge and Path(args.out).exists():
        previous = json.loads(Path(args.out).read_text())
        document["flows"] = {**previous["flows"], **results}
        document["merged"] = (previous.get("merged") or []) + [
            {"flows": sorted(results), "measured_at": document["measured_at"],
             "commit": commit}]
        for key in ("measured_at", "commit", "machine", "metric_series", "scheduled_functions"):
            document[key] = previous[key]
    Path(args.out).write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
