"""Each request shape the functions send, as boto3 serialises it, mapped to the IAM
actions and resources AWS authorises (portrait_local.iam.actions, s3_actions)."""
from __future__ import annotations

import io
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from werkzeug.formparser import parse_form_data
from werkzeug.test import EnvironBuilder

from portrait_local.iam.actions import Arns, UnmappedRequest, requests_of, signer

ENDPOINT = "http://127.0.0.1:4566"
KEY = "LOCALROLEResizeFunction"
ACCOUNT = "123456789012"
SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:portrait/dev/keys-AbCdEf"
ARNS = Arns("us-east-1", ACCOUNT, secrets={"portrait/dev/keys": SECRET_ARN})
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/"


class _Sent(Exception):
    def __init__(self, request) -> None:
        self.request = request


def client(service: str):
    made = boto3.client(service, region_name="us-east-1", endpoint_url=ENDPOINT,
                        aws_access_key_id=KEY, aws_secret_access_key="testing")

    def stop(request, **_) -> None:  # the request as it would go on the wire
        raise _Sent(request)

    made.meta.events.register("before-send", stop)
    return made


def environ_of(request) -> tuple[dict, bytes]:
    url = urlsplit(request.url)
    body = request.body or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
    builder = EnvironBuilder(path=url.path, method=request.method, query_string=url.query,
                             headers=headers, data=body)
    return builder.get_environ(), body


def sent(service: str, operation: str, **params) -> list[tuple[str, str]]:
    with pytest.raises(_Sent) as caught:
        getattr(client(service), operation)(**params)
    environ, body = environ_of(caught.value.request)
    who = signer(environ)
    assert who is not None and who.access_key == KEY and who.region == "us-east-1"
    return [(r.action, r.resource) for r in requests_of(environ, body, who.service, ARNS)]


# ------------------------------------------------------------------ DynamoDB
def test_dynamodb_single_item_calls_act_on_the_table():
    assert sent("dynamodb", "get_item", TableName="users", Key={"pk": {"S": "u"}}) == [
        ("dynamodb:GetItem", TABLE + "users")]
    assert sent("dynamodb", "update_item", TableName="users", Key={"pk": {"S": "u"}},
                UpdateExpression="SET a = :a",
                ExpressionAttributeValues={":a": {"S": "b"}}) == [
        ("dynamodb:UpdateItem", TABLE + "users")]


def test_a_query_on_an_index_acts_on_the_index():
    assert sent("dynamodb", "query", TableName="avatars", IndexName="by_upload",
                KeyConditionExpression="u = :u",
                ExpressionAttributeValues={":u": {"S": "x"}}) == [
        ("dynamodb:Query", TABLE + "avatars/index/by_upload")]


def test_batches_and_transactions_are_authorised_per_table_and_kind():
    assert sent("dynamodb", "batch_get_item", RequestItems={
        "avatars": {"Keys": [{"pk": {"S": "a"}}]},
        "media": {"Keys": [{"pk": {"S": "m"}}]}}) == [
        ("dynamodb:BatchGetItem", TABLE + "avatars"), ("dynamodb:BatchGetItem", TABLE + "media")]
    assert sent("dynamodb", "transact_write_items", TransactItems=[
        {"Update": {"TableName": "users", "Key": {"pk": {"S": "u"}},
                    "UpdateExpression": "SET c = :c",
                    "ExpressionAttributeValues": {":c": {"N": "1"}}}},
        {"Put": {"TableName": "ledger", "Item": {"pk": {"S": "l"}}}},
        {"ConditionCheck": {"TableName": "guards", "Key": {"pk": {"S": "g"}},
                            "ConditionExpression": "attribute_exists(pk)"}},
    ]) == [("dynamodb:UpdateItem", TABLE + "users"), ("dynamodb:PutItem", TABLE + "ledger"),
           ("dynamodb:ConditionCheckItem", TABLE + "guards")]


def test_dynamodb_locals_arns_are_read_as_the_stacks():
    stream = "arn:aws:dynamodb:ddblocal:000000000000:table/users/stream/2026-01-01T00:00:00.000"
    assert sent("dynamodbstreams", "describe_stream", StreamArn=stream) == [
        ("dynamodb:DescribeStream", TABLE + "users/stream/2026-01-01T00:00:00.000")]


# ------------------------------------------------------------------ SQS, EventBridge, Secrets
def test_sqs_calls_act_on_the_queue_and_batches_are_their_single_action():
    url = f"{ENDPOINT}/{ACCOUNT}/portrait-local-Render"
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:portrait-local-Render"
    assert sent("sqs", "send_message", QueueUrl=url, MessageBody="{}") == [
        ("sqs:SendMessage", queue)]
    assert sent("sqs", "send_message_batch", QueueUrl=url,
                Entries=[{"Id": "1", "MessageBody": "{}"}]) == [("sqs:SendMessage", queue)]
    assert sent("sqs", "get_queue_url", QueueName="portrait-local-Render") == [
        ("sqs:GetQueueUrl", queue)]


def test_put_events_is_authorised_on_each_bus_it_names():
    bus = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/"
    assert sent("events", "put_events", Entries=[
        {"EventBusName": "portrait-dev", "Source": "portrait", "DetailType": "a", "Detail": "{}"},
        {"EventBusName": "portrait-dev", "Source": "portrait", "DetailType": "b", "Detail": "{}"},
        {"Source": "portrait", "DetailType": "c", "Detail": "{}"},
    ]) == [("events:PutEvents", bus + "portrait-dev"), ("events:PutEvents", bus + "default")]


def test_a_secret_named_by_name_is_authorised_on_its_arn():
    assert sent("secretsmanager", "get_secret_value", SecretId="portrait/dev/keys") == [
        ("secretsmanager:GetSecretValue", SECRET_ARN)]


# ------------------------------------------------------------------ S3
OBJECT = "arn:aws:s3:::media/"


def test_object_reads_and_writes():
    assert sent("s3", "get_object", Bucket="media", Key="tmp/avatars/u/1/source") == [
        ("s3:GetObject", OBJECT + "tmp/avatars/u/1/source")]
    assert sent("s3", "head_object", Bucket="media", Key="a b/é.png") == [
        ("s3:GetObject", OBJECT + "a b/é.png")]
    assert sent("s3", "put_object", Bucket="media", Key="avatars/u/a/64.webp", Body=b"x") == [
        ("s3:PutObject", OBJECT + "avatars/u/a/64.webp")]
    assert sent("s3", "delete_object", Bucket="media", Key="tmp/x") == [
        ("s3:DeleteObject", OBJECT + "tmp/x")]


def test_copy_object_needs_get_on_the_source_and_put_on_the_target():
    assert sent("s3", "copy_object", Bucket="media", Key="media/u/m/original.png",
                CopySource={"Bucket": "media", "Key": "tmp/media/u/m/source"}) == [
        ("s3:PutObject", OBJECT + "media/u/m/original.png"),
        ("s3:GetObject", OBJECT + "tmp/media/u/m/source")]


def test_delete_objects_needs_delete_on_every_key():
    assert sent("s3", "delete_objects", Bucket="media", Delete={"Objects": [
        {"Key": "avatars/u/a/64.webp"}, {"Key": "avatars/u/a/128.webp"}]}) == [
        ("s3:DeleteObject", OBJECT + "avatars/u/a/64.webp"),
        ("s3:DeleteObject", OBJECT + "avatars/u/a/128.webp")]


def test_listing_and_head_bucket_are_list_bucket_with_the_prefix_as_context():
    with pytest.raises(_Sent) as caught:
        client("s3").list_objects_v2(Bucket="media", Prefix="tmp/avatars/", MaxKeys=10)
    environ, body = environ_of(caught.value.request)
    (listing,) = requests_of(environ, body, "s3", ARNS)
    assert (listing.action, listing.resource) == ("s3:ListBucket", "arn:aws:s3:::media")
    assert listing.context == {"s3:prefix": ["tmp/avatars/"], "s3:max-keys": ["10"]}
    assert sent("s3", "head_bucket", Bucket="media") == [("s3:ListBucket", "arn:aws:s3:::media")]


def test_a_presigned_url_is_the_signers_call():
    url = boto3.client("s3", region_name="us-east-1", endpoint_url=ENDPOINT,
                       aws_access_key_id="LOCALROLEApiFunction", aws_secret_access_key="testing"
                       ).generate_presigned_url("get_object", Params={
                           "Bucket": "media", "Key": "avatars/u/a/256.webp"})
    parts = urlsplit(url)
    environ = EnvironBuilder(path=parts.path, query_string=parts.query).get_environ()
    who = signer(environ)
    assert who.access_key == "LOCALROLEApiFunction" and who.service == "s3"
    assert [(r.action, r.resource) for r in requests_of(environ, b"", "s3", ARNS)] == [
        ("s3:GetObject", OBJECT + "avatars/u/a/256.webp")]


@pytest.mark.parametrize("signature_version", ["s3v4", "s3"])
def test_a_presigned_post_form_is_put_object_on_its_key_by_the_signer(signature_version):
    form = boto3.client("s3", region_name="us-east-1", endpoint_url=ENDPOINT,
                        aws_access_key_id="LOCALROLEApiFunction", aws_secret_access_key="testing",
                        config=Config(signature_version=signature_version)
                        ).generate_presigned_post("media", "tmp/avatars/u/1/${filename}")
    builder = EnvironBuilder(path=urlsplit(form["url"]).path, method="POST",
                             data={**form["fields"], "file": (io.BytesIO(b"jpeg"), "me.jpg")})
    environ = builder.get_environ()
    body = environ["wsgi.input"].read()
    _, fields, files = parse_form_data({**environ, "wsgi.input": io.BytesIO(body)})
    fields = {k.lower(): v for k, v in fields.items()}
    fields["__filename__"] = files["file"].filename
    who = signer(environ, fields)
    assert who.access_key == "LOCALROLEApiFunction"
    assert [(r.action, r.resource) for r in requests_of(environ, body, "s3", ARNS, fields)] == [
        ("s3:PutObject", OBJECT + "tmp/avatars/u/1/me.jpg")]


# ------------------------------------------------------------------ the REST APIs
def test_model_endpoint_bedrock_and_cdn_calls():
    assert sent("sagemaker-runtime", "invoke_endpoint_async", EndpointName="Portrait-Dev-Render",
                InputLocation="s3://media/renders/requests/1.json") == [
        ("sagemaker:InvokeEndpointAsync",
         f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/portrait-dev-render")]
    assert sent("bedrock-runtime", "invoke_model", modelId="amazon.nova-canvas-v1:0",
                body=b"{}") == [
        ("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/"
                                "amazon.nova-canvas-v1:0")]
    assert sent("cloudfront", "create_invalidation", DistributionId="E123", InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/shared/x"]}, "CallerReference": "r"}) == [
        ("cloudfront:CreateInvalidation", f"arn:aws:cloudfront::{ACCOUNT}:distribution/E123")]


def test_a_request_that_cannot_be_mapped_is_refused_not_passed():
    with pytest.raises(UnmappedRequest):
        sent("dynamodb", "execute_statement", Statement="SELECT * FROM users")
    with pytest.raises(UnmappedRequest):
        sent("sts", "get_caller_identity")
