"""The check in front of the endpoint, driven by boto3 as the functions drive it: a
denial is the ClientError each service raises in AWS; allowed calls pass and are
counted; the stack's own key is not restricted (portrait_local.iam.middleware)."""
from __future__ import annotations

import threading
from typing import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from werkzeug.serving import make_server

from portrait_local.iam.actions import Arns
from portrait_local.iam.authorizer import Authorizer
from portrait_local.iam.evaluator import statements
from portrait_local.iam.principals import Principal, access_key_id

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/users"
POLICIES = [
    ("ResizeFunctionRolePolicy0", {"Statement": [
        {"Sid": "ReadUsers", "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE},
        {"Sid": "WriteAvatarVariants", "Effect": "Allow", "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::media/avatars/*"},
        {"Sid": "ReadUploads", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::media/tmp/*"},
        {"Sid": "TellMissingFromForbidden", "Effect": "Allow", "Action": "s3:ListBucket",
         "Resource": "arn:aws:s3:::media"},
        {"Sid": "NeverUsed", "Effect": "Allow", "Action": ["sqs:SendMessage"],
         "Resource": f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"},
        {"Sid": "InItsRegionOverTls", "Effect": "Allow", "Action": "sqs:SendMessage",
         "Resource": f"arn:aws:sqs:*:{ACCOUNT}:regional", "Condition": {
             "StringEquals": {"aws:RequestedRegion": "us-east-1"},
             "Bool": {"aws:SecureTransport": "true"},
             "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/Resize*"}}},
    ]}, False),
    ("AWSLambdaBasicExecutionRole", {"Statement": [
        {"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": "*"}]}, True),
]


class Backend:
    """Stands in for moto and DynamoDB Local: records what reached it."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, environ, start_response):
        self.seen.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} "
                         f"{environ.get('HTTP_X_AMZ_TARGET', '')}".strip())
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if "missing" in environ["PATH_INFO"]:
            body = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code>'
                    b"<Message>The specified key does not exist.</Message></Error>")
            start_response("404 Not Found", [("Content-Type", "application/xml"),
                                             ("Content-Length", str(len(body)))])
            return [body]
        json_api = "HTTP_X_AMZ_TARGET" in environ
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0" if json_api
                                   else "application/xml"), ("Content-Length", "2" if json_api
                                                             else "0")])
        return [b"{}" if json_api else b""]


@pytest.fixture
def endpoint() -> Iterator[tuple[str, Backend, Authorizer, list]]:
    from portrait_local.iam.middleware import IamMiddleware

    denials: list = []
    authorizer = Authorizer(on_denial=denials.append)
    authorizer.principals = {"ResizeFunction": Principal(
        "ResizeFunction", "ResizeFunctionRole", "portrait-local-ResizeFunction",
        statements(POLICIES), ACCOUNT)}
    authorizer.arns = Arns("us-east-1", ACCOUNT)
    backend = Backend()
    server = make_server("127.0.0.1", 0, IamMiddleware(backend, authorizer), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", backend, authorizer, denials
    server.shutdown()


def client(url: str, service: str, key: str = access_key_id("ResizeFunction")):
    return boto3.client(service, region_name="us-east-1", endpoint_url=url,
                        aws_access_key_id=key, aws_secret_access_key="testing")


def error_of(call) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"], \
        error["Error"]["Message"]


def test_an_allowed_call_reaches_the_backend_and_is_counted(endpoint):
    url, backend, authorizer, denials = endpoint
    client(url, "dynamodb").get_item(TableName="users", Key={"pk": {"S": "u"}})
    client(url, "s3").put_object(Bucket="media", Key="avatars/u/a/64.webp", Body=b"x")
    assert backend.seen == ["POST / DynamoDB_20120810.GetItem", "PUT /media/avatars/u/a/64.webp"]
    report = authorizer.report()["functions"]["ResizeFunction"]
    assert report["calls"] == 2
    assert report["authorised"] == {"dynamodb:GetItem": 1, "s3:PutObject": 1}
    # What the role grants and no call used: the report for trimming.
    assert [(u["statement"], u["action"]) for u in report["unused"]] == [
        ("ResizeFunctionRolePolicy0/ReadUploads", "s3:GetObject"),
        ("ResizeFunctionRolePolicy0/TellMissingFromForbidden", "s3:ListBucket"),
        ("ResizeFunctionRolePolicy0/NeverUsed", "sqs:SendMessage"),
        ("ResizeFunctionRolePolicy0/InItsRegionOverTls", "sqs:SendMessage")]
    assert [u["action"] for u in report["service_side"]] == ["logs:PutLogEvents"]
    assert denials == []


def test_dynamodb_denial_is_access_denied_exception_naming_role_action_and_resource(endpoint):
    url, backend, authorizer, denials = endpoint
    code, status, message = error_of(lambda: client(url, "dynamodb").put_item(
        TableName="users", Item={"pk": {"S": "u"}}))
    assert (code, status) == ("AccessDeniedException", 400)
    assert message == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/ResizeFunctionRole/portrait-local-"
        f"ResizeFunction is not authorized to perform: dynamodb:PutItem on resource: {TABLE} "
        "because no identity-based policy allows the dynamodb:PutItem action")
    assert backend.seen == []  # refused before anything served it
    assert [(d.function_id, d.action, d.resource) for d in denials] == [
        ("ResizeFunction", "dynamodb:PutItem", TABLE)]
    assert authorizer.report()["functions"]["ResizeFunction"]["denied"] == {
        "dynamodb:PutItem": 1}


@pytest.mark.parametrize("service, call, expected", [
    ("sqs", lambda c: c.send_message(QueueUrl="http://x/123456789012/other", MessageBody="{}"),
     ("AccessDenied", 403)),
    ("events", lambda c: c.put_events(Entries=[{"Source": "a", "DetailType": "b",
                                                "Detail": "{}"}]),
     ("AccessDeniedException", 400)),
    ("secretsmanager", lambda c: c.get_secret_value(SecretId="keys"),
     ("AccessDeniedException", 400)),
    ("s3", lambda c: c.put_object(Bucket="media", Key="tmp/x", Body=b"x"), ("AccessDenied", 403)),
    ("s3", lambda c: c.get_object(Bucket="media", Key="avatars/x"), ("AccessDenied", 403)),
])
def test_each_service_denies_in_its_own_shape(endpoint, service, call, expected):
    url, backend, _, _ = endpoint
    code, status, message = error_of(lambda: call(client(url, service)))
    assert (code, status) == expected
    assert "is not authorized to perform" in message
    assert backend.seen == []


def test_global_condition_keys_are_set_for_every_call(endpoint):
    url, backend, _, _ = endpoint
    client(url, "sqs").send_message(QueueUrl=f"{url}/{ACCOUNT}/regional", MessageBody="{}")
    assert backend.seen == ["POST / AmazonSQS.SendMessage"]
    elsewhere = boto3.client("sqs", region_name="eu-west-1", endpoint_url=url,
                             aws_access_key_id=access_key_id("ResizeFunction"),
                             aws_secret_access_key="testing")
    code, _, _ = error_of(lambda: elsewhere.send_message(
        QueueUrl=f"{url}/{ACCOUNT}/regional", MessageBody="{}"))
    assert code == "AccessDenied"


def test_a_missing_key_is_404_only_with_list_bucket_else_403(endpoint):
    url, backend, authorizer, denials = endpoint
    s3 = client(url, "s3")
    code, status, _ = error_of(lambda: s3.get_object(Bucket="media", Key="tmp/missing"))
    assert (code, status) == ("NoSuchKey", 404)
    report = authorizer.report()["functions"]["ResizeFunction"]
    assert report["calls"] == 1 and report["authorised"] == {"s3:GetObject": 1,
                                                             "s3:ListBucket": 1}
    assert "TellMissingFromForbidden" not in {u["statement"].split("/")[-1]
                                              for u in report["unused"]}
    authorizer.withhold({"ResizeFunction": ["TellMissingFromForbidden"]})
    code, status, message = error_of(lambda: s3.get_object(Bucket="media", Key="tmp/missing"))
    assert (code, status) == ("AccessDenied", 403)
    assert "s3:ListBucket on resource: arn:aws:s3:::media" in message
    code, status, _ = error_of(lambda: s3.head_object(Bucket="media", Key="tmp/missing"))
    assert status == 403
    assert [d.action for d in denials] == ["s3:ListBucket", "s3:ListBucket"]


def test_the_stacks_own_key_and_unsigned_requests_are_not_restricted(endpoint):
    url, backend, authorizer, denials = endpoint
    client(url, "dynamodb", key="testing").put_item(TableName="users", Item={"pk": {"S": "u"}})
    assert backend.seen == ["POST / DynamoDB_20120810.PutItem"]
    assert authorizer.report()["functions"]["ResizeFunction"]["calls"] == 0 and denials == []


def test_a_key_of_no_function_of_the_template_is_refused(endpoint):
    url, backend, _, _ = endpoint
    code, _, message = error_of(lambda: client(url, "dynamodb", key=access_key_id("Gone"))
                                .get_item(TableName="users", Key={"pk": {"S": "u"}}))
    assert code == "AccessDeniedException" and "no function" in message
    assert backend.seen == []


def test_a_request_the_check_cannot_map_is_refused(endpoint):
    url, backend, _, _ = endpoint
    code, _, message = error_of(lambda: client(url, "dynamodb").execute_statement(
        Statement="SELECT * FROM users"))
    assert code == "AccessDeniedException" and "cannot tell its action" in message
    assert backend.seen == []


def test_a_withheld_statement_denies_until_restored(endpoint):
    url, backend, authorizer, _ = endpoint
    s3 = client(url, "s3")
    authorizer.withhold({"ResizeFunction": ["WriteAvatarVariants"]})
    code, _, message = error_of(lambda: s3.put_object(Bucket="media", Key="avatars/a", Body=b"x"))
    assert code == "AccessDenied" and "s3:PutObject" in message
    authorizer.withhold({})
    s3.put_object(Bucket="media", Key="avatars/a", Body=b"x")
    assert backend.seen == ["PUT /media/avatars/a"]


def test_withholding_an_unknown_statement_is_refused(endpoint):
    _, _, authorizer, _ = endpoint
    with pytest.raises(KeyError, match="no statement Nope"):
        authorizer.withhold({"ResizeFunction": ["Nope"]})
    with pytest.raises(KeyError, match="no function"):
        authorizer.withhold({"Other": ["ReadUsers"]})
