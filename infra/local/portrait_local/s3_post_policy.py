"""Browser uploads as S3 has them: presigned POST policies enforced in front of moto.

moto stores whatever a form POST sends. S3 checks the form against its
signed policy first: the signature, the expiry, every condition (key,
Content-Type, bucket, content-length-range) and that no field goes
unmentioned. This WSGI middleware does the same checks and answers with
S3's error documents, so the web client and the tests meet locally the
refusals users meet in AWS.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import time
from datetime import datetime
from typing import Any, Callable, Iterable
from xml.sax.saxutils import escape

from werkzeug.formparser import parse_form_data

# Fields S3 never requires a condition for (its documentation's list).
_UNCONDITIONED = {"policy", "x-amz-signature", "signature", "awsaccesskeyid", "file",
                  "x-amz-security-token"}
_SECRET = "testing"  # the local stack's credentials: every client signs with them


class PolicyRefusal(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _signature(fields: dict[str, str], policy: str) -> str:
    """What the form's signature must be: SigV4 (x-amz-credential) or SigV2 (AWSAccessKeyId)."""
    credential = fields.get("x-amz-credential", "").split("/")
    if len(credential) == 5:
        _, date, region, service, _ = credential
        return hmac.new(_signing_key(_SECRET, date, region, service), policy.encode(),
                        hashlib.sha256).hexdigest()
    return base64.b64encode(hmac.new(_SECRET.encode(), policy.encode(), hashlib.sha1)
                            .digest()).decode()


def _condition_failed(condition: Any) -> PolicyRefusal:
    return PolicyRefusal(403, "AccessDenied", "Invalid according to Policy: Policy Condition "
                                              f"failed: {json.dumps(condition)}")


def check_form(bucket: str, fields: dict[str, str], file_size: int | None,
               now: float | None = None) -> None:
    """Raise PolicyRefusal where S3 would refuse this form; return if it would store it."""
    fields = {name.lower(): value for name, value in fields.items()}
    if file_size is None:
        raise PolicyRefusal(400, "InvalidArgument", "POST requires exactly one file upload "
                                                    "per request.")
    encoded = fields.get("policy")
    if not encoded:  # an unsigned POST needs a publicly writable bucket; ours never is
        raise PolicyRefusal(403, "AccessDenied", "Access Denied")
    if not hmac.compare_digest(_signature(fields, encoded), fields.get("x-amz-signature")
                               or fields.get("signature") or ""):
        raise PolicyRefusal(403, "SignatureDoesNotMatch", "The request signature we calculated "
                            "does not match the signature you provided. Check your key and "
                            "signing method.")
    try:
        policy = json.loads(base64.b64decode(encoded))
        expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError):
        raise PolicyRefusal(400, "InvalidPolicyDocument",
                            "Invalid Policy: Invalid JSON.") from None
    if (now if now is not None else time.time()) > expires.timestamp():
        raise PolicyRefusal(403, "AccessDenied", "Invalid according to Policy: Policy expired.")

    values = {**fields, "bucket": bucket}
    covered = {"bucket"}
    for condition in policy.get("conditions", []):
        if isinstance(condition, dict):
            (name, wanted), = condition.items()
            covered.add(name.lower())
            if values.get(name.lower()) != wanted:
                raise _condition_failed(condition)
            continue
        operator, *args = condition
        if operator == "content-length-range":
            low, high = int(args[0]), int(args[1])
            if file_size > high:
                raise PolicyRefusal(400, "EntityTooLarge", "Your proposed upload exceeds the "
                                    "maximum allowed size", ProposedSize=file_size,
                                    MaxSizeAllowed=high)
            if file_size < low:
                raise PolicyRefusal(400, "EntityTooSmall", "Your proposed upload is smaller "
                                    "than the minimum allowed size", ProposedSize=file_size,
                                    MinSizeAllowed=low)
            continue
        name = str(args[0]).removeprefix("$").lower()
        covered.add(name)
        value = values.get(name, "")
        if operator == "eq" and value != args[1]:
            raise _condition_failed(condition)
        if operator == "starts-with" and not value.startswith(args[1]):
            raise _condition_failed(condition)
    extra = sorted(name for name in fields if name not in covered | _UNCONDITIONED
                   and not name.startswith("x-ignore-"))
    # The x-amz-* signing fields are covered by the conditions boto3 writes for them.
    if extra:
        raise PolicyRefusal(403, "AccessDenied", "Invalid according to Policy: Extra input "
                                                 f"fields: {', '.join(extra)}")


def error_document(refusal: PolicyRefusal) -> bytes:
    extra = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in refusal.extra.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{refusal.code}</Code>'
            f"<Message>{escape(refusal.message)}</Message>{extra}"
            f"<RequestId>{hashlib.md5(str(time.time()).encode()).hexdigest()[:16].upper()}"
            "</RequestId></Error>").encode()


def _bucket_of(environ: dict) -> str | None:
    """The bucket a form POST goes to: path style (/bucket) or virtual-host style."""
    path = environ.get("PATH_INFO", "/").strip("/")
    host = environ.get("HTTP_HOST", "").split(":")[0]
    if ".s3." in host or host.endswith(".localhost"):
        return host.split(".")[0] if not path else None
    return path if path and "/" not in path else None


class PostPolicyMiddleware:
    """Wraps moto's WSGI app; only form POSTs to a bucket are looked at."""

    def __init__(self, app: Callable, clock: Callable[[], float] = time.time) -> None:
        self.app, self.clock = app, clock

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        bucket = _bucket_of(environ)
        if (environ.get("REQUEST_METHOD") != "POST" or bucket is None
                or environ.get("QUERY_STRING")
                or not environ.get("CONTENT_TYPE", "").startswith("multipart/form-data")):
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        _, form, files = parse_form_data({**environ, "wsgi.input": io.BytesIO(body)})
        upload = files.get("file")
        size = None if upload is None else len(upload.read())
        try:
            check_form(bucket, {k: form[k] for k in form}, size, now=self.clock())
        except PolicyRefusal as refusal:
            document = error_document(refusal)
            start_response(f"{refusal.status} {'Forbidden' if refusal.status == 403 else 'Bad Request'}",
                           [("Content-Type", "application/xml"),
                            ("Content-Length", str(len(document))),
                            ("Access-Control-Allow-Origin", environ.get("HTTP_ORIGIN", "*"))])
            return [document]
        return self.app({**environ, "wsgi.input": io.BytesIO(body)}, start_response)
