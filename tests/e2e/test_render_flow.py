"""The asynchronous render contract end to end on `portrait dev`: the generate function
submits, the render worker (RenderFunction, the local face renderer) writes the output and
notifies, RenderCompleteFunction settles; a renderer failure is refunded once, a photo
without a face is refunded before any render, a duplicate notification changes nothing,
and a render that never reports back is refunded by the deadline sweep (on a stack of its
own whose render worker is paused)."""
from __future__ import annotations

import html
import io
import json
import re
import time

import pytest
import requests
from PIL import Image

from portrait.imaging.faces import find_faces
from tests.e2e.bus_tap import BusTap
from tests.unit.faces import photos

pytestmark = pytest.mark.e2e
DEADLINE = 120  # seconds: a busy two-core machine, and a worker's first cold start



def _wait(condition, what: str, stack, timeout: float = DEADLINE):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"{what}: not within {timeout} s\n{stack.output()[-3000:]}")


def _pose(stack) -> dict:
    reply = _wait(lambda: requests.get(stack.url("/poses?tag=front-view&limit=1"), timeout=60)
                  .json()["items"], "a seeded pose", stack)
    return reply[0]


def _start(stack, auth, pose_id: str, photo: bytes, **options) -> str:
    started = requests.post(stack.url("/generations"), headers=auth, timeout=60, json={
        "pose_id": pose_id, "content_type": "image/jpeg", **options})
    assert started.status_code == 201, started.text
    form = started.json()["upload"]
    posted = requests.post(form["url"], data=form["fields"],
                           files={"file": ("me.jpg", photo, "image/jpeg")}, timeout=60)
    assert posted.status_code in (200, 201, 204), posted.text
    return started.json()["generation_id"]


def _generation(stack, auth, generation_id: str) -> dict:
    reply = requests.get(stack.url(f"/generations/{generation_id}"), headers=auth, timeout=60)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _settled(stack, auth, generation_id: str, timeout: float = DEADLINE) -> dict:
    return _wait(lambda: (g := _generation(stack, auth, generation_id))["status"] not in (
        "pending", "processing") and g, f"generation {generation_id} settled", stack, timeout)


def _balance(stack, auth) -> int:
    return requests.get(stack.url("/me/credits"), headers=auth, timeout=60).json()["balance"]


def _render_keys(stack) -> list[str]:
    listed = stack.aws("s3").list_objects_v2(Bucket=stack.resources()["MediaBucket"],
                                                 Prefix="renders/")
    return [item["Key"] for item in listed.get("Contents", [])]


def _notify(stack, result: dict) -> None:
    """Send an inference result to the completion queue, as the endpoint would, and wait
    until the stack has taken it."""
    sqs, url = stack.aws("sqs"), stack.resources()["RenderNotificationsQueue"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(result))

    def drained() -> bool:
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return all(int(v) == 0 for v in counts.values())
    _wait(drained, "the completion queue drained", stack)


def _result(stack, user_id: str, generation_id: str, status: str) -> dict:
    bucket = stack.resources()["MediaBucket"]
    response = ({"contentType": "application/json",
                 "outputLocation": f"s3://{bucket}/renders/output/{generation_id}.out"}
                if status == "Completed" else {})
    return {"awsRegion": "us-east-1", "eventTime": "2026-12-06T10:00:01.000Z",
            "receivedTime": "2026-12-06T10:00:00.000Z", "invocationStatus": status,
            **({"failureReason": "ClientError: model_error"} if status == "Failed" else {}),
            "requestParameters": {"endpointName": "portrait-render-worker",
                                  "inputLocation": f"s3://{bucket}/renders/requests/{user_id}/"
                                                   f"{generation_id}.json"},
            "responseParameters": response, "inferenceId": generation_id, "eventVersion": "1.0",
            "eventSource": "aws:sagemaker", "eventName": "InferenceResult"}


def _without_urls(resource: dict) -> dict:
    """A resource as an event carries it: the API's shape, but no expiring URL (there is
    no CDN locally, so none at all)."""
    if isinstance(resource, dict):
        return {k: None if k.endswith("url") else _without_urls(v) for k, v in resource.items()}
    return resource


def test_a_portrait_of_the_user_then_a_duplicate_notification_changes_nothing(local_stack):
    tap = BusTap(local_stack)
    auth, user_id = local_stack.new_member("render")
    pose = _pose(local_stack)
    generation_id = _start(local_stack, auth, pose["pose_id"],
                           photos.jpeg(photos.photo("astronaut")), style="realistic")
    generation = _settled(local_stack, auth, generation_id)
    assert generation["status"] == "completed", generation

    # Events from the tables' streams, each resource in the API's own shape: the default
    # avatar (the users stream made it) and the portrait.
    avatar_ready = tap.wait_for("avatar.ready", local_stack, user_id=user_id)["detail"]
    shown = requests.get(local_stack.url(f"/me/avatars/{avatar_ready['avatar_id']}"),
                         headers=auth, timeout=60).json()
    assert avatar_ready["avatar"] == _without_urls(shown) and avatar_ready["source"] == "identicon"
    completed = tap.wait_for("generation.completed", local_stack, generation_id=generation_id)
    assert completed["detail"]["generation"] == _without_urls(generation)
    assert completed["detail"]["type"] == "generation.completed"
    assert completed["detail"]["event_id"].startswith("evt_")
    assert generation["style"] == "realistic" and generation["render_submitted_at"]
    assert generation["render_deadline"] is None  # only while it renders
    # The likeness check's figure, on the record and in the API.
    likeness = generation["likeness"]
    assert generation["renderer"] == "face" and likeness["method"] == "dlib-resnet-v1-cosine"
    assert likeness["score"] >= likeness["threshold"] == 0.93 and likeness["attempts"] == 1
    portrait = Image.open(io.BytesIO(requests.get(generation["output_url"], timeout=60).content))
    assert (portrait.format, portrait.size) == ("PNG", (512, 512))
    # The user's face, at the pose's head (looked for at 1024: a full-body head is ~50 px at 512).
    [face] = find_faces(portrait.convert("RGB").resize((1024, 1024)), side=1024)
    nose_x, nose_y, _ = pose["keypoints"][0]
    assert abs(face.centre[0] - nose_x * 1024) < face.width
    assert abs(face.centre[1] - nose_y * 1024) < face.width
    _wait(lambda: _render_keys(local_stack) == [], "renders/ cleared", local_stack)

    # The endpoint says it again (at-least-once): nothing moves.
    _notify(local_stack, _result(local_stack, user_id, generation_id, "Completed"))
    again = _generation(local_stack, auth, generation_id)
    assert {k: again[k] for k in ("status", "completed_at", "processing_seconds")} == \
        {k: generation[k] for k in ("status", "completed_at", "processing_seconds")}
    # One change, one event: however often it is delivered, it carries one id.
    assert len({e["detail"]["event_id"] for e in tap.all_of(
        "generation.completed", generation_id=generation_id)}) == 1
    assert requests.get(again["output_url"], timeout=60).status_code == 200
    stats = requests.get(local_stack.url("/generations/stats"), headers=auth, timeout=60).json()
    assert (stats["completed"], stats["failed"], stats["credits_used"]) == (1, 0, 5)
    assert _balance(local_stack, auth) == 95

    # Shared: a public page (no token) that unfurls; revoked: gone at once.
    made = requests.post(local_stack.url(f"/generations/{generation_id}/share"), headers=auth,
                         timeout=60)
    assert made.status_code == 201, made.text
    page = requests.get(made.json()["share_url"], timeout=60)
    assert page.status_code == 200 and 'property="og:image"' in page.text
    image = re.search(r'property="og:image" content="([^"]+)"', page.text)[1]
    shared = requests.get(html.unescape(image), timeout=60)
    assert shared.status_code == 200 and shared.content == requests.get(
        again["output_url"], timeout=60).content
    revoked = requests.delete(local_stack.url(f"/generations/{generation_id}/share"),
                              headers=auth, timeout=60)
    assert revoked.status_code == 200
    assert requests.get(made.json()["share_url"], timeout=60).status_code == 404


def test_a_renderer_failure_is_refunded_once(local_stack):
    """The pose's skeleton is gone when the worker reads the request: the render fails
    (request_unusable), the error notification refunds, and a second one refunds nothing."""
    auth, user_id = local_stack.new_member("failing")
    pose = _pose(local_stack)
    s3, bucket = local_stack.aws("s3"), local_stack.resources()["MediaBucket"]
    skeleton_key = f"poses/{pose['pose_id']}.png"
    skeleton = s3.get_object(Bucket=bucket, Key=skeleton_key)["Body"].read()
    s3.delete_object(Bucket=bucket, Key=skeleton_key)
    try:
        generation_id = _start(local_stack, auth, pose["pose_id"],
                               photos.jpeg(photos.photo("grace_hopper")), quality="hd")
        generation = _settled(local_stack, auth, generation_id)
    finally:
        s3.put_object(Bucket=bucket, Key=skeleton_key, Body=skeleton, ContentType="image/png")
    assert (generation["status"], generation["error"]["reason"]) == ("failed", "request_unusable")
    assert generation["render_submitted_at"] and generation["refunded"]
    assert _balance(local_stack, auth) == 100

    _notify(local_stack, _result(local_stack, user_id, generation_id, "Failed"))
    assert _balance(local_stack, auth) == 100  # not 107: refunded exactly once
    stats = requests.get(local_stack.url("/generations/stats"), headers=auth, timeout=60).json()
    assert (stats["failed"], stats["credits_used"]) == (1, 0)


def test_a_photo_without_a_face_is_refunded_and_never_rendered(local_stack):
    tap = BusTap(local_stack)
    auth, _ = local_stack.new_member("noface")
    pose = _pose(local_stack)
    generation_id = _start(local_stack, auth, pose["pose_id"], photos.jpeg(photos.photo("coffee")))
    generation = _settled(local_stack, auth, generation_id)
    assert (generation["status"], generation["error"]["reason"]) == ("failed", "no_face")
    assert generation["refunded"] and _balance(local_stack, auth) == 100
    failed = tap.wait_for("generation.failed", local_stack, generation_id=generation_id)["detail"]
    assert (failed["status"], failed["reason"], failed["refunded"]) == ("failed", "no_face", 5)
    assert failed["generation"] == _without_urls(generation)
    assert generation["render_submitted_at"] is None  # no renderer time was spent on it


def test_a_render_that_never_reports_back_is_refunded_by_the_deadline_sweep(local_stack):
    with local_stack.parameters(RenderWorkerPaused="true", RenderDeadlineSeconds="10") as stack:
        auth, _ = stack.new_member("lost")
        pose = _pose(stack)
        generation_id = _start(stack, auth, pose["pose_id"], photos.jpeg(photos.photo("astronaut")))
        submitted = _wait(lambda: (g := _generation(stack, auth, generation_id))[
            "render_deadline"] and g, "the render submitted", stack)
        assert submitted["status"] == "processing" and _balance(stack, auth) == 95

        # The sweep's schedule fires (every 5 minutes in AWS; here, until the deadline has
        # passed and the generation is settled).
        def swept() -> dict | None:
            fired = stack.portrait("schedule", "fire", "SweepRendersFunction", "EveryFiveMinutes")
            assert fired.returncode == 0, fired.stderr
            generation = _generation(stack, auth, generation_id)
            return generation if generation["status"] != "processing" else None
        generation = _wait(swept, "the lost render refunded", stack)
        assert (generation["status"], generation["error"]["reason"]) == ("failed", "render_lost")
        assert generation["refunded"] and _balance(stack, auth) == 100
        # The lost request still waits in its queue: gone before the worker resumes, so
        # the tests that share this stack do not watch it render.
        sqs = stack.aws("sqs")
        for queue in ("RenderRequestsQueue", "RenderPriorityRequestsQueue"):
            name = stack.resources()[queue].rsplit("/", 1)[-1]
            sqs.purge_queue(QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"])


def test_a_batch_of_three_poses_from_one_photo_and_one_the_balance_cannot_cover(local_stack):
    auth, _ = local_stack.new_member("batch")
    pose_ids = [p["pose_id"] for p in requests.get(
        local_stack.url("/poses?tag=front-view&limit=3"), timeout=60).json()["items"]]
    assert len(pose_ids) == 3
    started = requests.post(local_stack.url("/generations/batch"), headers=auth, timeout=60,
                            json={"pose_ids": pose_ids, "content_type": "image/jpeg",
                                  "style": "anime"})
    assert started.status_code == 201, started.text
    body = started.json()
    assert [g["pose_id"] for g in body["generations"]] == pose_ids
    assert _balance(local_stack, auth) == 85  # 3 x 5, charged together
    form = body["upload"]
    posted = requests.post(form["url"], data=form["fields"], timeout=60, files={
        "file": ("me.jpg", photos.jpeg(photos.photo("grace_hopper")), "image/jpeg")})
    assert posted.status_code in (200, 201, 204), posted.text
    done = [_settled(local_stack, auth, g["generation_id"]) for g in body["generations"]]
    assert [(g["status"], g["style"], g["batch_id"]) for g in done] == \
        [("completed", "anime", body["batch_id"])] * 3
    assert len({g["output_url"].split("?")[0] for g in done}) == 3
    history = requests.get(local_stack.url("/generations?limit=3"), headers=auth, timeout=60).json()
    assert {g["batch_id"] for g in history["items"]} == {body["batch_id"]}  # listed together



def test_a_batch_the_balance_covers_only_twice_charges_and_creates_nothing(local_stack):
    auth, _ = local_stack.new_member("short")
    pose_ids = [p["pose_id"] for p in requests.get(
        local_stack.url("/poses?limit=9"), timeout=60).json()["items"]]
    spent = requests.post(local_stack.url("/generations/batch"), headers=auth, timeout=60, json={
        "pose_ids": pose_ids, "quality": "hd", "priority": True, "content_type": "image/jpeg"})
    assert spent.status_code == 201, spent.text
    assert _balance(local_stack, auth) == 10  # 100 - 9 x 10: two sd portraits' worth

    history = requests.get(local_stack.url("/generations?limit=1"), headers=auth, timeout=60)
    short = requests.post(local_stack.url("/generations/batch"), headers=auth, timeout=60,
                          json={"pose_ids": pose_ids[:3], "content_type": "image/jpeg"})
    assert short.status_code == 402, short.text
    assert (short.json()["error"]["balance"], short.json()["error"]["cost"]) == (10, 15)
    assert _balance(local_stack, auth) == 10  # nothing charged
    after = requests.get(local_stack.url("/generations?limit=1"), headers=auth, timeout=60)
    assert after.json()["total"] == history.json()["total"] == 9  # none created
