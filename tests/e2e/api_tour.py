"""docs/API.md: every route of the HTTP API called for real, in a user's order, on a
running local stack, with what each answered (abridged: long strings cut, lists cut to
their first items). The reply examples are never written by hand, so they cannot drift
from the code; tests/e2e/test_api_tour.py runs the tour again and checks the committed
file still has every route, status and reply shape.

    .venv/bin/python -m tests.e2e.api_tour [--state-dir DIR] > docs/API.md

(`make dev` running; --state-dir for a stack started with its own.) It lives beside the
tests because it uses their photographs (tests/unit/faces/photos.py: a real face).
"""
from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
import uuid
from urllib.parse import urlencode
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import requests
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
PORTRAIT = ROOT / ".venv" / "bin" / "portrait"
DEADLINE = 300  # seconds a background step (a render on a busy machine) may take
PASSWORD = "correct horse battery"
LONG = 72  # strings longer than this are cut (tokens, presigned URLs)
SHOWN = 2  # items shown of a longer list


@dataclass
class Call:
    method: str
    route: str  # the OpenAPI path template, e.g. /me/avatars/{avatar_id}
    status: int
    request: Any = None
    reply: Any = None  # JSON, or a line saying what the body is
    note: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def abridge(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: abridge(item) for key, item in value.items()}
    if isinstance(value, list):
        return [abridge(item) for item in value[:SHOWN]]
    if isinstance(value, str) and len(value) > LONG:
        return value[:LONG - 12] + "…"
    return value


def shape(value: Any, path: str = "") -> tuple[set[str], set[str]]:
    """The key paths of a JSON value (list items as `[]`), what a client's code reads, and
    the paths of its empty lists (whose items' keys it cannot show)."""
    keys: set[str] = set()
    empty: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            inner_keys, inner_empty = shape(item, f"{path}.{key}")
            keys |= {f"{path}.{key}"} | inner_keys
            empty |= inner_empty
    elif isinstance(value, list):
        if not value:
            empty.add(path)
        for item in value:
            inner_keys, inner_empty = shape(item, f"{path}[]")
            keys |= inner_keys
            empty |= inner_empty
    return keys, empty


def shape_differences(one: Any, other: Any) -> set[str]:
    """Key paths in one reply and not the other, except under a list empty in either."""
    (keys_one, empty_one), (keys_other, empty_other) = shape(one), shape(other)
    empty = empty_one | empty_other
    return {path for path in keys_one ^ keys_other
            if not any(path.startswith(f"{e}[]") for e in empty)}


class Tour:
    def __init__(self, api_url: str, state_dir: Path | None) -> None:
        self.api_url = api_url.rstrip("/")
        self.state_dir = state_dir
        self.calls: list[Call] = []
        self.http = requests.Session()

    def call(self, method: str, route: str, *, expect: int, params: dict | None = None,
             body: Any = None, token: str | None = None, note: str = "", **path: str) -> Any:
        url = self.api_url + route.format(**path)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        reply = self.http.request(method, url, params=params, json=body, headers=headers,
                                  timeout=60, allow_redirects=False)
        if reply.status_code != expect:
            raise SystemExit(f"{method} {route}: expected {expect}, got {reply.status_code}: "
                             f"{reply.text[:500]}")
        kind = reply.headers.get("content-type", "")
        if kind.startswith("application/json"):
            answer = reply.json()
        elif reply.status_code == 302:
            answer = None
        else:
            answer = f"({kind}, {len(reply.content)} bytes)"
        route_text = route + (f"?{urlencode(params)}" if params else "")
        self.calls.append(Call(method, route_text, reply.status_code, body, answer, note,
                               {"Location": reply.headers["Location"]}
                               if "Location" in reply.headers else {}))
        return answer

    def until(self, what: str, check: Callable[[], Any]) -> Any:
        """Poll `check` (outside the record) until it answers something true."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            if found := check():
                return found
            time.sleep(0.25)
        raise SystemExit(f"{what}: not within {DEADLINE} s")

    def get_quietly(self, path: str, token: str) -> dict:
        reply = self.http.get(self.api_url + path, headers={"Authorization": f"Bearer {token}"},
                              timeout=60)
        reply.raise_for_status()
        return reply.json()

    def upload(self, form: dict, data: bytes, content_type: str) -> None:
        posted = requests.post(form["url"], data=form["fields"],
                               files={"file": ("photo", data, content_type)}, timeout=60)
        if posted.status_code not in (200, 201, 204):
            raise SystemExit(f"S3 refused the upload: {posted.status_code} {posted.text[:300]}")

    def portrait(self, *args: str, stdin: str | None = None) -> None:
        extra = ["--state-dir", str(self.state_dir)] if self.state_dir else []
        done = subprocess.run([str(PORTRAIT), *args, *extra], cwd=ROOT, input=stdin,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise SystemExit(f"portrait {' '.join(args)}: {done.stderr}")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def run(tour: Tour) -> None:  # noqa: PLR0915 - one user's session, step by step
    from tests.integration.webhooks.receiver import Receiver
    from tests.unit.faces import photos

    face = _jpeg(photos.photo("astronaut"))
    tiny = io.BytesIO()
    Image.new("RGB", (40, 40), "teal").save(tiny, "PNG")
    tag = uuid.uuid4().hex[:6]
    handle, admin_handle = f"ada_{tag}", f"root_{tag}"

    # ---------------------------------------------------------------- the stack, accounts
    tour.call("GET", "/health", expect=200)
    tour.call("GET", "/.well-known/jwks.json", expect=200)
    account = {"username": handle, "email": f"{handle}@example.com", "password": PASSWORD,
               "name": "Ada Lovelace"}
    user_id = tour.call("POST", "/auth/register", expect=201, body=account)["user_id"]
    # A new user's default avatar is drawn from the users table's stream, a moment after
    # the sign-up: wait for it, so that every run shows the user the same way.
    tour.until("the default avatar", lambda: tour.http.get(
        f"{tour.api_url}/users/{user_id}", timeout=60).json()["avatar"])
    tour.call("POST", "/auth/register", expect=409, body=account,
              note="the same handle again: every error has this shape")
    tour.call("POST", "/auth/login", expect=401, body={"login": handle, "password": "wrong"})
    session = tour.call("POST", "/auth/login", expect=200,
                        body={"login": handle, "password": PASSWORD})
    token = session["access_token"]
    tour.call("GET", "/auth/verify", expect=200, token=token)
    fresh = tour.call("POST", "/auth/refresh", expect=200,
                      body={"refresh_token": session["refresh_token"]})
    token, refresh = fresh["access_token"], fresh["refresh_token"]
    tour.call("PATCH", "/me", expect=422, token=token, body={"name": ""},
              note="invalid fields: 422, each named in details")
    tour.call("PATCH", "/me", expect=200, token=token,
              body={"bio": "Analyst of engines.", "title": "Mathematician"})
    tour.call("GET", "/users/{user_id}", expect=200, user_id=user_id)
    tour.call("GET", "/avatars/default", expect=200, params={"size": "small"})
    tour.call("GET", "/users/{user_id}/avatar", expect=302, params={"size": "small"},
              user_id=user_id, note="a redirect, for <img src>")

    # ---------------------------------------------------------------- avatars
    started = tour.call("POST", "/me/avatar/uploads", expect=201, token=token,
                        body={"content_type": "image/jpeg"})
    tour.upload(started, face, "image/jpeg")
    avatar_id = started["avatar_id"]
    tour.until("the avatar ready", lambda: tour.get_quietly(
        f"/me/avatars/{avatar_id}", token)["status"] == "ready")
    tour.call("GET", "/me/avatars/{avatar_id}", expect=200, token=token, avatar_id=avatar_id)
    tour.call("GET", "/me/avatar", expect=200, token=token, params={"size": "medium"})
    tour.call("GET", "/me", expect=200, token=token, note="the current avatar embedded")
    tour.call("POST", "/me/avatar/default", expect=201, token=token)
    tour.call("POST", "/me/avatars/{avatar_id}/restore", expect=200, token=token,
              avatar_id=avatar_id)
    tour.call("DELETE", "/me/avatar", expect=200, token=token)
    tour.call("POST", "/me/avatars/{avatar_id}/restore", expect=200, token=token,
              avatar_id=avatar_id, note="again, after deleting it")
    rejected = tour.call("POST", "/me/avatar/uploads", expect=201, token=token,
                         body={"content_type": "image/png"})
    tour.upload(rejected, tiny.getvalue(), "image/png")
    tour.until("the small avatar rejected", lambda: tour.get_quietly(
        f"/me/avatars/{rejected['avatar_id']}", token)["status"] == "rejected")
    tour.call("GET", "/me/avatars", expect=200, token=token, params={"limit": 3})
    tour.call("DELETE", "/me/avatars/{avatar_id}", expect=200, token=token,
              avatar_id=rejected["avatar_id"], note="a rejected one: its record removed")

    # ---------------------------------------------------------------- portfolio
    project = tour.call("POST", "/projects", expect=201, token=token, body={
        "title": f"Analytical Engine {tag}", "description": "Notes on the engine.",
        "tags": ["history", "computing"], "link": "https://example.com/engine"})
    project_id = project["project_id"]
    tour.call("GET", "/projects/{project_id}", expect=200, project_id=project_id)
    tour.call("PATCH", "/projects/{project_id}", expect=200, token=token,
              project_id=project_id, body={"description": "Notes on the engine, revised."})
    tour.call("PUT", "/projects/{project_id}", expect=200, token=token, project_id=project_id,
              body={"title": f"Analytical Engine {tag}", "tags": ["history", "computing"]})
    media = tour.call("POST", "/media/uploads", expect=201, token=token, body={
        "content_type": "image/jpeg", "project_id": project_id, "filename": "engine.jpg"})
    tour.upload(media, face, "image/jpeg")
    tour.until("the image ready", lambda: tour.get_quietly(
        f"/media/{media['media_id']}", token)["status"] == "ready")
    tour.call("GET", "/media/{media_id}", expect=200, token=token, media_id=media["media_id"])
    tour.call("GET", "/media/{media_id}/original", expect=302, token=token,
              media_id=media["media_id"], note="the original as uploaded: a short-lived link")
    tour.call("GET", "/media/{media_id}/original/link", expect=200, token=token,
              media_id=media["media_id"], note="the same link as JSON, for a browser's script")
    tour.call("GET", "/me/media", expect=200, token=token, params={"project_id": project_id})
    tour.call("GET", "/projects/{project_id}/media", expect=200, project_id=project_id)
    tour.call("PUT", "/projects/{project_id}/thumbnail", expect=200, token=token,
              project_id=project_id, body={"media_id": media["media_id"]})
    tour.call("GET", "/users/{user_id}/projects", expect=200, user_id=user_id)
    tour.call("GET", "/projects/user/{user_id}", expect=200, user_id=user_id,
              note="seed 002's path for the same list")
    tour.until("the project searchable", lambda: tour.http.get(
        tour.api_url + "/search", params={"query": tag}, timeout=60).json().get("total"))
    tour.call("GET", "/search", expect=200, params={"query": f"engine {tag}", "size": 5})
    tour.call("GET", "/search/suggest", expect=200, params={"query": "analyt"})

    # ---------------------------------------------------------------- webhooks
    # A receiver on this machine (the local stack allows loopback targets; AWS never does).
    receiver = Receiver().__enter__()
    hook = tour.call("POST", "/me/webhooks", expect=201, token=token, body={
        "url": receiver.url, "event_types": ["generation.completed", "generation.failed"],
        "description": "my backend"}, note="the secret is in this reply only")
    endpoint_id = hook["endpoint_id"]
    tour.call("POST", "/me/webhooks", expect=422, token=token,
              body={"url": receiver.url, "event_types": ["project.exploded"]},
              note="event types come from the catalogue (docs/EVENTS.md)")
    tour.call("GET", "/me/webhooks", expect=200, token=token)
    tour.call("PATCH", "/me/webhooks/{endpoint_id}", expect=200, token=token,
              endpoint_id=endpoint_id, body={"event_types": ["*"]})
    test = tour.call("POST", "/me/webhooks/{endpoint_id}/test", expect=202, token=token,
                     endpoint_id=endpoint_id, note="a webhook.test event, signed and logged")
    tour.until("the test event delivered", lambda: [d for d in tour.get_quietly(
        f"/me/webhooks/{endpoint_id}/deliveries", token)["items"]
        if d["delivery_id"] == test["delivery_id"] and d["status"] == "succeeded"])
    tour.call("GET", "/me/webhooks/{endpoint_id}/deliveries", expect=200, token=token,
              endpoint_id=endpoint_id, params={"limit": 1})
    tour.call("POST", "/me/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver",
              expect=202, token=token, endpoint_id=endpoint_id, delivery_id=test["delivery_id"],
              note="one more attempt now, with the same webhook-id")
    tour.call("POST", "/me/webhooks/{endpoint_id}/rotate-secret", expect=200, token=token,
              endpoint_id=endpoint_id, note="the previous secret signs beside it for 24 h")
    tour.call("GET", "/me/webhooks/{endpoint_id}", expect=200, token=token,
              endpoint_id=endpoint_id)

    # ---------------------------------------------------------------- poses, credits
    tour.until("the pose catalogue", lambda: (tour.http.get(tour.api_url + "/health", timeout=60)
                                              .json().get("catalogue") or {}).get("complete"))
    tour.call("GET", "/poses/facets", expect=200)
    featured = tour.call("GET", "/poses/featured", expect=200, params={"limit": 3})
    tour.call("GET", "/poses", expect=200, params={"category": featured["items"][0]["category"],
                                                   "limit": 2})
    pose_ids = [p["pose_id"] for p in featured["items"]]
    tour.call("GET", "/poses/{pose_id}", expect=200, pose_id=pose_ids[0])
    tour.call("GET", "/styles", expect=200)
    tour.call("GET", "/me/credits", expect=200, token=token)

    # ---------------------------------------------------------------- generations
    generation = tour.call("POST", "/generations", expect=201, token=token, body={
        "pose_id": pose_ids[0], "quality": "sd", "style": "realistic",
        "content_type": "image/jpeg"})
    tour.upload(generation["upload"], face, "image/jpeg")
    generation_id = generation["generation_id"]
    tour.until("the portrait", lambda: tour.get_quietly(
        f"/generations/{generation_id}", token)["status"] in ("completed", "failed"))
    if (status := tour.get_quietly(f"/generations/{generation_id}", token)["status"]) != "completed":
        raise SystemExit(f"the tour's portrait ended {status}: the examples show a completed one")
    tour.call("GET", "/generations/{generation_id}", expect=200, token=token,
              generation_id=generation_id)
    batch = tour.call("POST", "/generations/batch", expect=201, token=token, body={
        "pose_ids": pose_ids[1:3], "content_type": "image/jpeg"})
    tour.upload(batch["upload"], face, "image/jpeg")
    tour.until("the batch", lambda: all(tour.get_quietly(
        f"/generations/{g['generation_id']}", token)["status"] in ("completed", "failed")
        for g in batch["generations"]))
    tour.call("GET", "/generations", expect=200, token=token, params={"limit": 2})
    tour.call("GET", "/generations/stats", expect=200, token=token)
    tour.call("POST", "/generations/{generation_id}/share", expect=201, token=token,
              generation_id=generation_id)
    tour.call("DELETE", "/generations/{generation_id}/share", expect=200, token=token,
              generation_id=generation_id)
    tour.call("DELETE", "/generations/{generation_id}", expect=200, token=token,
              generation_id=batch["generations"][0]["generation_id"])

    # ---------------------------------------------------------------- administration
    tour.portrait("admin", "create-user", "--admin", "--username", admin_handle,
                  "--email", f"{admin_handle}@example.com", "--name", "Root",
                  "--password-stdin", stdin=PASSWORD + "\n")
    admin = tour.http.post(tour.api_url + "/auth/login", timeout=60, json={
        "login": admin_handle, "password": PASSWORD}).json()["access_token"]
    tour.call("GET", "/admin/temp-uploads", expect=403, token=token,
              note="an admin route, called by a user")
    tour.call("POST", "/admin/users/{user_id}/credits", expect=200, token=admin,
              user_id=user_id, body={"amount": 25, "reason": "conference speaker"})
    keypoints = featured["items"][0]["keypoints"]
    tour.call("POST", "/admin/poses", expect=201, token=admin, body={
        "name": f"Tour pose {tag}", "category": "standing", "tags": ["tour"],
        "keypoints": keypoints})
    tour.call("GET", "/admin/temp-uploads", expect=200, token=admin, params={"limit": 2},
              note="uploads not yet processed or abandoned (here, likely none)")
    tour.call("DELETE", "/admin/temp-uploads/{upload_id}", expect=404, token=admin,
              upload_id=started["upload_id"],
              note="an upload processed already: nothing of it is left under tmp/")
    tour.call("POST", "/admin/temp-uploads/sweep", expect=200, token=admin,
              body={"dry_run": True})
    tour.call("DELETE", "/admin/temp-uploads", expect=400, token=admin,
              note="without the confirmation it asks for")
    tour.call("POST", "/admin/search/reindex", expect=202, token=admin)
    tour.call("POST", "/admin/reindex-projects", expect=202, token=admin)
    # The counts: the record counts as the streams keep them; the storage totals once the
    # hourly listing ran (fired here, as `portrait counts storage` would list them).
    tour.portrait("schedule", "fire", "StorageCountsFunction", "Hourly")
    tour.call("GET", "/admin/counts/storage", expect=200, token=admin)
    tour.call("GET", "/admin/counts/avatars", expect=200, token=admin)
    tour.call("GET", "/admin/counts/users", expect=200, token=admin)
    tour.call("GET", "/admin/counts/generations", expect=200, token=admin)

    # ---------------------------------------------------------------- clean-up, log out
    tour.call("DELETE", "/media/{media_id}", expect=200, token=token, media_id=media["media_id"])
    tour.call("DELETE", "/projects/{project_id}", expect=200, token=token, project_id=project_id)
    tour.call("DELETE", "/me/webhooks/{endpoint_id}", expect=200, token=token,
              endpoint_id=endpoint_id)
    receiver.__exit__(None, None, None)
    tour.call("POST", "/auth/logout", expect=200, body={"refresh_token": refresh})


def markdown(calls: list[Call], summaries: dict[tuple[str, str], str]) -> str:
    lines = [
        "# The HTTP API, by example",
        "",
        "Every route, called for real on a local stack in the order a user meets them, and "
        "what it answered.",
        "Generated by `.venv/bin/python -m tests.e2e.api_tour > docs/API.md` with `make dev` "
        "running; `tests/e2e/test_api_tour.py` fails when a route, a status or a reply's "
        f"shape here no longer matches. Abridged: strings over {LONG} characters are cut "
        f"(tokens, presigned URLs) and lists show their first {SHOWN} items. Ids are ULIDs, "
        "timestamps ISO 8601 in UTC with milliseconds. The schemas: `openapi.json`, or "
        "Swagger UI at `/docs`.",
        "",
    ]
    for call in calls:
        bare = call.route.split("?")[0]
        summary = summaries.get((call.method.lower(), bare), "")
        lines += [f"## {call.method} {call.route}", ""]
        lines += [f"{summary}." if summary else "", ""] if summary else []
        if call.note:
            lines += [f"*{call.note}*", ""]
        if call.request is not None:
            lines += ["Request body:", "", "```json", json.dumps(abridge(call.request), indent=2,
                                                                ensure_ascii=False), "```", ""]
        answer = f"Answer: **{call.status}**"
        if call.headers.get("Location"):
            answer += f", `Location: {abridge(call.headers['Location'])}`"
        if isinstance(call.reply, str):
            answer += f" {call.reply}"
        lines += [answer, ""]
        if call.reply is not None and not isinstance(call.reply, str):
            lines += ["```json", json.dumps(abridge(call.reply), indent=2, ensure_ascii=False),
                      "```", ""]
    return "\n".join(lines)


def summaries_of(document: dict) -> dict[tuple[str, str], str]:
    return {(method, path): op.get("summary", "") for path, ops in document["paths"].items()
            for method, op in ops.items()}


def main(argv: list[str] | None = None) -> int:
    from portrait_local.running import running_stack

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    state = running_stack(ROOT / "template.yaml", args.state_dir)
    if state is None:
        print("no running local stack: start it with `make dev`", file=sys.stderr)
        return 1
    tour = Tour(state["api_url"], args.state_dir)
    run(tour)
    document = json.loads((ROOT / "openapi.json").read_text())
    print(markdown(tour.calls, summaries_of(document)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
