"""The avatar pipeline's handlers, called in-process on realistic events against moto.

The resources come from template.yaml, including the bucket's notification
configuration: an object put under tmp/avatars/ makes moto send the real S3
event notification to the real queue, and the tests hand what they receive
from it to ResizeFunction exactly as the SQS event source would.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

import pytest
from moto import mock_aws

from portrait import clock
from portrait.config import get_settings
from portrait.ids import new_id
from portrait.store import avatars, keys, users
from portrait.store.avatars import PENDING, Avatar
from portrait.store.aws import client as aws_client
from portrait_local.event_sources import event_source_mappings
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


@pytest.fixture(scope="package")
def moto_stack(template) -> Iterator[dict[str, str]]:
    """The template's resources in moto, shared by the package's tests (each test empties them)."""
    env = function_test_environment(template, "ResizeFunction")
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        apply_environment(patch, env)
        create_resources(template)
        yield env
    reset_process_caches()


@dataclass
class Stack:
    """The deployed pieces a test touches, and the ways events reach the functions."""

    template: Any

    @property
    def bucket(self) -> str:
        return get_settings().media_bucket

    @property
    def queue_url(self) -> str:
        return self.template.physical_id("AvatarUploadsQueue")

    @property
    def queue_arn(self) -> str:
        return self.template.get_att("AvatarUploadsQueue", "Arn")

    # ---------------------------------------------------------------- records
    def new_user(self, **overrides) -> str:
        user = make_user(**overrides)
        users.insert_user(user)
        return user.user_id

    def pending_avatar(self, user_id: str) -> Avatar:
        """What starting an upload leaves behind: a pending avatar and the key its form allows."""
        now, upload_id = clock.now_iso(), new_id()
        avatar = Avatar(user_id=user_id, avatar_id=new_id(), status=PENDING, source="upload",
                        created_at=now, updated_at=now, upload_id=upload_id,
                        upload_key=keys.tmp_upload_key("avatars", user_id, upload_id),
                        content_type="image/jpeg")
        avatars.create_avatar(avatar)
        return avatar

    def avatar(self, avatar: Avatar) -> Avatar:
        return avatars.get_avatar(avatar.user_id, avatar.avatar_id)

    def user(self, user_id: str):
        return users.get_user(user_id)

    # ---------------------------------------------------------------- S3 and SQS
    def put(self, key: str, body: bytes, content_type: str = "image/jpeg") -> None:
        """As the browser's form POST would (moto enforces no policy, so any size goes)."""
        aws_client("s3").put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def upload(self, user_id: str, body: bytes) -> Avatar:
        avatar = self.pending_avatar(user_id)
        self.put(avatar.upload_key, body)
        return avatar

    def keys(self, prefix: str = "") -> list[str]:
        pages = aws_client("s3").get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def get(self, key: str) -> dict:
        return aws_client("s3").get_object(Bucket=self.bucket, Key=key)

    def receive(self, expected: int = 1) -> list[dict]:
        """The SQS event records for what the bucket has notified (as the event source builds them)."""
        sqs, messages = aws_client("sqs"), []
        while True:
            batch = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                        AttributeNames=["All"], WaitTimeSeconds=0).get("Messages", [])
            if not batch:
                break
            messages += batch
        # Taken off the queue, as the event source does once the batch is handed over: left
        # in flight, they would reappear after the visibility timeout (6 minutes) in some
        # later test of this moto server, on a slow run, as messages it never sent.
        for start in range(0, len(messages), 10):
            sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                for n, m in enumerate(messages[start:start + 10])])
        assert len(messages) == expected, [m["Body"] for m in messages]
        return [sqs_record(m, self.queue_arn, "us-east-1") for m in messages]

    def sqs_body(self, record: dict) -> dict:
        return json.loads(record["body"])

    def resize(self, records: list[dict]) -> dict:
        handler = load_function_module(self.template, "ResizeFunction").lambda_handler
        return handler({"Records": records}, LambdaContext(function_name="portrait-local-ResizeFunction"))

    def default_avatar(self, records: list[dict]) -> dict:
        handler = load_function_module(self.template, "DefaultAvatarFunction").lambda_handler
        return handler({"Records": records},
                       LambdaContext(function_name="portrait-local-DefaultAvatarFunction"))

    def mapping(self, function_id: str):
        (found,) = [m for m in event_source_mappings(self.template) if m.function_id == function_id]
        return found


def _empty_bucket_and_queues(stack: Stack) -> None:
    s3 = aws_client("s3")
    keys_ = stack.keys()
    for start in range(0, len(keys_), 1000):
        s3.delete_objects(Bucket=stack.bucket, Delete={
            "Objects": [{"Key": k} for k in keys_[start:start + 1000]], "Quiet": True})
    sqs = aws_client("sqs")
    for logical_id in ("AvatarUploadsQueue", "AvatarUploadsDeadLetterQueue",
                       "DefaultAvatarFailuresQueue"):
        url = stack.template.physical_id(logical_id)  # PurgeQueue: once a minute only
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)])


@pytest.fixture
def stack(moto_stack, template) -> Iterator[Stack]:
    get_settings.cache_clear()  # a test may have changed the environment
    stack = Stack(template)
    empty_tables(template)
    _empty_bucket_and_queues(stack)
    yield stack
    get_settings.cache_clear()


def stream_insert(stack: Stack, user_id: str, event_name: str = "INSERT",
                  pk: str | None = None) -> dict:
    """The users-stream record Lambda would deliver for an item (NEW_IMAGE view),
    the image read back from the table itself."""
    table = stack.template.physical_name("UsersTable")
    pk = pk or f"user#{user_id}"
    item = aws_client("dynamodb").get_item(TableName=table, Key={"pk": {"S": pk}},
                                           ConsistentRead=True).get("Item", {"pk": {"S": pk}})
    record: dict[str, Any] = {
        "eventID": new_id().lower(), "eventName": event_name, "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {"ApproximateCreationDateTime": 1_800_000_000, "Keys": {"pk": item["pk"]},
                     "SequenceNumber": str(next(_sequence)), "SizeBytes": 256,
                     "StreamViewType": "NEW_IMAGE"},
        "eventSourceARN": stack.template.get_att("UsersTable", "StreamArn"),
    }
    if event_name != "REMOVE":
        record["dynamodb"]["NewImage"] = item
    return record


_sequence = iter(range(10**20, 10**21, 100))
