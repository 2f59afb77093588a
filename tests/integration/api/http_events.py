"""API Gateway HTTP API (payload format 2.0) events for ApiFunction, built by the
local stack's own translator (portrait_local.http_events) for the template's
catch-all route `ANY /{proxy+}`, and a Lambda-like context."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from portrait_local.http_events import Route, build_event, http_response

API_ID = "a1b2c3d4e5"
ACCOUNT_ID = "123456789012"
CATCH_ALL = Route(function_id="ApiFunction", method="ANY", path="/{proxy+}", api_id=API_ID)


def http_event(method: str, path: str, *, body: Any = None,
               headers: dict[str, str] | None = None, source_ip: str = "203.0.113.7") -> dict:
    raw_body = b"" if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
    all_headers = {"host": f"{API_ID}.execute-api.us-east-1.amazonaws.com",
                   "user-agent": "pytest/portrait", "accept": "application/json",
                   "x-forwarded-proto": "https"}
    if raw_body:
        all_headers["content-type"] = "application/json"
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    raw_path, _, raw_query = path.partition("?")
    return build_event(method=method, raw_path=raw_path, raw_query=raw_query,
                       headers=list(all_headers.items()), body=raw_body, source_ip=source_ip,
                       route=CATCH_ALL, path_parameters=CATCH_ALL.match(method, raw_path) or {},
                       account_id=ACCOUNT_ID)


@dataclass
class LambdaContext:
    function_name: str = "portrait-local-ApiFunction"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


@dataclass
class HttpReply:
    status: int
    headers: dict[str, str]
    body: str
    content: bytes = b""  # the body as sent, for images

    @classmethod
    def from_result(cls, result: Any) -> "HttpReply":
        """What API Gateway would send the client for the handler's result."""
        status, headers, body = http_response(result)
        return cls(status=status, headers={k.lower(): v for k, v in headers},
                   body=body.decode("utf-8", errors="replace"), content=body)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error_code(self) -> str | None:
        try:
            return self.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return None
