"""HTTP requests become payload 2.0 events and responses come back, as API Gateway does."""
from __future__ import annotations

import base64
import json

import pytest
import requests
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model

from portrait_local.api_gateway import ApiGateway


@pytest.fixture(scope="module")
def api(stack_template, runtime):
    gateway = ApiGateway(stack_template, runtime.invoke, host="127.0.0.1", port=0,
                         report=lambda *args: None)
    gateway.start()
    yield f"http://127.0.0.1:{gateway.port}"
    gateway.stop()


def echoed(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()["event"]


def test_request_becomes_a_payload_2_event(api, stack_template):
    response = requests.get(
        f"{api}/items/it%20em-1?tag=a&tag=b&empty=&q=x%26y",
        headers={"X-Multi": "one", "Cookie": "session=abc; theme=dark", "User-Agent": "pytest"})
    event = echoed(response)
    APIGatewayProxyEventV2Model.model_validate(event)
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /items/{id}"
    assert event["rawPath"] == "/items/it%20em-1"
    assert event["rawQueryString"] == "tag=a&tag=b&empty=&q=x%26y"
    assert event["queryStringParameters"] == {"tag": "a,b", "empty": "", "q": "x&y"}
    assert event["pathParameters"] == {"id": "it em-1"}
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-multi"] == "one"
    assert event["isBase64Encoded"] is False and "body" not in event
    context = event["requestContext"]
    assert context["http"] == {"method": "GET", "path": "/items/it%20em-1",
                               "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                               "userAgent": "pytest"}
    assert context["stage"] == "$default"
    assert context["apiId"] == stack_template.physical_id("Api")
    assert context["routeKey"] == "GET /items/{id}"
    assert response.json()["function"] == "fixture-EchoFunction"
    assert 0 < response.json()["remaining_ms"] <= 10_000


def test_repeated_headers_are_comma_joined(api):
    import http.client
    host, port = api.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port))
    connection.putrequest("GET", "/items/1")
    connection.putheader("X-Dup", "one")
    connection.putheader("X-Dup", "two")
    connection.endheaders()
    event = json.loads(connection.getresponse().read())["event"]
    assert event["headers"]["x-dup"] == "one,two"


def test_bodies_text_as_is_binary_as_base64_and_greedy_paths(api):
    text = echoed(requests.post(f"{api}/files/a/b/c.json", json={"x": 1}))
    assert text["routeKey"] == "ANY /files/{proxy+}"
    assert text["pathParameters"] == {"proxy": "a/b/c.json"}
    assert (text["body"], text["isBase64Encoded"]) == ('{"x": 1}', False)
    blob = bytes(range(256))
    binary = echoed(requests.put(f"{api}/files/img.png", data=blob,
                                 headers={"Content-Type": "image/png"}))
    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == blob


def test_a_text_body_that_is_not_utf8_arrives_as_its_bytes_in_base64(api):
    """Never decoded with replacement characters: the function sees what was sent."""
    raw = b'{"name": "\xff\xfe"}'
    event = echoed(requests.post(f"{api}/files/x", data=raw,
                                 headers={"Content-Type": "application/json"}))
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == raw


def _raw_request(api: str, request: bytes, timeout: float = 30) -> bytes:
    import socket

    host, port = api.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
            if b"\r\n\r\n" in received:
                head, _, rest = received.partition(b"\r\n\r\n")
                length = int(next((line.split(b":")[1] for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), b"0"))
                if len(rest) >= length:
                    return received
    return received


@pytest.mark.parametrize("length", [b"-1", b"abc"])
def test_a_content_length_that_is_not_a_size_is_answered_400(api, length):
    reply = _raw_request(api, b"POST /files/x HTTP/1.1\r\nHost: x\r\nContent-Type: "
                              b"application/json\r\nContent-Length: " + length + b"\r\n\r\n{}")
    assert reply.startswith(b"HTTP/1.1 400 ")


@pytest.mark.parametrize("length", [b"1000000000000", b"99999999999999999999"])
def test_a_body_over_api_gateways_limit_is_413_before_it_is_read(api, length):
    reply = _raw_request(api, b"POST /files/x HTTP/1.1\r\nHost: x\r\nContent-Type: "
                              b"application/json\r\nContent-Length: " + length + b"\r\n\r\n{}")
    assert reply.startswith(b"HTTP/1.1 413 ")


def test_a_body_that_trickles_past_its_deadline_is_answered_400(api, monkeypatch):
    """The deadline is for the whole body, not each read: a byte every 0.2 s is cut off."""
    import socket
    import time

    from portrait_local import api_gateway

    monkeypatch.setattr(api_gateway._Handler, "BODY_TIMEOUT_SECONDS", 1.0)
    host, port = api.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(b"POST /files/x HTTP/1.1\r\nHost: x\r\nContent-Type: "
                           b"application/json\r\nContent-Length: 100\r\n\r\n")
        started, reply = time.monotonic(), b""
        connection.settimeout(0.2)
        while time.monotonic() - started < 20 and not reply:
            try:
                connection.sendall(b" ")
                reply = connection.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
    assert reply.startswith(b"HTTP/1.1 400 "), reply


def test_a_body_shorter_than_its_content_length_is_answered_400(api, monkeypatch):
    from portrait_local import api_gateway

    monkeypatch.setattr(api_gateway._Handler, "BODY_TIMEOUT_SECONDS", 0.5)
    reply = _raw_request(api, b"POST /files/x HTTP/1.1\r\nHost: x\r\nContent-Type: "
                              b"application/json\r\nContent-Length: 100\r\n\r\n{}")
    assert reply.startswith(b"HTTP/1.1 400 ")


def test_response_mapping_status_headers_cookies_base64(api):
    document = {"statusCode": 201, "headers": {"x-one": "1", "content-type": "image/gif"},
                "multiValueHeaders": {"x-many": ["a", "b"]},
                "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
                "body": base64.b64encode(b"GIF89a\x00\x01").decode(), "isBase64Encoded": True}
    response = requests.post(f"{api}/respond", json=document)
    assert response.status_code == 201
    assert response.content == b"GIF89a\x00\x01"
    assert response.headers["x-one"] == "1" and response.headers["content-type"] == "image/gif"
    assert response.headers["x-many"] == "a, b"
    assert response.raw.headers.getlist("set-cookie") == ["a=1; Path=/", "b=2; HttpOnly"]


def test_a_result_without_status_code_is_a_200_json_document(api):
    response = requests.post(f"{api}/respond", json={"hello": "world"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"hello": "world"}


def test_unrouted_requests_get_api_gateways_404(api):
    response = requests.get(f"{api}/nowhere")
    assert (response.status_code, response.json()) == (404, {"message": "Not Found"})
    assert requests.delete(f"{api}/items/1").status_code == 404  # GET-only route


def test_cors_preflight_and_response_headers_from_the_template(api):
    preflight = requests.options(f"{api}/items/1", headers={
        "Origin": "http://app.example", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://app.example"
    assert preflight.headers["access-control-allow-methods"] == "GET,POST"
    assert preflight.headers["access-control-allow-headers"] == "content-type"
    assert preflight.headers["access-control-max-age"] == "60"
    denied = requests.options(f"{api}/items/1", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in denied.headers
    response = requests.get(f"{api}/items/1", headers={"Origin": "http://localhost:3000"})
    # API Gateway's CORS headers replace the function's own.
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert response.headers["access-control-expose-headers"] == "x-echo"


def test_web_client_files_are_served_before_routing(api):
    index = requests.get(f"{api}/")
    assert index.status_code == 200 and "hello from web/" in index.text
    assert index.headers["content-type"] == "text/html"
    assert requests.get(f"{api}/style.css").headers["content-type"] == "text/css"
    assert requests.get(f"{api}/../template.yaml").status_code == 404


def test_generated_documents_and_static_headers(stack_template, runtime):
    """The stack's /config.json for the web client, and its headers on the static files."""
    gateway = ApiGateway(stack_template, runtime.invoke, host="127.0.0.1", port=0,
                         report=lambda *args: None,
                         generated={"/config.json": lambda: {"apiBaseUrl": "http://api.test"}},
                         static_headers=lambda: [("content-security-policy", "default-src 'self'")])
    gateway.start()
    try:
        base = f"http://127.0.0.1:{gateway.port}"
        config = requests.get(f"{base}/config.json")
        assert config.json() == {"apiBaseUrl": "http://api.test"}
        assert config.headers["cache-control"] == "no-store"
        index = requests.get(f"{base}/")
        assert index.headers["content-security-policy"] == "default-src 'self'"
        assert index.headers["cache-control"] == "no-cache"
    finally:
        gateway.stop()


def test_a_gateway_never_started_stops_at_once(stack_template, runtime):
    ApiGateway(stack_template, runtime.invoke, host="127.0.0.1", port=0).stop()
