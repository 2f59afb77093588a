"""The API's edge, around the resolver: bodies it can read, headers every answer carries.

Before routing: a body on a JSON route must be JSON (415 otherwise) that a
client could mean (400 invalid_json for malformed, not UTF-8, nested deeper
than MAX_JSON_DEPTH or numbers longer than MAX_NUMBER_CHARS), so no parser
limit (recursion, int digits) ever surfaces as a 500. Every spelling of a JSON
media type is accepted — any case, and any `+json` suffix (RFC 6839:
application/merge-patch+json, application/vnd.api+json) — and handed on as
`application/json`, the only one the resolver parses. Powertools validates
before any middleware runs, hence a check ahead of app.resolve rather than one.

After: nosniff, a CSP that lets a JSON answer load nothing, no referrer, and
no-store on every answer to an authenticated request (it is that user's data).
"""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

MAX_JSON_DEPTH = 32
MAX_NUMBER_CHARS = 40  # far beyond any amount or limit the API takes
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DOCS_PREFIX = "/docs"  # Swagger UI: an HTML page with inline assets, its own CSP
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def _reply(status: int, code: str, message: str) -> dict:
    return {"statusCode": status, "isBase64Encoded": False,
            "headers": {"Content-Type": "application/json"},
            # Compact, as the resolver's own answers are: one encoding for every error.
            "body": json.dumps({"error": {"code": code, "message": message}},
                               separators=(",", ":"))}  # as errors.COMPACT


def _number(text: str) -> str:
    # Kept as text: the document is only checked here; the resolver parses the body itself.
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"a number of {len(text)} characters")
    return text


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _unreadable(document: Any) -> str | None:
    """Why a parsed document cannot be taken: nested too deep, or a string holding a lone
    surrogate (a JSON \\ud800 escape: no UTF-8 encodes it, so nothing could store it)."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"nested deeper than {MAX_JSON_DEPTH} levels"
        for text in ([value] if isinstance(value, str)
                     else value.keys() if isinstance(value, dict) else ()):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                return "a string holds a lone surrogate (\\ud800-\\udfff)"
        children = value.values() if isinstance(value, dict) else (
            value if isinstance(value, list) else ())
        stack.extend((child, depth + 1) for child in children)
    return None


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def refuse_unreadable_body(event: dict) -> dict | None:
    """The reply for a body the API will not read, or None to go on."""
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", ""))
    if method.upper() not in BODY_METHODS:
        return None
    body = event.get("body")
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if body and not _is_json(media_type):
        return _reply(415, "unsupported_media_type",
                      "send the body as JSON, with Content-Type: application/json")
    # Every JSON spelling is handed on as the one the resolver parses; an empty body's
    # type, whatever it says (curl -d '' sends a form's), describes nothing and goes.
    kept = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    event["headers"] = {**kept, "content-type": "application/json"} if body else kept
    if not body:
        return None
    try:
        text = base64.b64decode(body).decode("utf-8") if event.get("isBase64Encoded") else body
        document = json.loads(text, parse_int=_number, parse_float=_number,
                              parse_constant=_no_constant)
    except (ValueError, RecursionError, binascii.Error) as exc:  # UnicodeError is a ValueError
        reason = ("nested too deep" if isinstance(exc, RecursionError)
                  else "it is not UTF-8" if isinstance(exc, UnicodeError) else str(exc)[:200])
        return _reply(400, "invalid_json", f"the body is not valid JSON: {reason}")
    problem = _unreadable(document)
    if problem:
        return _reply(400, "invalid_json", f"the body is not valid JSON: {problem}")
    return None


def with_security_headers(event: dict, reply: dict) -> dict:
    headers = reply.setdefault("headers", {})
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    # A route that serves a page of its own (a shared portrait's) sets its own policy.
    own_policy = any(n.lower() == "content-security-policy" for n in headers)
    if not str(event.get("rawPath", "")).endswith(DOCS_PREFIX) and not own_policy:
        headers["Content-Security-Policy"] = API_CSP
    request_headers = {k.lower() for k in (event.get("headers") or {})}
    if "authorization" in request_headers:
        for name in [n for n in headers if n.lower() == "cache-control"]:
            del headers[name]
        headers["Cache-Control"] = "no-store"
    return reply
