"""The portfolio end to end in-process: ApiFunction's handler for the routes, and the
bucket's real notifications (moto) handed to ThumbnailFunction as SQS would."""
from __future__ import annotations

import io
from typing import Iterator

import pytest
from moto import mock_aws
from PIL import Image

from portrait.config import get_settings
from portrait.store.aws import client as aws_client
from portrait_local.resources import create_resources
from portrait_local.sqs_poller import sqs_record
from tests.conftest import (apply_environment, empty_tables, function_test_environment,
                            load_function_module, provision_signing_key, reset_process_caches)
from tests.integration.api.conftest import Api, api_module  # noqa: F401 - a fixture
from tests.integration.api.http_events import LambdaContext


@pytest.fixture(scope="package")
def moto_stack(template) -> Iterator[dict[str, str]]:
    env = function_test_environment(template, "ApiFunction")
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        apply_environment(patch, env)
        create_resources(template)
        provision_signing_key(template)
        yield env
    reset_process_caches()


class Portfolio(Api):
    """The API, the bucket and ThumbnailFunction, as one member of the public uses them."""

    def __init__(self, handler, template) -> None:
        super().__init__(handler)
        self.template = template

    def put(self, path: str, body=None, **kw):
        return self.request("PUT", path, json_body=body, **kw)

    def member(self) -> dict:
        user = self.register()
        return {**user, "token": self.login(user["username"])["access_token"]}

    def project(self, member: dict, **fields) -> dict:
        reply = self.post("/projects", {"title": "My App", **fields}, token=member["token"])
        assert reply.status == 201, reply.body
        return reply.json()

    def upload(self, member: dict, body: bytes, *, project_id: str | None = None,
               content_type: str = "image/jpeg", filename: str | None = "photo.jpg") -> dict:
        """Start an upload and POST the file, as a browser does (moto checks no policy)."""
        request = {"content_type": content_type, "filename": filename}
        if project_id:
            request["project_id"] = project_id
        reply = self.post("/media/uploads", request, token=member["token"])
        assert reply.status == 201, reply.body
        form = reply.json()
        aws_client("s3").put_object(Bucket=self.bucket, Key=form["fields"]["key"], Body=body,
                                    ContentType=content_type)
        return form

    @property
    def bucket(self) -> str:
        return get_settings().media_bucket

    def keys(self, prefix: str = "") -> list[str]:
        pages = aws_client("s3").get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def object(self, key: str) -> bytes:
        return aws_client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def notifications(self) -> list[dict]:
        """What the bucket sent to MediaUploadsQueue, as the SQS event source hands it over."""
        sqs, url = aws_client("sqs"), self.template.physical_id("MediaUploadsQueue")
        arn, messages = self.template.get_att("MediaUploadsQueue", "Arn"), []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=0).get("Messages", []):
            messages += batch
            for message in batch:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return [sqs_record(m, arn, "us-east-1") for m in messages]

    def search_queue_messages(self) -> list[dict]:
        """What waits in SearchIndexQueue (rebuild requests the API queued), as SQS records."""
        sqs, url = aws_client("sqs"), self.template.physical_id("SearchIndexQueue")
        arn, messages = self.template.get_att("SearchIndexQueue", "Arn"), []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=0).get("Messages", []):
            messages += batch
            for message in batch:  # off the queue: in flight, they would come back later
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return [sqs_record(m, arn, "us-east-1") for m in messages]

    def thumbnail(self, records: list[dict] | None = None) -> dict:
        handler = load_function_module(self.template, "ThumbnailFunction").lambda_handler
        records = self.notifications() if records is None else records
        return handler({"Records": records},
                       LambdaContext(function_name="portrait-local-ThumbnailFunction"))


@pytest.fixture
def portfolio(moto_stack, template, api_module) -> Iterator[Portfolio]:  # noqa: F811
    get_settings.cache_clear()
    empty_tables(template)
    s3 = aws_client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=get_settings().media_bucket):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=get_settings().media_bucket, Key=item["Key"])
    site = Portfolio(api_module.lambda_handler, template)
    site.notifications()  # nothing left over from another test
    yield site
    get_settings.cache_clear()


def jpeg(width: int = 640, height: int = 480, *, orientation: int | None = None,
         gps: bool = False) -> bytes:
    """A photo-like JPEG: a gradient (so crops and rotations are visible), optionally
    with an EXIF orientation and a GPS block."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image.paste((220, 40, 40), (0, 0, width // 4, height // 4))  # a red top-left corner
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (52.0, 22.0, 0.0), 3: "E", 4: (4.0, 53.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def png_with_alpha(width: int = 400, height: int = 300) -> bytes:
    image = Image.new("RGBA", (width, height), (30, 120, 200, 0))
    image.paste((30, 120, 200, 255), (50, 50, width - 50, height - 50))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
