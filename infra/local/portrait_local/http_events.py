"""HTTP API (payload format 2.0): routes, request -> event, response -> HTTP. Pure.

Follows what API Gateway does: header names lowercased and repeated ones
comma-joined, cookies moved out of the headers into `cookies`, repeated
query keys comma-joined, non-text bodies base64-encoded; a result without a
statusCode is a 200 JSON document.
"""
from __future__ import annotations

import base64
import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

_TEXT_TYPES = re.compile(
    r"^(text/.*|application/(json|xml|javascript|x-javascript|graphql|ld\+json"
    r"|[\w.+-]*\+json|[\w.+-]*\+xml))$")


@dataclass(frozen=True)
class Route:
    function_id: str
    method: str  # "ANY" or an HTTP method
    path: str  # "/users/{id}", "/{proxy+}", or "$default"
    api_id: str

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"

    def _regex(self) -> re.Pattern:
        parts = []
        for segment in self.path.strip("/").split("/"):
            greedy = re.fullmatch(r"\{(\w+)\+\}", segment)
            param = re.fullmatch(r"\{(\w+)\}", segment)
            if greedy:
                parts.append(f"(?P<{greedy.group(1)}>.+)")
            elif param:
                parts.append(f"(?P<{param.group(1)}>[^/]+)")
            else:
                parts.append(re.escape(segment))
        return re.compile("/" + "/".join(parts))

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters if this route takes the request, else None."""
        if self.method not in ("ANY", method):
            return None
        if self.path == "$default":
            return {}
        found = self._regex().fullmatch(path)
        return None if found is None else {k: unquote(v) for k, v in found.groupdict().items()}

    def specificity(self) -> tuple:
        """API Gateway prefers exact paths, then fewer/greedy-last parameters, then a method."""
        segments = self.path.strip("/").split("/")
        return (self.path == "$default", "+}" in self.path,
                sum(s.startswith("{") for s in segments), -len(segments), self.method == "ANY")


def find_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict] | None:
    for route in sorted(routes, key=Route.specificity):
        params = route.match(method, path)
        if params is not None:
            return route, params
    return None


def is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    return bool(_TEXT_TYPES.match(content_type.split(";")[0].strip().lower()))


def _utf8(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def build_event(*, method: str, raw_path: str, raw_query: str, headers: list[tuple[str, str]],
                body: bytes, source_ip: str, route: Route, path_parameters: dict[str, str],
                account_id: str, protocol: str = "HTTP/1.1",
                now: float | None = None) -> dict:
    now = time.time() if now is None else now
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        name = name.lower()
        if name == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    domain = joined.get("host", "localhost")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = joined
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": account_id,
        "apiId": route.api_id,
        "domainName": domain,
        "domainPrefix": domain.split(".")[0].split(":")[0],
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": joined.get("user-agent", ""),
        },
        "requestId": base64.b64encode(uuid.uuid4().bytes[:12]).decode(),
        "routeKey": route.route_key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if body:
        text = _utf8(body) if is_text(joined.get("content-type")) else None
        if text is not None:
            event["body"] = text
            event["isBase64Encoded"] = False
        else:  # binary, or "text" that is not UTF-8: the function gets the bytes as they came
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    if path_parameters:
        event["pathParameters"] = path_parameters
    return event


def http_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Map a function's result to (status, headers, body) by the payload 2.0 rules."""
    if not (isinstance(result, dict) and "statusCode" in result):
        body = result if isinstance(result, str) else json.dumps(result)
        return 200, [("content-type", "application/json")], body.encode()
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((name, str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(name, str(v)) for v in values]
    for cookie in result.get("cookies") or []:
        headers.append(("set-cookie", cookie))
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("content-type", "text/plain; charset=utf-8"))
    body = result.get("body") or ""
    if not isinstance(body, str):
        body = json.dumps(body)
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return int(result["statusCode"]), headers, raw
