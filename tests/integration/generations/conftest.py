"""The generation pipeline's handlers, called in-process on realistic events against moto.

The resources come from template.yaml, bucket notifications included: a photo
put under tmp/generations/ makes moto send the real S3 notification to
GenerationUploadsQueue; the tests hand what they receive to the router, what the
router forwarded to the generate function, the render invocation it submitted to
RenderFunction and the inference result that sent to RenderCompleteFunction, as the
event sources would.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Iterator

import pytest
from moto import mock_aws
from PIL import Image

from portrait.config import get_settings
from portrait.poses.catalogue import generate_catalogue
from portrait.services.generations import requests as generation_service
from portrait.services.generations.requests import GenerationRequest
from portrait.store import credits, generations, poses, users
from portrait.store.aws import client as aws_client
from portrait.store.poses import Pose
from portrait_local.resources import create_resources
from portrait_local.sqs_poller import sqs_record
from tests.conftest import (
    apply_environment,
    empty_tables,
    function_test_environment,
    load_function_module,
    reset_process_caches,
)
from tests.integration.api.http_events import LambdaContext
from tests.integration.store.test_users_store import make_user

QUEUES = ("GenerationUploadsQueue", "StandardGenerationsQueue", "PriorityGenerationsQueue",
          "GenerationUploadsDeadLetterQueue", "StandardGenerationsDeadLetterQueue",
          "PriorityGenerationsDeadLetterQueue", "RenderRequestsQueue", "RenderPriorityRequestsQueue",
          "RenderNotificationsQueue")
FUNCTIONS = ("GenerateFunction", "GenerationRouterFunction", "RenderFunction",
             "RenderCompleteFunction", "SweepRendersFunction")
POSE_ID = "standing-relaxed-front-full"


@pytest.fixture(scope="package")
def moto_stack(template) -> Iterator[dict[str, str]]:
    env = {name: value for function_id in FUNCTIONS
           for name, value in function_test_environment(template, function_id).items()}
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        apply_environment(patch, env)
        create_resources(template)
        yield env
    reset_process_caches()


def skeleton_png(side: int = 512) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), (0, 0, 0)).save(out, "PNG")
    return out.getvalue()


@dataclass
class Stack:
    template: Any

    @property
    def bucket(self) -> str:
        return get_settings().media_bucket

    def url(self, logical_id: str) -> str:
        return self.template.physical_id(logical_id)

    # ---------------------------------------------------------------- records
    def new_user(self, credits_: int = 100) -> str:
        user = make_user(credits=credits_)
        users.insert_user(user)
        return user.user_id

    def start(self, user_id: str, *, quality: str = "sd", priority: bool = False,
              style: str = "realistic"):
        return generation_service.start_generation(user_id, GenerationRequest(
            pose_id=POSE_ID, quality=quality, priority=priority, style=style,
            content_type="image/jpeg"))

    def generation(self, started) -> generations.Generation:
        return generations.get_generation(*self._ids(started))

    def _ids(self, started) -> tuple[str, str]:
        key = started.upload.fields["key"]
        _, _, user_id, generation_id, _ = key.split("/")
        return user_id, generation_id

    def balance(self, user_id: str) -> int:
        return credits.balance(user_id)

    def counters(self, user_id: str) -> credits.GenerationCounters:
        return credits.generation_counters(user_id)

    def ledger(self, user_id: str) -> list[tuple[str, int]]:
        return sorted((e.kind, e.amount) for e in credits.list_entries(user_id))

    # ---------------------------------------------------------------- S3 and SQS
    def put(self, key: str, body: bytes, content_type: str = "image/jpeg") -> None:
        aws_client("s3").put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def upload(self, started, body: bytes) -> None:
        self.put(started.upload.fields["key"], body)

    def keys(self, prefix: str = "") -> list[str]:
        pages = aws_client("s3").get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def delete(self, key: str) -> None:
        aws_client("s3").delete_object(Bucket=self.bucket, Key=key)

    def get(self, key: str) -> bytes:
        return aws_client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def receive(self, logical_id: str, expected: int = 1) -> list[dict]:
        """Take the queue's messages as records for a handler the test calls itself. They
        leave the queue (the test holds them and redelivers them itself), so none comes back
        after its visibility timeout into a later receive, however slow the machine."""
        sqs, url, messages = aws_client("sqs"), self.url(logical_id), []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                           AttributeNames=["All"]).get("Messages", []):
            messages += batch
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        assert len(messages) == expected, [m["Body"] for m in messages]
        arn = self.template.get_att(logical_id, "Arn")
        return [sqs_record(m, arn, "us-east-1") for m in messages]

    def handler(self, function_id: str):
        return load_function_module(self.template, function_id).lambda_handler

    def route(self, records: list[dict]) -> dict:
        return self.handler("GenerationRouterFunction")(
            {"Records": records}, LambdaContext(function_name="portrait-local-GenerationRouterFunction"))

    def generate(self, records: list[dict], *, priority: bool = False,
                 context: Any = None) -> dict:
        function_id = "GeneratePriorityFunction" if priority else "GenerateFunction"
        return self.handler(function_id)(
            {"Records": records}, context or LambdaContext(function_name=f"portrait-local-{function_id}"))

    def drain(self, logical_id: str, handler) -> bool:
        """Deliver every visible message of a queue to `handler` as Lambda's event source
        would: what it reports done is deleted, what failed becomes visible again (as after
        the visibility timeout) for the next drain. True when nothing failed."""
        from tests.integration.faults import unfaulted

        sqs, url, arn = aws_client("sqs"), self.url(logical_id), self.template.get_att(logical_id, "Arn")
        failed: list[dict] = []
        while True:
            with unfaulted():
                batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                            AttributeNames=["All"]).get("Messages", [])
            if not batch:
                break
            try:
                reply = handler([sqs_record(m, arn, "us-east-1") for m in batch])
                failures = {f["itemIdentifier"] for f in reply["batchItemFailures"]}
            except Exception:  # noqa: BLE001 - the invocation failed: the whole batch returns
                failures = {m["MessageId"] for m in batch}
            with unfaulted():
                for message in batch:
                    if message["MessageId"] in failures:
                        failed.append(message)
                    else:
                        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        with unfaulted():
            for message in failed:
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                              VisibilityTimeout=0)
        return not failed

    def render(self, records: list[dict]) -> dict:
        return self.handler("RenderFunction")(
            {"Records": records}, LambdaContext(function_name="portrait-local-RenderFunction"))

    def complete(self, records: list[dict]) -> dict:
        return self.handler("RenderCompleteFunction")(
            {"Records": records}, LambdaContext(function_name="portrait-local-RenderCompleteFunction"))

    def sweep_renders(self) -> dict:
        event = {"version": "0", "id": "1", "detail-type": "Scheduled Event", "source": "aws.events",
                 "account": "123456789012", "time": "2026-12-06T10:00:00Z", "region": "us-east-1",
                 "resources": [], "detail": {}}
        return self.handler("SweepRendersFunction")(
            event, LambdaContext(function_name="portrait-local-SweepRendersFunction"))

    def submit(self, started, body: bytes, *, priority: bool = False) -> list[dict]:
        """Upload, route, and generate (the photo checked, the render submitted). Returns
        the records the generate function got (for redelivery)."""
        self.upload(started, body)
        self.route(self.receive("GenerationUploadsQueue"))
        lane = "PriorityGenerationsQueue" if priority else "StandardGenerationsQueue"
        records = self.receive(lane)
        assert self.generate(records, priority=priority) == {"batchItemFailures": []}
        return records

    def run(self, started, body: bytes, *, priority: bool = False) -> list[dict]:
        """The whole pipeline for one photo: submit, render, settle. Returns the inference
        results the completion function got (for redelivery)."""
        self.submit(started, body, priority=priority)
        if not self.generation(started).render_id:
            return []  # failed before a render was submitted
        lane = "RenderPriorityRequestsQueue" if priority else "RenderRequestsQueue"
        assert self.render(self.receive(lane)) == {"batchItemFailures": []}
        results = self.receive("RenderNotificationsQueue")
        assert self.complete(results) == {"batchItemFailures": []}
        return results


def _empty(stack: Stack) -> None:
    s3 = aws_client("s3")
    for key in stack.keys():
        s3.delete_object(Bucket=stack.bucket, Key=key)
    sqs = aws_client("sqs")
    for logical_id in QUEUES:
        url = stack.url(logical_id)
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)])


@pytest.fixture
def stack(moto_stack, template) -> Iterator[Stack]:
    get_settings.cache_clear()
    stack = Stack(template)
    empty_tables(template)
    _empty(stack)
    keypoints = next(p for p in generate_catalogue() if p.pose_id == POSE_ID).keypoints
    poses.create_pose(Pose(pose_id=POSE_ID, name="Standing, relaxed", category="standing",
                           tags=("casual",), keypoints=keypoints,
                           skeleton_key=f"poses/{POSE_ID}.png", source="catalogue",
                           created_at="2026-01-01T00:00:00Z"))
    stack.put(f"poses/{POSE_ID}.png", skeleton_png(), "image/png")
    yield stack
    get_settings.cache_clear()



@pytest.fixture
def remembered_faces(monkeypatch) -> dict[str, int]:
    """Face detection and face embeddings answer the same for the same pixels, and they
    are most of the CPU of a test that runs one generation again and again (the fault
    test: one photo, the same renders, 27 rounds). Each distinct image is worked out once
    by the real dlib models; every AWS call still happens. Returns the hit counts."""
    import hashlib

    from portrait.imaging import faces, framing, likeness, stripped

    hits = {"find_faces": 0, "embed": 0}

    def remembered(name, function):
        answers: dict[tuple, Any] = {}

        def call(image: Image.Image, *args, **kwargs):
            key = (image.mode, image.size, hashlib.blake2b(image.tobytes()).digest(),
                   repr(args), repr(sorted(kwargs.items())))
            if key in answers:
                hits[name] += 1
            else:
                answers[key] = function(image, *args, **kwargs)
            answer = answers[key]
            return list(answer) if isinstance(answer, list) else answer
        return call

    find = remembered("find_faces", faces.find_faces)
    for module in (faces, framing, likeness, stripped):  # each imported it by name
        monkeypatch.setattr(module, "find_faces", find)
    monkeypatch.setattr(likeness, "embed", remembered("embed", likeness.embed))
    return hits
