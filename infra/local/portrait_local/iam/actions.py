"""What a request to the local endpoint asks of IAM: its actions and resource ARNs.

Who signed it comes from the SigV4 credential (the Authorization header, a presigned
URL's X-Amz-Credential, a POST form's x-amz-credential field); the service from the
credential's scope; the action and resource from the service's protocol: the JSON
protocols' X-Amz-Target and body (DynamoDB, SQS, EventBridge, Secrets Manager), S3's
method, path and query, the REST paths of the few other APIs the functions call.
One request can need several authorisations, as in AWS: a transaction or batch one
per table, CopyObject GetObject on the source and PutObject on the target, a
multi-object delete s3:DeleteObject per key, PutEvents one per event bus.

A request this module cannot map raises UnmappedRequest: it is refused, never let
through unchecked.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree import ElementTree

from portrait_local.iam.evaluator import Request

_DDB_LOCAL = re.compile(r"^arn:aws:dynamodb:ddblocal:000000000000:")
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


class UnmappedRequest(Exception):
    """The local check does not know which action this request is: it is refused."""


@dataclass(frozen=True)
class Signer:
    access_key: str
    region: str
    service: str


def signer(environ: dict, form: dict[str, str] | None = None) -> Signer | None:
    """Who signed the request (None: unsigned, or signed in a way we do not read)."""
    text = environ.get("HTTP_AUTHORIZATION", "")
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if not text and "X-Amz-Credential" in query:
        text = "Credential=" + query["X-Amz-Credential"][0]
    if not text and form and form.get("x-amz-credential"):
        text = "Credential=" + form["x-amz-credential"]
    match = _CREDENTIAL.search(text)
    if match:
        return Signer(*match.groups())
    # SigV2, which only S3 still takes: a presigned URL, a form, an "AWS key:signature" header.
    if "AWSAccessKeyId" in query:
        return Signer(query["AWSAccessKeyId"][0], "", "s3")
    if form and form.get("awsaccesskeyid"):
        return Signer(form["awsaccesskeyid"], "", "s3")
    if text.startswith("AWS ") and ":" in text:
        return Signer(text[4:].split(":", 1)[0], "", "s3")
    return None


@dataclass
class Arns:
    """ARNs of the stack's resources, as IAM sees them."""

    region: str
    account_id: str
    partition: str = "aws"
    secrets: dict[str, str] = field(default_factory=dict)  # secret name -> full ARN

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account_id}:{resource}"

    def canonical(self, arn: str) -> str:
        """DynamoDB Local names its tables arn:aws:dynamodb:ddblocal:000000000000:...; IAM
        (and the template's GetAtt, in AWS) see the stack's region and account."""
        return _DDB_LOCAL.sub(f"arn:{self.partition}:dynamodb:{self.region}:{self.account_id}:",
                              arn)

    def table(self, name_or_arn: str) -> str:
        return self.canonical(name_or_arn) if name_or_arn.startswith("arn:") else \
            self._arn("dynamodb", f"table/{name_or_arn}")

    def queue(self, url_or_name: str) -> str:
        if url_or_name.startswith("arn:"):
            return url_or_name
        name = urlsplit(url_or_name).path.rstrip("/").rsplit("/", 1)[-1] or url_or_name
        return self._arn("sqs", name)

    def event_bus(self, name_or_arn: str | None) -> str:
        name_or_arn = name_or_arn or "default"
        return name_or_arn if name_or_arn.startswith("arn:") else \
            self._arn("events", f"event-bus/{name_or_arn}")

    def secret(self, secret_id: str) -> str:
        if secret_id.startswith("arn:"):
            return secret_id
        # AWS authorises against the secret's ARN, which ends in a random suffix.
        return self.secrets.get(secret_id) or self._arn("secretsmanager", f"secret:{secret_id}")


def requests_of(environ: dict, body: bytes, service: str, arns: Arns,
                form: dict[str, str] | None = None) -> list[Request]:
    """The authorisations one request needs (UnmappedRequest: not known here)."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if service == "s3":
        from portrait_local.iam.s3_actions import s3_requests
        return s3_requests(environ, body, arns, form)
    if service == "dynamodb":
        return _dynamodb(target.rsplit(".", 1)[-1], _json(body), arns)
    if service == "sqs":
        operation, request = _json_or_query(target, body)
        return _sqs(operation, request, arns)
    if service == "events":
        return _events(target.rsplit(".", 1)[-1], _json(body), arns)
    if service == "secretsmanager":
        return _secrets(target.rsplit(".", 1)[-1], _json(body), arns)
    rest = _rest_api(service, environ, arns)
    if rest:
        return rest
    raise UnmappedRequest(f"{service} {environ.get('REQUEST_METHOD')} "
                          f"{environ.get('PATH_INFO')} {target}".strip())


def _json(body: bytes) -> dict:
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        raise UnmappedRequest("a JSON request whose body is not JSON") from None
    if not isinstance(document, dict):
        raise UnmappedRequest("a JSON request whose body is not an object")
    return document


def _json_or_query(target: str, body: bytes) -> tuple[str, dict]:
    if target:
        return target.rsplit(".", 1)[-1], _json(body)
    query = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
    return query.get("Action", ""), query


# ------------------------------------------------------------------ DynamoDB
_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def _dynamodb(operation: str, request: dict, arns: Arns) -> list[Request]:
    action = f"dynamodb:{operation}"
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [Request(action, arns.table(t)) for t in request.get("RequestItems") or {}]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return [Request(f"dynamodb:{_TRANSACT_ACTIONS[kind]}", arns.table(part["TableName"]))
                for item in request.get("TransactItems") or []
                for kind, part in item.items() if kind in _TRANSACT_ACTIONS]
    if "StreamArn" in request:
        return [Request(action, arns.canonical(request["StreamArn"]))]
    if "TableName" in request:
        table = arns.table(request["TableName"])
        if request.get("IndexName") and operation in ("Query", "Scan"):
            table += f"/index/{request['IndexName']}"
        return [Request(action, table)]
    if "ResourceArn" in request:
        return [Request(action, arns.canonical(request["ResourceArn"]))]
    if operation in ("ListTables", "ListStreams", "DescribeLimits", "DescribeEndpoints"):
        return [Request(action, "*")]
    raise UnmappedRequest(f"dynamodb:{operation}")


# ------------------------------------------------------------------ SQS
_SQS_BATCHES = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
                "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}


def _sqs(operation: str, request: dict, arns: Arns) -> list[Request]:
    if not operation:
        raise UnmappedRequest("an SQS request without an action")
    action = f"sqs:{_SQS_BATCHES.get(operation, operation)}"
    if request.get("QueueUrl"):
        return [Request(action, arns.queue(request["QueueUrl"]))]
    if request.get("QueueName"):  # GetQueueUrl, CreateQueue
        return [Request(action, arns.queue(request["QueueName"]))]
    if operation in ("ListQueues",):
        return [Request(action, "*")]
    raise UnmappedRequest(f"sqs:{operation}")


# ------------------------------------------------------------------ EventBridge
def _events(operation: str, request: dict, arns: Arns) -> list[Request]:
    if operation == "PutEvents":
        buses = dict.fromkeys(arns.event_bus(entry.get("EventBusName"))
                              for entry in request.get("Entries") or [])
        # Each entry's bus is authorised; an empty request still names the action.
        return [Request("events:PutEvents", bus) for bus in buses] or \
            [Request("events:PutEvents", arns.event_bus(None))]
    if operation in ("DescribeEventBus",):
        return [Request(f"events:{operation}", arns.event_bus(request.get("Name")))]
    raise UnmappedRequest(f"events:{operation}")


# ------------------------------------------------------------------ Secrets Manager
def _secrets(operation: str, request: dict, arns: Arns) -> list[Request]:
    action = f"secretsmanager:{operation}"
    if request.get("SecretId"):
        return [Request(action, arns.secret(request["SecretId"]))]
    if operation == "CreateSecret" and request.get("Name"):
        return [Request(action, arns.secret(request["Name"]))]
    if operation in ("ListSecrets", "GetRandomPassword", "BatchGetSecretValue"):
        return [Request(action, "*")]
    raise UnmappedRequest(f"secretsmanager:{operation}")


# ------------------------------------------------------------------ REST APIs
_SAGEMAKER = re.compile(r"^/endpoints/([^/]+)/(async-invocations|invocations)$")
_BEDROCK = re.compile(r"^/model/(.+)/(invoke|invoke-with-response-stream|converse|"
                      r"converse-stream)$")
_CLOUDFRONT = re.compile(r"^/\d{4}-\d{2}-\d{2}/distribution/([^/]+)/invalidation$")
_BEDROCK_ACTIONS = {"invoke": "InvokeModel", "converse": "InvokeModel",
                    "invoke-with-response-stream": "InvokeModelWithResponseStream",
                    "converse-stream": "InvokeModelWithResponseStream"}


def _rest_api(service: str, environ: dict, arns: Arns) -> list[Request] | None:
    path, method = unquote(environ.get("PATH_INFO", "")), environ.get("REQUEST_METHOD")
    if service == "sagemaker" and method == "POST" and (m := _SAGEMAKER.match(path)):
        name, kind = m.groups()
        action = "InvokeEndpointAsync" if kind == "async-invocations" else "InvokeEndpoint"
        return [Request(f"sagemaker:{action}", arns._arn("sagemaker",
                                                         f"endpoint/{name.lower()}"))]
    if service == "bedrock" and method == "POST" and (m := _BEDROCK.match(path)):
        model, kind = m.groups()
        return [Request(f"bedrock:{_BEDROCK_ACTIONS[kind]}",
                        f"arn:{arns.partition}:bedrock:{arns.region}::foundation-model/{model}")]
    if service == "cloudfront" and method == "POST" and (m := _CLOUDFRONT.match(path)):
        return [Request("cloudfront:CreateInvalidation",
                        f"arn:{arns.partition}:cloudfront::{arns.account_id}:distribution/"
                        f"{m.group(1)}")]
    return None


def xml_keys(body: bytes) -> list[str]:
    """The keys of a DeleteObjects request (<Delete><Object><Key>...)."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise UnmappedRequest("a DeleteObjects request whose body is not XML") from None
    return [element.text or "" for element in root.iter() if _local(element.tag) == "Key"]


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]
