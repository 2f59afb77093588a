"""Webhooks in-process against moto: the API's routes, and the fan-out, delivery and sweep
handlers fed the messages their queues hold, as the SQS event source would."""
from __future__ import annotations

import json
from typing import Iterator

import pytest
from moto import mock_aws

from portrait.config import get_settings
from portrait.store.aws import client as aws_client
from portrait_local.resources import create_resources
from portrait_local.sqs_poller import sqs_record
from tests.conftest import (apply_environment, empty_tables, function_test_environment,
                            load_function_module, provision_signing_key, reset_process_caches)
from tests.integration.api.conftest import Api, api_module  # noqa: F401 - a fixture
from tests.integration.api.http_events import LambdaContext

# Every wait 0: each retry's message is visible at once (no test waits on a clock).
SCHEDULE = "0,0,0,0"


@pytest.fixture(scope="package")
def moto_stack(template) -> Iterator[dict[str, str]]:
    env = {**function_test_environment(template, "ApiFunction"),
           **function_test_environment(template, "WebhookDeliveryFunction"),
           "WEBHOOK_ALLOW_LOOPBACK": "true", "WEBHOOK_RETRY_SCHEDULE": SCHEDULE}
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        apply_environment(patch, env)
        create_resources(template)
        provision_signing_key(template)
        yield env
    reset_process_caches()


class Webhooks(Api):
    """The API and the three webhook functions, driven one queue drain at a time."""

    def __init__(self, handler, template) -> None:
        super().__init__(handler)
        self.template = template

    def member(self) -> dict:
        user = self.register()
        return {**user, "token": self.login(user["username"])["access_token"]}

    def endpoint(self, member: dict, url: str, **fields) -> dict:
        reply = self.post("/me/webhooks", {"url": url, **fields}, token=member["token"])
        assert reply.status == 201, reply.body
        return reply.json()

    def drain(self, logical_id: str) -> list[dict]:
        sqs, url = aws_client("sqs"), self.template.physical_id(logical_id)
        arn, messages = self.template.get_att(logical_id, "Arn"), []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=0).get("Messages", []):
            messages += batch
            for message in batch:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return [sqs_record(m, arn, "us-east-1") for m in messages]

    def invoke(self, function_id: str, event: dict) -> dict:
        handler = load_function_module(self.template, function_id).lambda_handler
        return handler(event, LambdaContext(function_name=f"portrait-local-{function_id}"))

    def publish(self, detail: dict) -> dict:
        """An event as WebhookEventsRule puts it on WebhookEventsQueue, fanned out."""
        body = json.dumps({"version": "0", "id": "e1", "source": "portrait",
                           "detail-type": detail["type"], "account": "123456789012",
                           "time": "2026-12-06T10:00:00Z", "region": "us-east-1",
                           "resources": [], "detail": detail})
        record = {"messageId": "m1", "receiptHandle": "r1", "body": body, "attributes": {},
                  "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                  "eventSourceARN": self.template.get_att("WebhookEventsQueue", "Arn"),
                  "awsRegion": "us-east-1"}
        return self.invoke("WebhookFanoutFunction", {"Records": [record]})

    def deliver(self, *, rounds: int = 10) -> int:
        """Run WebhookDeliveryFunction on the deliveries queue until it is empty; attempts."""
        made = 0
        for _ in range(rounds):
            records = self.drain("WebhookDeliveriesQueue")
            if not records:
                break
            for record in records:  # BatchSize 1, as in the template
                reply = self.invoke("WebhookDeliveryFunction", {"Records": [record]})
                assert reply == {"batchItemFailures": []}, reply
                made += 1
        return made

    def dump_items(self) -> list[dict]:
        """Every item of WebhooksTable, raw (to show what is stored)."""
        table = get_settings().webhooks_table
        return [item for page in aws_client("dynamodb").get_paginator("scan").paginate(
            TableName=table) for item in page["Items"]]

    def deliveries(self, member: dict, endpoint_id: str) -> list[dict]:
        reply = self.get(f"/me/webhooks/{endpoint_id}/deliveries", token=member["token"])
        assert reply.status == 200, reply.body
        return reply.json()["items"]


@pytest.fixture
def webhooks(moto_stack, template, api_module) -> Iterator[Webhooks]:  # noqa: F811
    get_settings.cache_clear()
    empty_tables(template)
    site = Webhooks(api_module.lambda_handler, template)
    site.drain("WebhookDeliveriesQueue")
    yield site
    get_settings.cache_clear()


def project_created(user_id: str, n: int = 1) -> dict:
    """A project.created payload as the event publisher makes it."""
    from portrait.events import ProjectCreated

    return ProjectCreated(
        event_id=f"evt_{n:032x}", occurred_at="2026-12-06T10:00:00.000Z", project_id=f"P{n}",
        user_id=user_id, username="ada", title="My App", description=None, tags=[], link=None,
        thumbnail_url=None, thumbnail_key=None, thumbnail_media_id=None,
        created_at="2026-12-06T10:00:00.000Z", updated_at="2026-12-06T10:00:00.000Z",
        version=1).detail()
