"""Error shapes, request ids in logs, health, docs and the JWKS."""
from __future__ import annotations

import boto3
import pytest

import portrait
from portrait.poses.catalogue import generate_catalogue
from portrait.services import health
from portrait.services.poses.seeding import seed_pose_catalogue

from portrait.config import get_settings
from tests.integration.api.http_events import http_event


def test_a_known_path_with_another_method_is_405_naming_the_allowed_ones(api) -> None:
    reply = api.call(http_event("PUT", "/health"))
    assert reply.status == 405 and reply.error_code == "method_not_allowed"
    assert reply.headers["allow"] == "GET"
    assert api.call(http_event("PUT", "/me/avatars/01J00000000000000000000000")).headers[
        "allow"] == "DELETE, GET"
    # A static path is its own resource, not an id for DELETE /generations/{generation_id}.
    stats = api.call(http_event("DELETE", "/generations/stats"))
    assert stats.status == 405 and stats.headers["allow"] == "GET"


def test_unknown_route_is_a_json_404(api) -> None:
    reply = api.get("/no/such/route")
    assert reply.status == 404
    assert reply.json() == {"error": {"code": "not_found", "message": "no such route"}}


@pytest.mark.parametrize("body", [
    "{not json", '{"login": "a", "password": NaN}', "[" * 10_000 + "]" * 10_000,
    '{"a":' * 40 + "1" + "}" * 40, '{"login": ' + "9" * 5000 + "}", '{"x": 1e' + "9" * 400 + "}",
])
def test_bodies_it_cannot_read_are_400_invalid_json(api, body) -> None:
    reply = api.call(http_event("POST", "/auth/login", body=body))
    assert reply.status == 400 and reply.error_code == "invalid_json"


JSON_SPELLINGS = ["application/json", "Application/JSON", "APPLICATION/JSON; charset=UTF-8",
                  "application/vnd.api+json", "application/merge-patch+json",
                  "application/problem+json", "text/x+json"]


@pytest.mark.parametrize("content_type", JSON_SPELLINGS)
def test_a_json_body_is_read_in_every_spelling_of_its_media_type(api, content_type) -> None:
    """Any case, any +json suffix (RFC 6839): read as JSON, never a 500."""
    import uuid

    handle = f"spell{uuid.uuid4().hex[:10]}"
    body = ('{"username": "%s", "email": "%s@example.com", "password": "a long passphrase"}'
            % (handle, handle))
    registered = api.call(http_event("POST", "/auth/register", body=body,
                                     headers={"content-type": content_type}))
    assert registered.status == 201, registered.body
    wrong = api.call(http_event("POST", "/auth/login", body='{"login": "%s", "password": "nope-nope"}'
                                % handle, headers={"content-type": content_type}))
    assert wrong.status == 401 and wrong.error_code == "invalid_credentials"


@pytest.mark.parametrize("content_type", [*JSON_SPELLINGS, "text/plain",
                                          "application/x-www-form-urlencoded"])
@pytest.mark.parametrize("path", ["/auth/login", "/auth/register", "/auth/refresh"])
def test_an_empty_body_of_any_type_is_a_4xx_never_a_500(api, content_type, path) -> None:
    reply = api.call(http_event("POST", path, headers={"content-type": content_type}))
    assert reply.status == 422 and reply.error_code == "invalid_request", reply.body


def test_every_error_is_one_compact_json_encoding(api) -> None:
    """The edge's, the resolver's, and the checks before routing answer alike."""
    answers = [api.call(http_event("POST", "/auth/login", body="{nope")),  # the edge
               api.get("/no/such/route"),  # the resolver
               api.call(http_event("DELETE", "/generations/stats")),  # before routing
               api.get("/me")]  # the missing token, before routing
    for reply in answers:
        assert reply.status >= 400 and ", " not in reply.body and '": ' not in reply.body, \
            reply.body


def test_a_lone_surrogate_in_a_string_is_400_invalid_json(api) -> None:
    reply = api.call(http_event("POST", "/auth/login",
                                body='{"login": "a\\ud800", "password": "x"}'))
    assert reply.status == 400 and reply.error_code == "invalid_json"
    assert "lone surrogate" in reply.json()["error"]["message"]


def test_a_body_that_is_not_utf8_is_400_invalid_json(api) -> None:
    import base64

    event = http_event("POST", "/auth/login", headers={"content-type": "application/json"})
    event["body"] = base64.b64encode(b'{"login": "\xff\xfe", "password": "x"}').decode()
    event["isBase64Encoded"] = True
    reply = api.call(event)
    assert reply.status == 400 and reply.error_code == "invalid_json"
    assert reply.json()["error"]["message"] == "the body is not valid JSON: it is not UTF-8"


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml",
                                          "multipart/form-data; boundary=x", ""])
def test_a_body_that_is_not_json_is_415_before_authentication(api, content_type) -> None:
    event = http_event("POST", "/me/avatar/uploads", body='{"content_type": "image/png"}')
    event["headers"] = {k: v for k, v in event["headers"].items() if k != "content-type"}
    if content_type:
        event["headers"]["content-type"] = content_type
    reply = api.call(event)
    assert reply.status == 415 and reply.error_code == "unsupported_media_type"


def test_every_answer_carries_the_security_headers(api) -> None:
    anonymous = api.get("/health")
    assert anonymous.headers["x-content-type-options"] == "nosniff"
    assert anonymous.headers["content-security-policy"].startswith("default-src 'none'")
    signed_in = api.call(http_event("GET", "/me", headers={"authorization": "Bearer nope"}))
    assert signed_in.status == 401 and signed_in.headers["cache-control"] == "no-store"
    assert signed_in.headers["x-content-type-options"] == "nosniff"


def test_unexpected_errors_are_500_without_details_and_logged_with_the_request_id(
        api, monkeypatch, structured_logs) -> None:
    from portrait.services.accounts import profiles

    def explode(user_id):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(profiles, "get_profile", explode)
    event = http_event("GET", "/users/01JAAAAAAAAAAAAAAAAAAAAAAA")
    reply = api.call(event)
    assert reply.status == 500
    assert reply.json() == {"error": {"code": "internal_error", "message": "an internal error occurred"}}
    assert "secret" not in reply.body

    logged = [r for r in structured_logs() if r.get("message") == "unhandled error"]
    assert logged, "the failure was not logged"
    assert logged[0]["correlation_id"] == event["requestContext"]["requestId"]
    assert "secret internal detail" in logged[0]["exception"]


def test_a_write_that_keeps_losing_races_is_a_retryable_409(api, monkeypatch) -> None:
    from botocore.exceptions import ClientError
    from pynamodb.exceptions import UpdateError

    from portrait.services.accounts import profiles

    def busy(user_id):
        raise UpdateError("Failed to update item", ClientError(
            {"Error": {"Code": "TransactionConflictException"}}, "UpdateItem"))

    monkeypatch.setattr(profiles, "get_profile", busy)
    reply = api.call(http_event("GET", "/users/01JAAAAAAAAAAAAAAAAAAAAAAA"))
    assert reply.status == 409 and reply.error_code == "conflict"
    assert reply.headers["retry-after"] == "1"


def test_health_reports_ok(api) -> None:
    reply = api.get("/health")
    assert reply.status == 200
    # No pose is seeded here: healthy all the same, saying how far the catalogue got.
    assert reply.json() == {"status": "ok", "version": portrait.__version__,
                            "checks": {"settings": "ok", "table": "ok", "bucket": "ok"},
                            "catalogue": {"seeded": 0, "expected": len(generate_catalogue()),
                                          "complete": False},
                            # Nothing listed yet (the hourly StorageCountsFunction): no time.
                            "storage": {"prefixes": {prefix: {"objects": 0, "bytes": 0} for prefix
                                                     in ("avatars", "media", "generations", "tmp")},
                                        "as_of": None, "age_seconds": None}}


def test_health_says_how_far_seeding_got_until_it_is_complete(api, monkeypatch) -> None:
    # A catalogue of 60 poses: the whole generated one (~930) through moto's transactions,
    # which copy the table on every call, took 20 s and showed nothing more.
    catalogue = generate_catalogue()[:60]
    monkeypatch.setattr(health, "_catalogue_size", lambda: len(catalogue))
    seed_pose_catalogue(catalogue=catalogue[:40])
    assert api.get("/health").json()["catalogue"] == {"seeded": 40, "expected": len(catalogue),
                                                      "complete": False}
    seed_pose_catalogue(catalogue=catalogue)
    reply = api.get("/health")
    assert reply.status == 200 and reply.json()["catalogue"] == {  # the counts, not null
        "seeded": len(catalogue), "expected": len(catalogue), "complete": True}


def test_health_expects_the_whole_generated_catalogue() -> None:
    assert health._catalogue_size() == len(generate_catalogue()) > 900


def test_health_names_the_unreachable_bucket(api, monkeypatch) -> None:
    monkeypatch.setenv("MEDIA_BUCKET", "portrait-no-such-bucket")
    get_settings.cache_clear()
    reply = api.get("/health")
    assert reply.status == 503
    checks = reply.json()["checks"]
    assert checks["bucket"] != "ok" and checks["table"] == "ok" and checks["settings"] == "ok"


def test_health_names_the_missing_table(api, monkeypatch) -> None:
    monkeypatch.setenv("USERS_TABLE", "portrait-no-such-table")
    get_settings.cache_clear()
    reply = api.get("/health")
    assert reply.status == 503
    assert reply.json()["checks"]["table"] == "ResourceNotFoundException"


def test_invalid_settings_fail_health_and_other_routes_say_not_configured(api, monkeypatch) -> None:
    monkeypatch.delenv("USERS_TABLE")
    get_settings.cache_clear()
    health = api.get("/health")
    assert health.status == 503
    assert "USERS_TABLE" in health.json()["checks"]["settings"]
    assert health.json()["version"] == portrait.__version__  # known without any setting
    login = api.post("/auth/login", {"login": "ada", "password": "whatever-password"})
    assert login.status == 503 and login.error_code == "not_configured"


def test_without_a_signing_key_token_routes_answer_503_not_configured(api, monkeypatch) -> None:
    boto3.client("secretsmanager").create_secret(Name="portrait/empty-keys", SecretString='{"keys": []}')
    monkeypatch.setenv("SIGNING_KEY_SECRET", "portrait/empty-keys")
    get_settings.cache_clear()
    api.register(username="nokey", email="nokey@example.com")
    for reply in (api.post("/auth/login", {"login": "nokey", "password": "correct horse battery"}),
                  api.get("/.well-known/jwks.json")):
        assert reply.status == 503
        assert reply.error_code == "not_configured"
        assert "portrait keys rotate" in reply.json()["error"]["message"]


def test_jwks_publishes_public_keys_only(api) -> None:
    reply = api.get("/.well-known/jwks.json")
    assert reply.status == 200 and "max-age" in reply.headers["cache-control"]
    # Every key of the set (an earlier test in this process may have rotated one in).
    keys = reply.json()["keys"]
    assert keys and len({key["kid"] for key in keys}) == len(keys)
    for key in keys:
        assert set(key) == {"kty", "crv", "x", "y", "kid", "alg", "use"}  # no "d": public only
        assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("EC", "P-256", "ES256", "sig")


def test_swagger_ui_is_served_without_a_cdn(api) -> None:
    reply = api.get("/docs")
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/html")
    assert "SwaggerUIBundle" in reply.body
    for cdn in ("unpkg.com", "cdn.jsdelivr.net", "cdnjs.cloudflare.com"):
        assert cdn not in reply.body


@pytest.mark.parametrize("path", ["/docs", "/health", "/.well-known/jwks.json"])
def test_public_routes_need_no_token(api, path) -> None:
    assert api.get(path).status == 200
