"""The generation pipeline on real S3 → SQS events: the photo checked and the render
submitted (GenerateFunction), rendered (RenderFunction, the local face renderer), settled
from the inference result (RenderCompleteFunction); failures refunded once, lost renders
refunded by the deadline sweep, stats, lanes."""
from __future__ import annotations

import copy
import io
import json

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from PIL import Image

from portrait import clock
from portrait.errors import RenderFailed
from portrait.imaging.faces import find_faces
from portrait.rendering.face import FaceRenderer
from portrait.rendering.likeness import LikenessPolicy
from portrait.store.generations import COMPLETED, FAILED, PROCESSING
from tests.unit.faces import photos
from tests.unit.faces.photos import face_jpeg_gps_orientation6, face_png_alpha


def _png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


POLICY = LikenessPolicy(threshold=0.93, attempts=3, require_face=False)


class _Renderer:
    """The face renderer, counted; or one that raises `error`."""

    name = "counted"

    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.calls = error, 0

    def render(self, request):
        self.calls += 1
        if self.error:
            raise self.error
        return FaceRenderer(POLICY).render(request)


def _use(monkeypatch, renderer: _Renderer) -> _Renderer:
    from portrait.services.generations import render_worker
    monkeypatch.setattr(render_worker, "get_renderer", lambda settings: renderer)
    return renderer


def test_an_sd_generation_completes_with_the_users_face_in_a_512_png(stack, published):
    user_id = stack.new_user(100)
    started = stack.start(user_id)
    assert started.generation.status == "pending" and started.generation.credits_charged == 5
    assert started.generation.style == "realistic"
    assert stack.balance(user_id) == 95

    stack.submit(started, face_jpeg_gps_orientation6())
    submitted = stack.generation(started)
    assert submitted.status == PROCESSING and submitted.render_id == submitted.generation_id
    assert submitted.render_deadline >= clock.now() + 900 - 5
    request_key = f"renders/requests/{user_id}/{submitted.generation_id}.json"
    job = json.loads(stack.get(request_key))
    assert job["photo"] == f"s3://{stack.bucket}/{submitted.source_key}"
    assert job["style"]["name"] == "realistic" and "{pose}" not in job["style"]["prompt"]
    assert job["face"]["right"] > job["face"]["left"] and job["quality"] == "sd"
    assert stack.keys("tmp/") == []  # the upload is kept as the stripped input only

    assert stack.render(stack.receive("RenderRequestsQueue")) == {"batchItemFailures": []}
    [result] = stack.receive("RenderNotificationsQueue")
    notification = json.loads(result["body"])
    assert notification["invocationStatus"] == "Completed"
    assert notification["eventSource"] == "aws:sagemaker" and notification["eventName"] == "InferenceResult"
    assert notification["inferenceId"] == submitted.generation_id
    assert notification["requestParameters"]["inputLocation"] == f"s3://{stack.bucket}/{request_key}"
    assert notification["responseParameters"]["outputLocation"].endswith(
        f"renders/output/{submitted.generation_id}.out")
    assert stack.complete([result]) == {"batchItemFailures": []}

    generation = stack.generation(started)
    assert generation.status == COMPLETED and generation.processing_ms > 0
    portrait = _png(stack.get(generation.output_key))
    assert (portrait.format, portrait.size) == ("PNG", (512, 512))
    # The face is in it (a full-body head is ~50 px at 512: looked for at 1024, where the
    # detector's 80 px window fits it).
    assert len(find_faces(portrait.convert("RGB").resize((1024, 1024)), side=1024)) == 1
    assert generation.output["renderer"] == "face" and generation.output["style"] == "realistic"
    # Its likeness figure (the same person: well over the threshold), on the record and the view.
    likeness = generation.output["likeness"]
    assert likeness["score"] >= 0.93 and likeness["attempts"] == 1
    from portrait.services.generations.requests import generation_view
    view = generation_view(generation)
    assert view.likeness == {"score": likeness["score"], "threshold": 0.93, "attempts": 1,
                             "method": "dlib-resnet-v1-cosine"} and view.renderer == "face"
    kept = Image.open(io.BytesIO(stack.get(generation.source_key)))
    assert generation.source_key.endswith("/input.jpg") and kept.format == "JPEG"
    assert not kept.getexif() and "exif" not in kept.info and "icc_profile" not in kept.info
    assert kept.size[1] > kept.size[0]  # EXIF orientation 6 applied: upright, then dropped
    assert stack.keys("tmp/") == [] and stack.keys("renders/") == []
    assert [kind for kind, _ in published()] == ["generation.completed"]
    assert stack.balance(user_id) == 95  # a success keeps the charge

    from portrait.services.generations.requests import delete_generation
    delete_generation(user_id, generation.generation_id)
    assert stack.keys("generations/") == [] and stack.generation(started) is None
    assert stack.counters(user_id).completed == 1  # stats outlive the record


def test_priority_goes_down_the_priority_lane_and_hd_is_1024(stack):
    user_id = stack.new_user(100)
    started = stack.start(user_id, quality="hd", priority=True, style="anime")
    assert started.generation.credits_charged == 10
    stack.upload(started, face_png_alpha())
    assert stack.route(stack.receive("GenerationUploadsQueue")) == {"batchItemFailures": []}
    stack.receive("StandardGenerationsQueue", expected=0)
    records = stack.receive("PriorityGenerationsQueue")
    assert stack.generate(records, priority=True) == {"batchItemFailures": []}
    stack.receive("RenderRequestsQueue", expected=0)  # its own render lane, too
    assert stack.render(stack.receive("RenderPriorityRequestsQueue")) == {"batchItemFailures": []}
    assert stack.complete(stack.receive("RenderNotificationsQueue")) == {"batchItemFailures": []}
    generation = stack.generation(started)
    assert generation.status == COMPLETED and generation.output["style"] == "anime"
    assert _png(stack.get(generation.output_key)).size == (1024, 1024)
    assert generation.source_key.endswith("/input.png")  # a PNG stays lossless


def test_a_renderer_failure_is_refunded_once_even_when_reported_twice(stack, monkeypatch, published):
    renderer = _use(monkeypatch, _Renderer(RenderFailed("content_filtered", "the model refused")))
    user_id = stack.new_user(100)
    started = stack.start(user_id, quality="hd")  # 7
    stack.submit(started, face_jpeg_gps_orientation6())
    assert stack.render(stack.receive("RenderRequestsQueue")) == {"batchItemFailures": []}
    [result] = stack.receive("RenderNotificationsQueue")
    assert json.loads(result["body"])["invocationStatus"] == "Failed"
    # The same result twice in one batch, and once more on its own.
    assert stack.complete([result, copy.deepcopy(result)]) == {"batchItemFailures": []}
    assert stack.complete([copy.deepcopy(result)]) == {"batchItemFailures": []}

    generation = stack.generation(started)
    assert generation.status == FAILED and generation.error_reason == "content_filtered"
    assert generation.error_message == "the model refused"
    assert generation.refunded_at is not None
    assert stack.balance(user_id) == 100
    assert stack.ledger(user_id) == [("charge", -7), ("grant", 100), ("refund", 7)]
    assert renderer.calls == 1
    assert [kind for kind, _ in published()] == ["generation.failed"]
    assert stack.keys("renders/") == []


def test_a_portrait_of_someone_else_fails_the_likeness_check_and_is_refunded(
        stack, monkeypatch, published):
    """The renderer draws Grace Hopper's face for the astronaut's photo: each of the
    LIKENESS_ATTEMPTS renders scores under the threshold, so the render fails and refunds."""
    from portrait.imaging import face_portrait

    other = photos.photo("grace_hopper")
    [other_face] = find_faces(other, side=1024)
    drawn = []

    def someone_else(photo, face, keypoints, side, style, seed):
        drawn.append(seed)
        return real(other, other_face, keypoints, side, style, seed)

    real = face_portrait.face_portrait_png
    monkeypatch.setattr(face_portrait, "face_portrait_png", someone_else)
    user_id = stack.new_user(100)
    started = stack.start(user_id, quality="hd")  # 7
    [result] = stack.run(started, photos.jpeg(photos.photo("astronaut")))
    assert json.loads(result["body"])["failureReason"] == "ServerError: likeness_too_low"

    generation = stack.generation(started)
    assert generation.status == FAILED and generation.error_reason == "likeness_too_low"
    assert "after 3 tries" in generation.error_message and "0.93 needed" in generation.error_message
    assert len(drawn) == 3 and len(set(drawn)) == 3  # another seed each time
    assert generation.refunded_at is not None and stack.balance(user_id) == 100
    assert [kind for kind, _ in published()] == ["generation.failed"]
    assert stack.keys("renders/") == []


def test_an_error_notification_without_its_failure_location_still_gives_the_reason(
        stack, monkeypatch):
    """SageMaker's error notification may not name the failure document: the location
    the endpoint gave at the submit (kept on the generation) is read instead."""
    _use(monkeypatch, _Renderer(RenderFailed("content_filtered", "the model refused")))
    user_id = stack.new_user(100)
    started = stack.start(user_id)
    stack.submit(started, face_jpeg_gps_orientation6())
    submitted = stack.generation(started)
    assert submitted.render_failure_location == (
        f"s3://{stack.bucket}/renders/failures/{submitted.generation_id}-error.out")
    assert stack.render(stack.receive("RenderRequestsQueue")) == {"batchItemFailures": []}
    [result] = stack.receive("RenderNotificationsQueue")
    body = json.loads(result["body"])
    del body["responseParameters"]["failureLocation"]
    result["body"] = json.dumps(body)
    assert stack.complete([result]) == {"batchItemFailures": []}
    generation = stack.generation(started)
    assert (generation.error_reason, generation.error_message) == (
        "content_filtered", "the model refused")
    assert stack.keys("renders/") == []  # the document it read is cleared too


def test_a_bare_png_output_from_an_older_worker_still_completes(stack):
    """A render in flight across the deploy that brought RenderOutput documents."""
    user_id = stack.new_user(100)
    started = stack.start(user_id)
    stack.submit(started, face_jpeg_gps_orientation6())
    assert stack.render(stack.receive("RenderRequestsQueue")) == {"batchItemFailures": []}
    [result] = stack.receive("RenderNotificationsQueue")
    from portrait.rendering.results import RenderOutput
    key = f"renders/output/{stack.generation(started).generation_id}.out"
    png = RenderOutput.model_validate_json(stack.get(key)).image_png
    stack.put(key, png)
    assert stack.complete([result]) == {"batchItemFailures": []}
    generation = stack.generation(started)
    assert generation.status == COMPLETED and generation.output["seed"] is None
    assert "likeness" not in generation.output and stack.get(generation.output_key) == png


def test_a_duplicate_success_changes_nothing_the_second_time(stack, published):
    user_id = stack.new_user(100)
    started = stack.start(user_id)
    [result] = stack.run(started, face_jpeg_gps_orientation6())
    first = stack.generation(started)
    output = stack.get(first.output_key)
    assert stack.complete([copy.deepcopy(result)]) == {"batchItemFailures": []}
    again = stack.generation(started)
    assert (again.status, again.completed_at, again.processing_ms) == (
        COMPLETED, first.completed_at, first.processing_ms)
    assert stack.get(again.output_key) == output
    assert stack.counters(user_id).completed == 1 and stack.balance(user_id) == 95
    assert [kind for kind, _ in published()] == ["generation.completed"]


def test_an_inference_result_inside_an_sns_envelope_settles_the_same(stack):
    """In AWS the endpoint notifies SNS, which wraps the result unless raw delivery is on."""
    user_id = stack.new_user(100)
    started = stack.start(user_id)
    stack.submit(started, face_jpeg_gps_orientation6())
    stack.render(stack.receive("RenderRequestsQueue"))
    [result] = stack.receive("RenderNotificationsQueue")
    result["body"] = json.dumps({"Type": "Notification", "MessageId": "m-1",
                                 "TopicArn": "arn:aws:sns:us-east-1:123456789012:portrait-renders",
                                 "Message": result["body"], "Timestamp": "2026-12-06T10:00:00.000Z"})
    assert stack.complete([result]) == {"batchItemFailures": []}
    assert stack.generation(started).status == COMPLETED


def test_a_render_that_never_reports_back_is_refunded_by_the_deadline_sweep(stack, monkeypatch,
                                                                            published):
    user_id = stack.new_user(100)
    started = stack.start(user_id)
    stack.submit(started, face_jpeg_gps_orientation6())
    invocation = stack.receive("RenderRequestsQueue")  # the worker is gone: never rendered
    assert stack.sweep_renders()["found"] == 0  # before the deadline, nothing is lost
    assert stack.generation(started).status == PROCESSING

    later = clock.now() + 901
    monkeypatch.setattr(clock, "now", lambda: later)
    assert stack.sweep_renders() == {"found": 1, "refunded": 1, "dry_run": False}
    generation = stack.generation(started)
    assert (generation.status, generation.error_reason) == (FAILED, "render_lost")
    assert stack.balance(user_id) == 100 and stack.keys("renders/") == []
    assert stack.sweep_renders()["found"] == 0  # out of the index once settled

    # The render turns up after all: its late result changes nothing, and keeps nothing.
    assert stack.render(invocation) == {"batchItemFailures": []}
    assert stack.complete(stack.receive("RenderNotificationsQueue")) == {"batchItemFailures": []}
    generation = stack.generation(started)
    assert (generation.status, generation.output_key) == (FAILED, None)
    assert stack.balance(user_id) == 100 and stack.keys("renders/") == []
    assert not [k for k in stack.keys("generations/") if k.endswith("output.png")]
    assert [kind for kind, _ in published()] == ["generation.failed"]


def test_an_invalid_photo_fails_and_is_refunded(stack):
    user_id = stack.new_user(100)
    started = stack.start(user_id)
    stack.run(started, b"<html>not a photo</html>")
    generation = stack.generation(started)
    assert (generation.status, generation.error_reason) == (FAILED, "unsupported_type")
    assert stack.balance(user_id) == 100
    assert stack.counters(user_id).failed == 1


@pytest.mark.parametrize("photo, reason", [
    (lambda: photos.jpeg(photos.photo("coffee")), "no_face"),
    (lambda: photos.jpeg(photos.photo("chelsea")), "no_face"),
    (lambda: photos.jpeg(photos.two_faces()), "several_faces"),
], ids=["a coffee cup", "a cat", "two people"])
def test_a_photo_without_exactly_one_face_is_refunded_before_any_render(
        stack, monkeypatch, published, photo, reason):
    renderer = _use(monkeypatch, _Renderer())
    user_id = stack.new_user(100)
    started = stack.start(user_id, quality="hd")  # 7
    stack.run(started, photo())
    stack.receive("RenderRequestsQueue", expected=0)  # nothing was submitted
    generation = stack.generation(started)
    assert (generation.status, generation.error_reason) == (FAILED, reason)
    assert generation.refunded_at is not None and stack.balance(user_id) == 100
    assert stack.ledger(user_id) == [("charge", -7), ("grant", 100), ("refund", 7)]
    assert renderer.calls == 0  # no renderer time was spent on it
    assert [kind for kind, detail in published()] == ["generation.failed"]
    assert published()[0][1]["reason"] == reason
    assert stack.keys("tmp/") == [] and stack.keys("generations/") == [] \
        and stack.keys("renders/") == []


def test_a_run_that_dies_after_the_claim_is_refunded_by_the_deadline_sweep(stack, monkeypatch):
    """The claim sets the deadline: a run that dies before its render is submitted, and is
    never delivered again, does not leave the generation processing for good."""
    from portrait.services.generations import processing

    user_id = stack.new_user(100)
    started = stack.start(user_id)
    stack.upload(started, face_jpeg_gps_orientation6())
    stack.route(stack.receive("GenerationUploadsQueue"))
    records = stack.receive("StandardGenerationsQueue")
    with monkeypatch.context() as patch:
        patch.setattr(processing, "_submit", lambda *a, **k: (_ for _ in ()).throw(
            MemoryError("the function ran out of memory")))
        with pytest.raises(BatchProcessingError):
            stack.generate(records)
    claimed = stack.generation(started)
    assert (claimed.status, claimed.render_id) == (PROCESSING, None) and claimed.render_deadline

    later = claimed.render_deadline + 1
    monkeypatch.setattr(clock, "now", lambda: later)
    assert stack.sweep_renders() == {"found": 1, "refunded": 1, "dry_run": False}
    generation = stack.generation(started)
    assert (generation.status, generation.error_reason) == (FAILED, "render_lost")
    assert stack.balance(user_id) == 100


def test_retryable_errors_come_back_then_fail_refunded_on_the_last_attempt(stack, monkeypatch):
    renderer = _use(monkeypatch, _Renderer(ConnectionError("bedrock throttled")))
    user_id = stack.new_user(100)
    started = stack.start(user_id)
    stack.submit(started, face_jpeg_gps_orientation6())
    records = stack.receive("RenderRequestsQueue")
    try:  # every record of the batch failed: Powertools raises, the batch comes back
        stack.render(records)
        raise AssertionError("expected the batch to fail")
    except BatchProcessingError:
        pass
    stack.receive("RenderNotificationsQueue", expected=0)
    assert stack.generation(started).status == PROCESSING and stack.balance(user_id) == 95

    last = copy.deepcopy(records)
    last[0]["attributes"]["ApproximateReceiveCount"] = "3"  # GENERATION_RENDER_ATTEMPTS
    assert stack.render(last) == {"batchItemFailures": []}
    assert stack.complete(stack.receive("RenderNotificationsQueue")) == {"batchItemFailures": []}
    generation = stack.generation(started)
    assert (generation.status, generation.error_reason) == (FAILED, "renderer_unavailable")
    assert stack.balance(user_id) == 100 and renderer.calls == 2


def test_stats_counters_add_up(stack, monkeypatch):
    user_id = stack.new_user(100)
    stack.run(stack.start(user_id), face_jpeg_gps_orientation6())  # 5
    stack.run(stack.start(user_id, quality="hd", priority=True), face_png_alpha(), priority=True)  # 10
    failing = stack.start(user_id, quality="hd")  # 7, refunded
    stack.run(failing, b"GIF89a broken")
    stack.start(user_id)  # 5, still pending

    counters = stack.counters(user_id)
    assert (counters.total, counters.completed, counters.failed) == (4, 2, 1)
    assert counters.credits_used == 5 + 10 + 5
    assert stack.balance(user_id) == 100 - counters.credits_used
    from portrait.services.generations.requests import generation_stats

    stats = generation_stats(user_id)
    assert (stats.total, stats.completed, stats.failed, stats.credits_used) == (4, 2, 1, 20)
    assert stats.average_processing_seconds > 0


def test_the_router_sends_standard_generations_and_unknown_keys_down_the_standard_lane(stack):
    user_id = stack.new_user(100)
    started = stack.start(user_id, priority=False)
    stack.upload(started, face_jpeg_gps_orientation6())
    stack.put(f"tmp/generations/{user_id}/01J00000000000000000000000/source", b"x")  # no record
    stack.route(stack.receive("GenerationUploadsQueue", expected=2))
    records = stack.receive("StandardGenerationsQueue", expected=2)
    stack.receive("PriorityGenerationsQueue", expected=0)
    assert stack.generate(records) == {"batchItemFailures": []}
    assert stack.generation(started).render_id is not None
    assert stack.keys("tmp/") == []  # the unknown upload was dropped and deleted


def test_the_sample_events_run_end_to_end(stack):
    """events/generation-router-s3-upload.json and events/generate-s3-upload.json (what
    `portrait invoke` feeds the functions) name a generation that does not exist here:
    the router sends it down the standard lane, and the generate function drops it."""
    import json

    from tests.conftest import ROOT

    routed = json.loads((ROOT / "events/generation-router-s3-upload.json").read_text())
    routed["Records"][0]["body"] = routed["Records"][0]["body"].replace(
        "portrait-dev-media-123456789012-us-east-1", stack.bucket)
    assert stack.route(routed["Records"]) == {"batchItemFailures": []}
    assert len(stack.receive("StandardGenerationsQueue")) == 1
    sample = json.loads((ROOT / "events/generate-s3-upload.json").read_text())
    assert stack.generate(sample["Records"]) == {"batchItemFailures": []}


def _more_poses(stack, count: int) -> list[str]:
    from portrait.poses.catalogue import generate_catalogue
    from portrait.store import poses
    from portrait.store.poses import Pose

    from tests.integration.generations.conftest import skeleton_png
    chosen = [p for p in generate_catalogue() if p.pose_id.startswith("waving-")][:count]
    for pose in chosen:
        poses.create_pose(Pose(pose_id=pose.pose_id, name=pose.name, category=pose.category,
                               tags=pose.tags, keypoints=pose.keypoints,
                               skeleton_key=f"poses/{pose.pose_id}.png", source="catalogue",
                               created_at="2026-01-01T00:00:00Z"))
        stack.put(f"poses/{pose.pose_id}.png", skeleton_png(), "image/png")
    return [p.pose_id for p in chosen]


def _start_batch(user_id: str, pose_ids: list[str], **options):
    from portrait.services.generations.requests import BatchRequest, start_batch

    return start_batch(user_id, BatchRequest(pose_ids=pose_ids, content_type="image/jpeg",
                                             **options))


def test_a_batch_renders_every_pose_from_one_photo_charged_together(stack, published):
    from tests.integration.generations.conftest import POSE_ID

    pose_ids = [POSE_ID, *_more_poses(stack, 2)]
    user_id = stack.new_user(100)
    batch = _start_batch(user_id, pose_ids, style="illustration")
    assert [g.pose_id for g in batch.generations] == pose_ids
    assert {g.batch_id for g in batch.generations} == {batch.batch_id}
    assert batch.upload.fields["key"].endswith(f"/{batch.batch_id}/source")
    assert stack.balance(user_id) == 85 and len(stack.ledger(user_id)) == 4

    stack.put(batch.upload.fields["key"], face_jpeg_gps_orientation6())
    stack.route(stack.receive("GenerationUploadsQueue"))
    assert stack.generate(stack.receive("StandardGenerationsQueue")) == {"batchItemFailures": []}
    assert stack.render(stack.receive("RenderRequestsQueue", expected=3)) == {"batchItemFailures": []}
    assert stack.complete(stack.receive("RenderNotificationsQueue", expected=3)) == \
        {"batchItemFailures": []}
    from portrait.store import generations
    done = [generations.get_generation(user_id, g.generation_id) for g in batch.generations]
    assert [g.status for g in done] == [COMPLETED] * 3
    assert len({g.output_key for g in done}) == 3 and len({g.source_key for g in done}) == 3
    assert stack.keys("tmp/") == [] and stack.keys("renders/") == []
    assert stack.balance(user_id) == 85 and stack.counters(user_id).completed == 3
    assert [kind for kind, _ in published()] == ["generation.completed"] * 3


def test_a_batch_the_balance_cannot_cover_charges_and_creates_nothing(stack):
    from portrait.errors import InsufficientCredits
    from tests.integration.generations.conftest import POSE_ID

    pose_ids = [POSE_ID, *_more_poses(stack, 2)]
    user_id = stack.new_user(14)  # two sd portraits, not three
    with pytest.raises(InsufficientCredits):
        _start_batch(user_id, pose_ids)
    assert stack.balance(user_id) == 14 and stack.ledger(user_id) == [("grant", 14)]
    assert stack.counters(user_id).total == 0


def test_a_batch_photo_without_a_face_refunds_every_pose(stack):
    from tests.integration.generations.conftest import POSE_ID

    user_id = stack.new_user(100)
    batch = _start_batch(user_id, [POSE_ID, *_more_poses(stack, 1)])
    stack.put(batch.upload.fields["key"], photos.jpeg(photos.photo("coffee")))
    stack.route(stack.receive("GenerationUploadsQueue"))
    assert stack.generate(stack.receive("StandardGenerationsQueue")) == {"batchItemFailures": []}
    stack.receive("RenderRequestsQueue", expected=0)
    from portrait.store import generations
    assert [(g.status, g.error_reason) for g in (generations.get_generation(
        user_id, v.generation_id) for v in batch.generations)] == [(FAILED, "no_face")] * 2
    assert stack.balance(user_id) == 100 and stack.keys("tmp/") == []


def test_a_batch_photo_never_processed_expires_every_pose_and_a_members_delete_keeps_it(stack):
    import time

    from portrait.services.generations.requests import delete_generation
    from portrait.services.hygiene.temp_sweep import sweep_temp_uploads
    from portrait.store import generations
    from portrait.store.generations import EXPIRED
    from tests.integration.generations.conftest import POSE_ID

    user_id = stack.new_user(100)
    batch = _start_batch(user_id, [POSE_ID, *_more_poses(stack, 2)])
    stack.put(batch.upload.fields["key"], face_jpeg_gps_orientation6())
    stack.receive("GenerationUploadsQueue")  # and its event lost: nothing processes it
    report = sweep_temp_uploads(now=time.time() + 3 * 3600)
    members = [generations.get_generation(user_id, g.generation_id) for g in batch.generations]
    assert [(g.status, g.error_reason) for g in members] == [(EXPIRED, "input_not_processed")] * 3
    assert report.records_expired == 3 and stack.balance(user_id) == 100

    # Deleting one settled member leaves the others' (shared) upload key to its owners.
    second = _start_batch(user_id, [POSE_ID, members[1].pose_id])
    stack.put(second.upload.fields["key"], face_jpeg_gps_orientation6())
    from portrait.services.generations.outcomes import fail_generation
    lead, other = (generations.get_generation(user_id, g.generation_id) for g in second.generations)
    assert fail_generation(other, reason="test", message="settled for the test")
    delete_generation(user_id, other.generation_id)
    assert stack.keys("tmp/") == [second.upload.fields["key"]]
    assert generations.get_generation(user_id, lead.generation_id).status == "pending"
