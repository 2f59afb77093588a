"""ThumbnailFunction against ResizeFunction on the same 12 MP JPEG, end to end in-process
(SQS event -> idempotency -> GET -> images -> PUTs -> record -> tmp delete), on moto.

Not a test: prints each handler's median wall and CPU time over interleaved runs and
the ratio thumbnail / resize. ResizeFunction makes five square WebP variants (1024 px
and down); ThumbnailFunction one WebP of the whole picture (longer side 2048) and a
300 px JPEG. Run `python bench/bench_thumbnail_vs_resize.py [--runs 7]`.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers/common/python"), str(ROOT / "infra/local")]

from bench_variants import photo_like_jpeg  # noqa: E402


def _timed(call) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    import pytest
    from moto import mock_aws

    from portrait.ids import new_id
    from portrait.store import keys, objects
    from portrait.store.aws import client
    from portrait.store.portfolio import media
    from portrait_local.resources import create_resources
    from portrait_local.sqs_poller import sqs_record
    from portrait_local.template import Template
    from tests.conftest import apply_environment, function_test_environment, load_function_module
    from tests.integration.api.http_events import LambdaContext
    from tests.integration.avatars.conftest import Stack

    template = Template.load(ROOT / "template.yaml")
    source = photo_like_jpeg()
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        apply_environment(patch, function_test_environment(template, "ThumbnailFunction"))
        create_resources(template)
        avatars = Stack(template)
        avatars.receive()  # the s3:TestEvent
        queue_url = template.physical_id("MediaUploadsQueue")
        queue_arn = template.get_att("MediaUploadsQueue", "Arn")

        def media_event() -> dict:
            user_id, media_id = avatars.new_user(), new_id()
            key = keys.tmp_upload_key("media", user_id, media_id)
            media.create_media(media.Media(
                media_id=media_id, user_id=user_id, status=media.PENDING,
                content_type="image/jpeg", upload_key=key, upload_expires_at=2_000_000_000,
                created_at="2026-12-02T00:00:00Z", updated_at="2026-12-02T00:00:00Z"))
            objects.put_object(key, source, content_type="image/jpeg")
            sqs, records = client("sqs"), []
            while not records:
                for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                                   WaitTimeSeconds=0).get("Messages", []):
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                    if "ObjectCreated" in message["Body"]:
                        records.append(sqs_record(message, queue_arn, "us-east-1"))
            return {"Records": records}

        resize = load_function_module(template, "ResizeFunction").lambda_handler
        thumbnail = load_function_module(template, "ThumbnailFunction").lambda_handler
        context = LambdaContext(function_name="bench")
        timings: dict[str, list[tuple[float, float]]] = {"resize": [], "thumbnail": []}
        for _ in range(args.runs + 1):  # the first round is the cold one
            avatars.upload(avatars.new_user(), source)
            event = {"Records": avatars.receive()}
            timings["resize"].append(_timed(lambda: resize(event, context)))
            event = media_event()
            timings["thumbnail"].append(_timed(lambda: thumbnail(event, context)))
    medians = {name: (statistics.median(w for w, _ in runs[1:]),
                      statistics.median(c for _, c in runs[1:])) for name, runs in timings.items()}
    print(f"12 MP JPEG ({len(source) / 1e6:.1f} MB), {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.2f}, medians of {args.runs} interleaved warm runs:")
    for name, (wall, cpu) in medians.items():
        print(f"  {name:9} wall {wall:6.0f} ms   cpu {cpu:6.0f} ms")
    print(f"  thumbnail / resize: wall {medians['thumbnail'][0] / medians['resize'][0]:.2f}x, "
          f"cpu {medians['thumbnail'][1] / medians['resize'][1]:.2f}x")


if __name__ == "__main__":
    main()
