"""PutEvents answered as EventBridge answers it, in front of moto (put_events)."""
from __future__ import annotations

import io
import json
import uuid

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from portrait_local.put_events import (
    MAX_REQUEST_BYTES, PutEventsMiddleware, as_event, bus_name, entries_size, entry_error)

SIGNED = ("AWS4-HMAC-SHA256 Credential=testing/20300506/{region}/events/aws4_request, "
          "SignedHeaders=host, Signature=0")


class FakeDelivery:
    region, account_id = "us-east-1", "123456789012"

    def __init__(self) -> None:
        self.published: list[tuple[str, dict]] = []

    def publish(self, bus: str, event: dict) -> int:
        self.published.append((bus, event))
        return 1


def call(middleware, body: dict, target: str = "AWSEvents.PutEvents",
         region: str = "us-east-1") -> tuple[str, dict | str]:
    raw = json.dumps(body).encode()
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "HTTP_X_AMZ_TARGET": target,
               "HTTP_AUTHORIZATION": SIGNED.format(region=region), "CONTENT_LENGTH": str(len(raw)),
               "wsgi.input": io.BytesIO(raw)}
    status = []
    reply = b"".join(middleware(environ, lambda s, headers: status.append(s)))
    return status[0], json.loads(reply) if reply.startswith(b"{") else reply.decode()


def moto(environ, start_response):
    start_response("200 OK", [])
    return [b"moto"]


def entry(**fields) -> dict:
    return {"Source": "portrait", "DetailType": "project.deleted",
            "Detail": json.dumps({"project_id": "p1"}), **fields}


def test_entries_are_refused_as_eventbridge_refuses_them():
    assert entry_error(entry()) is None
    assert entry_error(entry(Source="")) == {
        "ErrorCode": "InvalidArgument",
        "ErrorMessage": "Parameter Source is not valid. Reason: Source is a required argument."}
    assert entry_error(entry(DetailType=None))["ErrorCode"] == "InvalidArgument"
    assert entry_error({"Source": "s", "DetailType": "d"})["ErrorMessage"].startswith(
        "Parameter Detail is not valid")
    for detail in ("{not json", "[1, 2]", '"text"'):
        assert entry_error(entry(Detail=detail)) == {"ErrorCode": "MalformedDetail",
                                                     "ErrorMessage": "Detail is malformed."}


def test_an_accepted_entry_becomes_an_eventbridge_event():
    event = as_event(entry(Resources=["arn:aws:s3:::b"], Time=1904212800.5),
                     "123456789012", "eu-west-1", now=0)
    EventBridgeModel.model_validate(event)
    assert uuid.UUID(event["id"]) and event["version"] == "0"
    assert (event["source"], event["detail-type"]) == ("portrait", "project.deleted")
    assert (event["account"], event["region"]) == ("123456789012", "eu-west-1")
    assert event["time"] == "2030-05-05T12:00:00Z" and event["resources"] == ["arn:aws:s3:::b"]
    assert event["detail"] == {"project_id": "p1"}
    assert as_event(entry(), "1", "r", now=1904212800)["time"] == "2030-05-05T12:00:00Z"
    assert as_event(entry(Time="2030-05-05T12:00:00Z"), "1", "r", now=0)["time"] == (
        "2030-05-05T12:00:00Z")


def test_bus_names_and_entry_sizes():
    assert bus_name(None) == bus_name("") == "default"
    assert bus_name("portrait-dev") == "portrait-dev"
    arn = "arn:aws:events:us-east-1:123456789012:event-bus/portrait-dev"
    assert bus_name(arn) == "portrait-dev"
    assert entries_size([{"Source": "ab", "DetailType": "é", "Detail": "{}", "Time": 1,
                          "Resources": ["r"]}]) == 14 + 2 + 2 + 2 + 1


def test_put_events_is_answered_here_and_published():
    delivery = FakeDelivery()
    status, reply = call(PutEventsMiddleware(moto, delivery), {"Entries": [
        entry(EventBusName="portrait-dev"), entry(Detail="[]"), entry()]})
    assert status == "200 OK"
    assert reply["FailedEntryCount"] == 1
    first, refused, third = reply["Entries"]
    assert refused["ErrorCode"] == "MalformedDetail"
    assert [(bus, event["id"]) for bus, event in delivery.published] == [
        ("portrait-dev", first["EventId"]), ("default", third["EventId"])]


def test_too_many_or_too_large_entries_fail_the_request():
    delivery = FakeDelivery()
    middleware = PutEventsMiddleware(moto, delivery)
    status, reply = call(middleware, {"Entries": [entry()] * 11})
    assert status.startswith("400") and reply["__type"] == "ValidationException"
    status, reply = call(middleware, {"Entries": []})
    assert status.startswith("400") and reply["__type"] == "ValidationException"
    big = json.dumps({"blob": "x" * MAX_REQUEST_BYTES})
    status, reply = call(middleware, {"Entries": [entry(Detail=big)]})
    assert status.startswith("400") and "over the limit" in reply["message"]
    assert delivery.published == []


def test_other_requests_and_other_regions_go_to_moto():
    delivery = FakeDelivery()
    middleware = PutEventsMiddleware(moto, delivery)
    assert call(middleware, {"Name": "rule"}, target="AWSEvents.PutRule") == ("200 OK", "moto")
    assert call(middleware, {"Entries": [entry()]}, region="eu-west-1") == ("200 OK", "moto")
    assert delivery.published == []
