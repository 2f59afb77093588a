"""ResizeFunction's handler on one 12 MP JPEG upload, end to end in-process:
SQS event -> idempotency record -> HEAD + GET -> five variants -> five PUTs ->
switch transaction -> tmp delete -> event published, against moto in-process.

Not a test: prints the median of N uploads. moto answers in well under a
millisecond where S3 and DynamoDB take 5-50 ms, so on AWS add those round
trips (the five PUTs run concurrently). Run `python bench/bench_resize_handler.py [--runs 7]`.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    import pytest
    from moto import mock_aws

    from portrait_local.resources import create_resources
    from portrait_local.template import Template
    from tests.conftest import apply_environment, function_test_environment, load_function_module
    from tests.integration.avatars.conftest import Stack
    from tests.integration.api.http_events import LambdaContext

    template = Template.load(ROOT / "template.yaml")
    source = photo_like_jpeg()
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        apply_environment(patch, function_test_environment(template, "ResizeFunction"))
        create_resources(template)
        stack = Stack(template)
        stack.receive()  # the s3:TestEvent
        handler = load_function_module(template, "ResizeFunction").lambda_handler
        timings = []
        for _ in range(args.runs + 1):  # the first run is the cold one
            avatar = stack.upload(stack.new_user(), source)
            event = {"Records": stack.receive()}
            started = time.perf_counter()
            reply = handler(event, LambdaContext(function_name="bench-ResizeFunction"))
            timings.append((time.perf_counter() - started) * 1000)
            assert reply == {"batchItemFailures": []} and stack.avatar(avatar).status == "ready"
    print(f"12 MP JPEG ({len(source) / 1e6:.1f} MB), {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}: cold {timings[0]:.0f} ms, "
          f"warm median {statistics.median(timings[1:]):.0f} ms over {args.runs} uploads")


if __name__ == "__main__":
    main()
