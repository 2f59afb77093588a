"""The check at the front of the local endpoint: every request a function signs is
authorised against its role before moto, DynamoDB Local or the PutEvents delivery
sees it.

Requests signed with another key - the stack's own "testing" (resource creation,
pollers, event delivery, operator commands, tests) - or not signed at all (a
browser's CORS preflight) pass unchecked, as an administrator's would.
"""
from __future__ import annotations

import io
from typing import Callable, Iterable
from urllib.parse import parse_qs

from werkzeug.formparser import parse_form_data

from portrait_local.iam.actions import UnmappedRequest, requests_of, signer
from portrait_local.iam.authorizer import Authorizer
from portrait_local.iam.denials import denial_message, respond
from portrait_local.iam.evaluator import Request
from portrait_local.iam.principals import function_of
from portrait_local.iam.s3_actions import LIST_KEYS


class IamMiddleware:
    def __init__(self, app: Callable, authorizer: Authorizer) -> None:
        self.app, self.authorizer = app, authorizer

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        body, form = None, None
        if _is_form_post(environ):  # the signer is a field of the form
            body = _read(environ)
            form = _form_fields(environ, body)
        who = signer(environ, form)
        function_id = who and function_of(who.access_key)
        if function_id is None:
            return self._forward(environ, start_response, body)
        principal = self.authorizer.principals.get(function_id)
        if principal is None:
            return self._deny(environ, start_response, who.service, function_id,
                              f"User: {who.access_key} is not authorized: no function of the "
                              "stack's template signs with this key", "-", "-")
        if body is None and _needs_body(environ, who.service):
            body = _read(environ)
        try:
            needed = requests_of(environ, body or b"", who.service, self.authorizer.arns,
                                 form)
        except UnmappedRequest as exc:
            return self._deny(environ, start_response, who.service, function_id,
                              f"User: {principal.arn} is not authorized to perform this "
                              f"request: the local IAM check cannot tell its action ({exc})",
                              str(exc), "-")
        refused = self.authorizer.decide(function_id, needed, who.region)
        if refused is None and _reads_an_object(environ, who.service, needed):
            return self._read_object(environ, start_response, function_id, who.region,
                                     needed[0])
        if refused is None:
            return self._forward(environ, start_response, body)
        request = refused.request
        return self._deny(environ, start_response, who.service, function_id,
                          denial_message(principal.arn, request.action, request.resource,
                                         refused.reason()), request.action, request.resource)

    def _forward(self, environ: dict, start_response: Callable,
                 body: bytes | None) -> Iterable[bytes]:
        if body is not None:  # read here: the next layer reads it again
            environ = {**environ, "wsgi.input": io.BytesIO(body)}
        return self.app(environ, start_response)

    def _read_object(self, environ: dict, start_response: Callable, function_id: str,
                     region: str, request: Request) -> Iterable[bytes]:
        """S3 tells a missing key (404) only to a caller allowed s3:ListBucket on the
        bucket; anyone else gets 403 AccessDenied, so nobody learns which keys exist.
        The template's TellMissingFromForbidden statements are there for this."""
        answer: list = []

        def hold(status: str, headers: list, exc_info=None) -> Callable:
            answer[:] = [status, headers]
            return lambda data: None

        result = self.app(environ, hold)
        if answer[0].startswith("404"):
            bucket = request.resource.split("/", 1)[0]
            listing = Request("s3:ListBucket", bucket, {}, LIST_KEYS)
            refused = self.authorizer.decide(function_id, [listing], region, new_call=False)
            if refused is not None:
                if hasattr(result, "close"):
                    result.close()
                principal = self.authorizer.principals[function_id]
                return self._deny(environ, start_response, "s3", function_id, denial_message(
                    principal.arn, "s3:ListBucket", bucket, refused.reason()),
                    "s3:ListBucket", bucket)
        start_response(*answer)
        return result

    def _deny(self, environ: dict, start_response: Callable, service: str, function_id: str,
              message: str, action: str, resource: str) -> Iterable[bytes]:
        self.authorizer.denied(function_id, action, resource, message)
        return respond(start_response, service, message, environ.get("HTTP_ORIGIN"))


def _reads_an_object(environ: dict, service: str, needed: list[Request]) -> bool:
    """A GetObject or HeadObject (not a copy's source, not a sub-resource)."""
    return (service == "s3" and environ.get("REQUEST_METHOD") in ("GET", "HEAD")
            and len(needed) == 1 and needed[0].action == "s3:GetObject")


def _is_form_post(environ: dict) -> bool:
    return (environ.get("REQUEST_METHOD") == "POST" and not environ.get("QUERY_STRING")
            and environ.get("CONTENT_TYPE", "").startswith("multipart/form-data"))


def _needs_body(environ: dict, service: str) -> bool:
    """S3 bodies are objects (read only for a multi-object delete's key list)."""
    if service != "s3":
        return True
    return environ.get("REQUEST_METHOD") == "POST" and "delete" in parse_qs(
        environ.get("QUERY_STRING", ""), keep_blank_values=True)


def _read(environ: dict) -> bytes:
    return environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))


def _form_fields(environ: dict, body: bytes) -> dict[str, str]:
    _, form, files = parse_form_data({**environ, "wsgi.input": io.BytesIO(body)})
    fields = {name.lower(): form[name] for name in form}
    upload = files.get("file")
    fields["__filename__"] = (upload.filename or "") if upload is not None else ""
    return fields
