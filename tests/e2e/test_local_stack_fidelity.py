"""The local stack behaves as AWS does where users notice: tables on DynamoDB Local
(a cancelled transaction does not stall the users stream), S3's presigned POST
checks, an API edge that answers every request, and a clean stop."""
from __future__ import annotations

import json
import os
import signal
import time
import uuid
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.conftest import running_local_stack

pytestmark = pytest.mark.e2e
PASSWORD = "a long enough passphrase"


def _register(stack, username: str) -> requests.Response:
    return requests.post(stack.url("/auth/register"), timeout=60, json={
        "username": username, "email": f"{username}-{uuid.uuid4().hex[:6]}@example.com",
        "password": PASSWORD, "name": username})


def _has_avatar(stack, user_id: str) -> bool:
    return requests.get(stack.url(f"/users/{user_id}"), timeout=60).json().get("avatar") is not None


def test_a_taken_username_does_not_stall_default_avatars(local_stack) -> None:
    """moto rolled a cancelled transaction back by swapping the table, stranding the
    stream reader: every later user got no default avatar. DynamoDB Local does not."""
    first = f"taken_{uuid.uuid4().hex[:8]}"
    assert _register(local_stack, first).status_code == 201
    assert _register(local_stack, first).status_code == 409
    created = [_register(local_stack, f"after_{uuid.uuid4().hex[:8]}") for _ in range(5)]
    assert [r.status_code for r in created] == [201] * 5
    waiting = {r.json()["user_id"] for r in created}
    deadline = time.monotonic() + 180
    while waiting and time.monotonic() < deadline:
        waiting = {user for user in waiting if not _has_avatar(local_stack, user)}
        time.sleep(0.5)
    assert not waiting, f"no default avatar for {waiting}:\n{local_stack.output()[-3000:]}"


def _avatar_form(stack) -> dict:
    auth, _ = stack.new_member("form")
    reply = requests.post(stack.url("/me/avatar/uploads"), headers=auth, timeout=60,
                          json={"content_type": "image/png"})
    assert reply.status_code == 201, reply.text
    return reply.json()


def _s3_error(reply: requests.Response) -> tuple[int, str | None]:
    return reply.status_code, ET.fromstring(reply.content).findtext("Code")


def test_the_bucket_enforces_the_upload_form(local_stack) -> None:
    form = _avatar_form(local_stack)
    too_big = requests.post(form["url"], data=form["fields"], timeout=120,
                            files={"file": ("me.png", b"\0" * (6 * 1024 * 1024), "image/png")})
    assert _s3_error(too_big) == (400, "EntityTooLarge")
    other_type = requests.post(form["url"], data={**form["fields"], "Content-Type": "text/html"},
                               files={"file": ("me.png", b"<p>hi", "text/html")}, timeout=60)
    assert _s3_error(other_type) == (403, "AccessDenied")
    other_key = requests.post(form["url"], data={**form["fields"], "key": "avatars/x/y/full.webp"},
                              files={"file": ("me.png", b"x", "image/png")}, timeout=60)
    assert _s3_error(other_key) == (403, "AccessDenied")


def test_fifty_concurrent_clients_all_get_answers(local_stack) -> None:
    paths = ["/health", "/poses?limit=5", "/avatars/default?size=small", "/no/such/route"]

    def client(n: int) -> list[int]:
        with requests.Session() as session:
            return [session.get(local_stack.url(paths[(n + i) % len(paths)]), timeout=120)
                    .status_code for i in range(6)]

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = [s for batch in pool.map(client, range(50)) for s in batch]
    assert len(statuses) == 300  # a dropped connection would have raised
    assert set(statuses) <= {200, 404}


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/poses/%00", None), ("GET", "/%00", 404), ("GET", "/" + "a" * 5000, 404),
    ("BREW", "/health", 405), ("TRACE", "/health", 405),
])
def test_bad_requests_answer_json(local_stack, method, path, status) -> None:
    reply = requests.request(method, local_stack.url(path), timeout=60)
    assert 400 <= reply.status_code < 500 and (status is None or reply.status_code == status)
    assert reply.headers["content-type"].startswith("application/json")
    json.loads(reply.text)


def test_one_sigterm_stops_everything(tmp_path) -> None:
    with running_local_stack(tmp_path, own_engine=True) as stack:
        state = json.loads((stack.state_dir / "local.json").read_text())
        assert requests.get(stack.url("/poses?limit=1"), timeout=60).status_code == 200
        # Workers and the JVM run in sessions of their own, but as the stack's children.
        children = _descendants(stack.process.pid)
        assert len(children) >= 2, "the stack runs workers and DynamoDB Local"
        os.kill(stack.process.pid, signal.SIGTERM)
        stack.process.wait(timeout=120)
        assert state["pid"] == stack.process.pid
        deadline = time.monotonic() + 60
        while (alive := {p for p in children if _alive(p)}) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive, f"still running after the stack stopped: {alive}"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return False


def _descendants(pid: int) -> set[int]:
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                if ppid == parent and int(entry) not in found:
                    found.add(int(entry))
                    frontier.append(int(entry))
    return found



def test_portrait_update_changes_parameters_as_a_deploy_would(local_stack) -> None:
    """`portrait update`: the functions whose environment changes get new instances (a
    new account starts with the new InitialCredits), a disabled mapping's pollers stop,
    an unknown parameter is refused, and --reset takes a value back."""
    current = json.loads(local_stack.portrait("update").stdout)["parameter_overrides"]
    assert "InitialCredits" not in current
    refused = local_stack.portrait("update", "--parameter-overrides", "NoSuchParameter=1")
    assert refused.returncode == 1 and "undeclared parameters: NoSuchParameter" in refused.stderr

    changed = local_stack.portrait("update", "--parameter-overrides", "InitialCredits=7",
                                   "RenderWorkerPaused=true")
    try:
        assert changed.returncode == 0, changed.stderr
        reply = json.loads(changed.stdout)
        assert "ApiFunction" in reply["functions_replaced"]
        assert "RenderFunction:RenderRequests" in reply["mappings_replaced"]
        auth, _ = local_stack.new_member("seven")
        me = requests.get(local_stack.url("/me"), headers=auth, timeout=60).json()
        assert me["credits"] == 7
        state = json.loads((local_stack.state_dir / "local.json").read_text())
        assert state["parameter_overrides"]["InitialCredits"] == "7"  # what the CLI reads
    finally:
        reset = local_stack.portrait("update", "--reset", "InitialCredits", "RenderWorkerPaused")
    assert reset.returncode == 0, reset.stderr
    assert "RenderFunction:RenderRequests" in json.loads(reset.stdout)["mappings_replaced"]
    auth, _ = local_stack.new_member("default")
    assert requests.get(local_stack.url("/me"), headers=auth, timeout=60).json()["credits"] == 100
