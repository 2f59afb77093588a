"""AccessDenied, answered the way each service answers it, so the SDK raises what it
raises in AWS (botocore's ClientError with the same error code).

- DynamoDB (JSON 1.0), EventBridge and Secrets Manager (JSON 1.1): HTTP 400,
  {"__type": "...AccessDeniedException", "message": ...}.
- SQS (JSON protocol, query-compatible): HTTP 403 with x-amzn-query-error
  "AccessDenied;Sender", so botocore's code is AccessDenied as with the old protocol.
- S3 and the other REST/XML APIs: HTTP 403, <Error><Code>AccessDenied</Code>...
- REST-JSON APIs (SageMaker runtime, Bedrock runtime): HTTP 403 AccessDeniedException.
"""
from __future__ import annotations

import json
import uuid
from typing import Callable, Iterable
from xml.sax.saxutils import escape

_JSON_1_0 = "application/x-amz-json-1.0"
_JSON_1_1 = "application/x-amz-json-1.1"


def denial_message(principal_arn: str, action: str, resource: str, reason: str) -> str:
    return (f"User: {principal_arn} is not authorized to perform: {action} on resource: "
            f"{resource} {reason}")


def respond(start_response: Callable, service: str, message: str,
            origin: str | None = None) -> Iterable[bytes]:
    request_id = str(uuid.uuid4())
    headers = [("x-amzn-RequestId", request_id)]
    if origin:  # a browser's request (a form POST): it must be able to read the refusal
        headers.append(("Access-Control-Allow-Origin", origin))
    if service == "dynamodb":
        status, content_type = "400 Bad Request", _JSON_1_0
        body = {"__type": "com.amazon.coral.service#AccessDeniedException", "message": message}
    elif service in ("events", "secretsmanager"):
        status, content_type = "400 Bad Request", _JSON_1_1
        body = {"__type": "AccessDeniedException", "message": message}
    elif service == "sqs":
        status, content_type = "403 Forbidden", _JSON_1_0
        body = {"__type": "com.amazon.coral.service#AccessDeniedException", "message": message}
        headers.append(("x-amzn-query-error", "AccessDenied;Sender"))
    elif service in ("sagemaker", "bedrock"):
        status, content_type = "403 Forbidden", "application/json"
        body = {"message": message}
        headers.append(("x-amzn-ErrorType", "AccessDeniedException"))
    else:
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
               f"<Message>{escape(message)}</Message><RequestId>{request_id[:16]}"
               "</RequestId></Error>").encode()
        start_response("403 Forbidden", headers + [("Content-Type", "application/xml"),
                                                    ("Content-Length", str(len(xml)))])
        return [xml]
    data = json.dumps(body).encode()
    start_response(status, headers + [("Content-Type", content_type),
                                      ("Content-Length", str(len(data)))])
    return [data]
