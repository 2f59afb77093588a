"""GenerateFunction and the router on real S3 → SQS events: completed, failed and
refunded once, stats, lanes."""
from __future__ import annotations

import copy
import io
import time

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from PIL import Image

from portrait import rendering
from portrait.errors import RenderFailed
from portrait.rendering.preview import PreviewRenderer
from portrait.store.generations import COMPLETED, FAILED
from tests.unit.faces import photos
from tests.unit.faces.photos import face_jpeg_gps_orientation6, face_png_alpha


def _png_size(data: bytes) -> tuple[str, tuple[int, int]]:
    image = Image.open(io.BytesIO(data))
    return image.format, image.size


class _Renderer:
    """A stand-in renderer: raises `error`, or sleeps, or draws what the preview draws."""

    name = "stub"

    def __init__(self, error: Exception | None = None, sleep: float = 0.0) -> None:
        self.error, self.sleep, self.calls = error, sleep, 0

    def render(self, request):
        self.calls += 1
        if self.sleep:
            time.sleep(self.sleep)
        if self.error:
            raise self.error
        return PreviewRenderer().render(request)


def _use(monkeypatch, renderer: _Renderer) -> _Renderer:
    monkeypatch.setattr(rendering, "get_renderer", lambda settings: renderer)
    from portrait.services.generations import processing as generation_processing
    monkeypatch.setattr(generation_processing, "get_renderer", lambda settings: renderer)
    return renderer


def test_an_sd_generation_completes_with_a_512_png_and_the_input_kept_stripped(stack, published):
    user_id = stack.new_user(100)
    started = stack.start(user_id)
    assert started.generation.status == "pending" and started.generation.credits_charged == 5
    assert stack.balance(user_id) == 95

    stack.run(started, face_jpeg_gps_orientation6())

    generation = stack.generation(started)
    assert generation.status == COMPLETED and generation.processing_ms > 0
    assert _png_size(stack.get(generation.output_key)) == ("PNG", (512, 512))
    assert generation.output_key.endswith(f"/{generation.generation_id}/output.png")
    kept = Image.open(io.BytesIO(stack.get(generation.source_key)))
    assert generation.source_key.endswith("/input.jpg") and kept.format == "JPEG"
    assert not kept.getexif() and "exif" not in kept.info and "icc_profile" not in kept.info
    assert kept.size[1] > kept.size[0]  # EXIF orientation 6 applied: upright, then dropped
    assert stack.keys("tmp/") == []
    assert [kind for kind, _ in published] == ["generation.completed"]
    assert stack.balance(user_id) == 95  # a success keeps the charge

    from portrait.services.generations.requests import delete_generation
    delete_generation(user_id, generation.generation_id)
    assert stack.keys("generations/") == [] and stack.generation(started) is None
    assert stack.counters(user_id).completed == 1  # stats outlive the record


def test_priority_goes_down_the_priority_lane_and_hd_is_1024(stack):
    user_id = stack.new_user(100)
    started = stack.start(user_id, quality="hd", priority=True)
    assert started.generation.credits_charged == 10
    stack.upload(started, face_png_alpha())
    assert stack.route(stack.receive("GenerationUploadsQueue")) == {"batchItemFailures": []}
    stack.receive("StandardGenerationsQueue", expected=0)
    records = stack.receive("PriorityGenerationsQueue")
    assert stack.generate(records, priority=True) == {"batchItemFailures": []}
    generation = stack.generation(started)
    assert generation.status == COMPLETED
    assert _png_size(stack.get(generation.output_key)) == ("PNG", (1024, 1024))
    assert generation.source_key.endswith("/input.png")  # a PNG stays lossless


def test_a_renderer_failure_is_refunded_once_even_when_delivered_twice(stack, monkeypatch, published):
    renderer = _use(monkeypatch, _Renderer(RenderFailed("content_filtered", "the model refused")))
    user_id = stack.new_user(100)
    started = stack.start(user_id, quality="hd")  # 7
    records = stack.run(started, face_jpeg_gps_orientation6())
    # The same event again, twice in one batch and once more on its own.
    assert stack.generate(records + copy.deepcopy(records)) == {"batchItemFailures": []}
    assert stack.generate(copy.deepcopy(records)) == {"batchItemFailures": []}

    generation = stack.generation(started)
    assert generation.status == FAILED and generation.error_reason == "content_filtered"
    assert generation.refunded_at is not None
    assert stack.balance(user_id) == 100
    assert stack.ledger(user_id) == [("charge", -7), ("grant", 100), ("refund", 7)]
    assert renderer.calls == 1
    assert [kind for kind, _ in published] == ["generation.failed"]
    assert stack.keys("tmp/") == [] and stack.keys("generations/") == []


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
    generation = stack.generation(started)
    assert (generation.status, generation.error_reason) == (FAILED, reason)
    assert generation.refunded_at is not None and stack.balance(user_id) == 100
    assert stack.ledger(user_id) == [("charge", -7), ("grant", 100), ("refund", 7)]
    assert renderer.calls == 0  # no renderer time was spent on it
    assert [kind for kind, detail in published] == ["generation.failed"]
    assert published[0][1]["reason"] == reason
    assert stack.keys("tmp/") == [] and stack.keys("generations/") == []


def test_a_render_that_would_outlive_the_invocation_fails_and_is_refunded(stack, monkeypatch):
    from tests.integration.api.http_events import LambdaContext

    class ShortOnTime(LambdaContext):
        def get_remaining_time_in_millis(self) -> int:
            return 5_300  # 300 ms of budget once the finishing reserve is kept back

    _use(monkeypatch, _Renderer(sleep=1.0))
    user_id = stack.new_user(100)
    started = stack.start(user_id)
    stack.upload(started, face_jpeg_gps_orientation6())
    stack.route(stack.receive("GenerationUploadsQueue"))
    records = stack.receive("StandardGenerationsQueue")
    assert stack.generate(records, context=ShortOnTime()) == {"batchItemFailures": []}
    generation = stack.generation(started)
    assert (generation.status, generation.error_reason) == (FAILED, "timeout")
    assert stack.balance(user_id) == 100


def test_retryable_errors_come_back_then_fail_refunded_on_the_last_attempt(stack, monkeypatch):
    renderer = _use(monkeypatch, _Renderer(ConnectionError("bedrock throttled")))
    user_id = stack.new_user(100)
    started = stack.start(user_id)
    stack.upload(started, face_jpeg_gps_orientation6())
    stack.route(stack.receive("GenerationUploadsQueue"))
    records = stack.receive("StandardGenerationsQueue")
    try:  # every record of the batch failed: Powertools raises, the batch comes back
        stack.generate(records)
        raise AssertionError("expected the batch to fail")
    except BatchProcessingError:
        pass
    assert stack.generation(started).status == "processing" and stack.balance(user_id) == 95

    last = copy.deepcopy(records)
    last[0]["attributes"]["ApproximateReceiveCount"] = "3"  # GENERATION_RENDER_ATTEMPTS
    assert stack.generate(last) == {"batchItemFailures": []}
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
    assert stack.generation(started).status == COMPLETED
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
