"""The local bucket refuses what S3 refuses on a presigned POST form."""
from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET

import boto3
import pytest
import requests
from botocore.config import Config

from portrait_local import s3_post_policy
from portrait_local.moto_server import PolicedMotoServer

BUCKET = "policed"
KEY = "tmp/avatars/u1/up1/source"
LIMIT = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def endpoint():
    server = PolicedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    s3(url).create_bucket(Bucket=BUCKET)
    yield url
    server.stop()


def s3(url, signature_version="s3v4"):
    return boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(signature_version=signature_version))


def form(url, expires_in=600, signature_version="s3v4"):
    return s3(url, signature_version).generate_presigned_post(
        Bucket=BUCKET, Key=KEY, Fields={"Content-Type": "image/png"},
        Conditions=[{"key": KEY}, ["content-length-range", 1, LIMIT],
                    {"Content-Type": "image/png"}], ExpiresIn=expires_in)


def post(upload, body: bytes, **changed):
    fields = {**upload["fields"], **changed}
    return requests.post(upload["url"], data=fields, files={"file": ("a.png", body)}, timeout=60)


def stored(url) -> bool:
    return s3(url).list_objects_v2(Bucket=BUCKET, Prefix=KEY).get("KeyCount", 0) > 0


def error(reply) -> tuple[int, str, str]:
    root = ET.fromstring(reply.content)
    return reply.status_code, root.findtext("Code"), root.findtext("Message")


@pytest.fixture(autouse=True)
def empty_bucket(endpoint):
    s3(endpoint).delete_object(Bucket=BUCKET, Key=KEY)


def test_a_form_within_its_policy_is_stored(endpoint):
    assert post(form(endpoint), b"x" * 1000).status_code == 204
    assert stored(endpoint)


def test_a_sigv2_form_is_checked_too(endpoint):
    assert post(form(endpoint, signature_version="s3"), b"x").status_code == 204
    upload = form(endpoint, signature_version="s3")
    assert error(post(upload, b"x", signature="AAAA"))[:2] == (403, "SignatureDoesNotMatch")


def test_over_the_size_range_is_refused(endpoint):
    status, code, _ = error(post(form(endpoint), b"x" * (6 * 1024 * 1024)))
    assert (status, code) == (400, "EntityTooLarge")
    assert not stored(endpoint)


def test_an_empty_file_is_refused(endpoint):
    assert error(post(form(endpoint), b""))[:2] == (400, "EntityTooSmall")


def test_a_changed_content_type_is_refused(endpoint):
    status, code, message = error(post(form(endpoint), b"x", **{"Content-Type": "text/html"}))
    assert (status, code) == (403, "AccessDenied")
    assert "Policy Condition failed" in message and "Content-Type" in message
    assert not stored(endpoint)


def test_a_changed_key_is_refused(endpoint):
    status, code, _ = error(post(form(endpoint), b"x", key="avatars/u1/evil/full.webp"))
    assert (status, code) == (403, "AccessDenied")


def test_an_extra_field_is_refused(endpoint):
    status, _, message = error(post(form(endpoint), b"x", acl="public-read"))
    assert status == 403 and "Extra input fields: acl" in message


def test_a_tampered_policy_fails_its_signature(endpoint):
    upload = form(endpoint)
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    policy["conditions"][1] = ["content-length-range", 1, 10 * LIMIT]
    forged = base64.b64encode(json.dumps(policy).encode()).decode()
    assert error(post(upload, b"x", policy=forged))[:2] == (403, "SignatureDoesNotMatch")


def test_an_expired_form_is_refused(endpoint):
    upload = form(endpoint, expires_in=1)
    fields = {k.lower(): v for k, v in upload["fields"].items()}
    with pytest.raises(s3_post_policy.PolicyRefusal, match="Policy expired"):
        s3_post_policy.check_form(BUCKET, fields, 10, now=9_999_999_999)
