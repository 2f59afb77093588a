"""Webhooks end to end against `portrait dev`: a real change (a project created) reaches a
receiver on 127.0.0.1 as a delivery it verifies with the Standard Webhooks package, as a
consumer would; retries keep one webhook-id; a receiver that never answers is retried on
schedule and parked; 410 disables; after a rotation both secrets sign. On a stack of its
own, with the retry schedule compressed to seconds and the attempt timeout to 2 s by
parameters (the template's defaults: 27.5 h, 10 s)."""
from __future__ import annotations

import time
from typing import Iterator

import pytest
import requests
from standardwebhooks import Webhook

from tests.e2e.conftest import LocalStack
from tests.integration.webhooks.receiver import NEVER, Receiver

pytestmark = pytest.mark.e2e
DEADLINE = 120  # seconds: a busy two-core machine, and the workers' first cold starts
SCHEDULE = "0,1,1,1"
ATTEMPT_TIMEOUT = 2  # seconds


@pytest.fixture(scope="module")
def stack(local_stack) -> Iterator[LocalStack]:
    with local_stack.parameters(WebhookRetrySchedule=SCHEDULE,
                                WebhookAttemptTimeoutSeconds=str(ATTEMPT_TIMEOUT)) as running:
        yield running


def _endpoint(stack: LocalStack, auth: dict, url: str) -> dict:
    reply = requests.post(stack.url("/me/webhooks"), headers=auth, timeout=60, json={
        "url": url, "event_types": ["project.created"], "description": "e2e"})
    assert reply.status_code == 201, reply.text
    return reply.json()


def _project(stack: LocalStack, auth: dict) -> str:
    reply = requests.post(stack.url("/projects"), headers=auth, timeout=60,
                          json={"title": "Difference Engine"})
    assert reply.status_code == 201, reply.text
    return reply.json()["project_id"]


def _deliveries_when(stack: LocalStack, auth: dict, endpoint_id: str, done) -> list[dict]:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        reply = requests.get(stack.url(f"/me/webhooks/{endpoint_id}/deliveries"), headers=auth,
                             timeout=60)
        assert reply.status_code == 200, reply.text
        if done(items := reply.json()["items"]):
            return items
        time.sleep(0.25)
    pytest.fail(f"deliveries not settled within {DEADLINE} s: {items}\n{stack.output()[-3000:]}")


def test_a_project_created_arrives_signed_once(stack) -> None:
    auth, user_id = stack.new_member("hooks")
    with Receiver() as receiver:
        endpoint = _endpoint(stack, auth, receiver.url)
        project_id = _project(stack, auth)
        (request,) = receiver.wait_for(1, deadline_seconds=DEADLINE)
        payload = Webhook(endpoint["secret"]).verify(request.body, request.headers)
        assert (payload["type"], payload["project_id"], payload["user_id"]) == (
            "project.created", project_id, user_id)
        assert request.headers["webhook-id"] == payload["event_id"]
        (delivery,) = _deliveries_when(stack, auth, endpoint["endpoint_id"],
                                       lambda items: items and items[0]["status"] == "succeeded")
        assert delivery["attempt_count"] == 1 and delivery["event_id"] == payload["event_id"]
        time.sleep(2)
        assert len(receiver.received) == 1  # once


def test_500_three_times_then_200_is_retried_with_one_webhook_id(stack) -> None:
    auth, _ = stack.new_member("retry")
    with Receiver([500, 500, 500, 200]) as receiver:
        endpoint = _endpoint(stack, auth, receiver.url)
        _project(stack, auth)
        requests_seen = receiver.wait_for(4, deadline_seconds=DEADLINE)
        for request in requests_seen:
            Webhook(endpoint["secret"]).verify(request.body, request.headers)
        assert len({r.headers["webhook-id"] for r in requests_seen}) == 1
        (delivery,) = _deliveries_when(stack, auth, endpoint["endpoint_id"],
                                       lambda items: items and items[0]["status"] == "succeeded")
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 500, 200]


def test_a_receiver_that_never_answers_is_parked_and_410_disables(stack) -> None:
    auth, _ = stack.new_member("parked")
    with Receiver([NEVER]) as silent, Receiver([410]) as gone:
        parked = _endpoint(stack, auth, silent.url)
        disabled = _endpoint(stack, auth, gone.url)
        _project(stack, auth)
        (delivery,) = _deliveries_when(stack, auth, parked["endpoint_id"],
                                       lambda items: items and items[0]["status"] == "parked")
        assert delivery["attempt_count"] == len(SCHEDULE.split(","))
        assert [a["error"] for a in delivery["attempts"]] == ["timed out"] * delivery["attempt_count"]
        # On schedule: each retry its wait after the attempt before gave up (the 0.5 s
        # allows for the request's own time on the wire).
        arrived = [r.at for r in silent.received]
        waits = [int(w) for w in SCHEDULE.split(",")[1:]]
        assert all(later - earlier >= ATTEMPT_TIMEOUT + wait - 0.5
                   for earlier, later, wait in zip(arrived, arrived[1:], waits))
        assert len({r.headers["webhook-id"] for r in silent.received}) == 1
        _deliveries_when(stack, auth, disabled["endpoint_id"],
                         lambda items: items and items[0]["status"] == "failed")
    shown = {e["endpoint_id"]: e for e in requests.get(
        stack.url("/me/webhooks"), headers=auth, timeout=60).json()["items"]}
    assert shown[parked["endpoint_id"]]["status"] == "failing"
    assert shown[disabled["endpoint_id"]]["status"] == "disabled"
    assert "410" in shown[disabled["endpoint_id"]]["disabled_reason"]


def test_after_a_rotation_both_secrets_sign_during_the_overlap(stack) -> None:
    auth, _ = stack.new_member("rotate")
    with Receiver() as receiver:
        endpoint = _endpoint(stack, auth, receiver.url)
        rotated = requests.post(stack.url(f"/me/webhooks/{endpoint['endpoint_id']}/rotate-secret"),
                                headers=auth, timeout=60)
        assert rotated.status_code == 200, rotated.text
        assert rotated.json()["secret"] != endpoint["secret"]
        _project(stack, auth)
        (request,) = receiver.wait_for(1, deadline_seconds=DEADLINE)
    signatures = request.headers["webhook-signature"].split()
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    for secret in (endpoint["secret"], rotated.json()["secret"]):  # a receiver on either verifies
        assert Webhook(secret).verify(request.body, request.headers)["type"] == "project.created"


def _jpeg(colour=(40, 120, 200)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG", quality=90)
    return out.getvalue()


def _post_form(form: dict, body: bytes) -> None:
    posted = requests.post(form["url"], data=form["fields"],
                           files={"file": ("me.jpg", body, "image/jpeg")}, timeout=60)
    assert posted.status_code in (200, 201, 204), posted.text


def _wait(check, what: str, stack: LocalStack):
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.5)
    pytest.fail(f"{what} not within {DEADLINE} s:\n{stack.output()[-3000:]}")


def _payloads(receiver: Receiver) -> list[dict]:
    import json

    return [json.loads(r.body) for r in list(receiver.received)]


def test_avatar_media_and_generations_each_arrive_once(stack) -> None:
    from tests.unit.faces import photos

    auth, user_id = stack.new_member("events")
    # The new user's default avatar is drawn from the users table's stream: let it come
    # first, so the only avatar.ready sent is the upload's.
    _wait(lambda: requests.get(stack.url(f"/users/{user_id}"), timeout=60).json()["avatar"],
          "the default avatar", stack)
    pose = _wait(lambda: (requests.get(stack.url("/poses?limit=1"), timeout=60).json()["items"]
                          or [None])[0], "a pose", stack)["pose_id"]
    with Receiver() as receiver:
        endpoint = requests.post(stack.url("/me/webhooks"), headers=auth, timeout=60, json={
            "url": receiver.url, "event_types": ["avatar.ready", "media.ready",
                                                 "generation.completed", "generation.failed"]}).json()
        avatar = requests.post(stack.url("/me/avatar/uploads"), headers=auth, timeout=60,
                               json={"content_type": "image/jpeg"}).json()
        _post_form(avatar, photos.jpeg(photos.photo("astronaut")))
        media = requests.post(stack.url("/media/uploads"), headers=auth, timeout=60,
                              json={"content_type": "image/jpeg", "filename": "a.jpg"}).json()
        _post_form(media, _jpeg())
        started = {}
        for name, photo in (("completed", photos.jpeg(photos.photo("grace_hopper"))),
                            ("failed", _jpeg((200, 200, 200)))):  # no face: fails, refunded
            reply = requests.post(stack.url("/generations"), headers=auth, timeout=60, json={
                "pose_id": pose, "quality": "sd", "content_type": "image/jpeg"})
            assert reply.status_code == 201, reply.text
            _post_form(reply.json()["upload"], photo)
            started[name] = reply.json()["generation_id"]
        wanted = {("avatar.ready", avatar["avatar_id"]), ("media.ready", media["media_id"]),
                  ("generation.completed", started["completed"]),
                  ("generation.failed", started["failed"])}
        _wait(lambda: wanted <= {(e["type"], e.get("avatar_id") or e.get("media_id")
                                  or e.get("generation_id")) for e in _payloads(receiver)},
              "the four events delivered", stack)
        time.sleep(3)  # nothing more comes
        received = receiver.received
    events = [Webhook(endpoint["secret"]).verify(r.body, r.headers) for r in received]
    # Once each: no webhook-id twice. (The default avatar's avatar.ready may come too: the
    # endpoint can exist before that event reaches the fan-out.)
    assert [r.headers["webhook-id"] for r in received] == [e["event_id"] for e in events]
    assert len({e["event_id"] for e in events}) == len(events)
    for kind, key, value in (("avatar.ready", "avatar_id", avatar["avatar_id"]),
                             ("media.ready", "media_id", media["media_id"]),
                             ("generation.completed", "generation_id", started["completed"]),
                             ("generation.failed", "generation_id", started["failed"])):
        assert [e[key] for e in events if e["type"] == kind].count(value) == 1, (kind, events)
    assert all(e["user_id"] == user_id for e in events)
