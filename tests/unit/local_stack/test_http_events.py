"""Routing, request -> payload 2.0 event, and result -> HTTP response."""
from __future__ import annotations

import base64

import pytest
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model

from portrait_local.http_events import Route, build_event, find_route, http_response, is_text

ROUTES = [Route("Proxy", "ANY", "/{proxy+}", "api"), Route("Item", "GET", "/items/{id}", "api"),
          Route("Exact", "GET", "/items/special", "api"), Route("AnyItem", "ANY", "/items/{id}", "api")]


@pytest.mark.parametrize("method, path, function, params", [
    ("GET", "/items/special", "Exact", {}),
    ("GET", "/items/7", "Item", {"id": "7"}),
    ("DELETE", "/items/7", "AnyItem", {"id": "7"}),
    ("GET", "/items/7/more", "Proxy", {"proxy": "items/7/more"}),
    ("POST", "/health", "Proxy", {"proxy": "health"}),
])
def test_the_most_specific_route_wins(method, path, function, params):
    route, found = find_route(ROUTES, method, path)
    assert (route.function_id, found) == (function, params)


def test_root_is_not_taken_by_a_greedy_route_but_default_takes_anything():
    assert find_route(ROUTES, "GET", "/") is None
    default = Route("Default", "ANY", "$default", "api")
    route, params = find_route(ROUTES + [default], "GET", "/")
    assert (route.route_key, params) == ("$default", {})


def event(**overrides):
    args = dict(method="POST", raw_path="/items/a%2Fb", raw_query="x=1&x=2&y=",
                headers=[("Host", "localhost:3000"), ("Cookie", "a=1; b=2"), ("X-A", "1"),
                         ("x-a", "2"), ("Content-Type", "application/json"),
                         ("User-Agent", "ua")],
                body=b'{"k": 1}', source_ip="10.0.0.1",
                route=Route("Item", "POST", "/items/{id}", "api1"),
                path_parameters={"id": "a/b"}, account_id="123456789012", now=1700000000.5)
    args.update(overrides)
    return build_event(**args)


def test_event_follows_payload_2():
    built = event()
    APIGatewayProxyEventV2Model.model_validate(built)
    assert built["routeKey"] == "POST /items/{id}"
    assert built["cookies"] == ["a=1", "b=2"]
    assert built["headers"] == {"host": "localhost:3000", "x-a": "1,2",
                                "content-type": "application/json", "user-agent": "ua"}
    assert built["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert built["body"] == '{"k": 1}' and built["isBase64Encoded"] is False
    context = built["requestContext"]
    assert context["time"] == "14/Nov/2023:22:13:20 +0000"
    assert context["timeEpoch"] == 1700000000500
    assert (context["domainName"], context["domainPrefix"]) == ("localhost:3000", "localhost")


def test_binary_bodies_are_base64_and_empty_parts_are_left_out():
    built = event(headers=[("Content-Type", "multipart/form-data; boundary=x")], body=b"\x00\x01",
                  raw_query="", path_parameters={})
    assert built["isBase64Encoded"] is True and base64.b64decode(built["body"]) == b"\x00\x01"
    for absent in ("cookies", "queryStringParameters", "pathParameters"):
        assert absent not in built
    assert "body" not in event(body=b"")


@pytest.mark.parametrize("content_type, text", [
    ("application/json", True), ("application/json; charset=utf-8", True),
    ("text/plain", True), ("application/vnd.api+json", True), ("application/xml", True),
    ("image/png", False), ("application/octet-stream", False), (None, False),
    ("application/x-www-form-urlencoded", False),
])
def test_text_content_types(content_type, text):
    assert is_text(content_type) is text


def test_responses():
    assert http_response({"ok": 1}) == (200, [("content-type", "application/json")], b'{"ok": 1}')
    assert http_response("hi") == (200, [("content-type", "application/json")], b"hi")
    status, headers, body = http_response({"statusCode": 204})
    assert (status, body) == (204, b"") and ("content-type", "text/plain; charset=utf-8") in headers
    status, headers, body = http_response({
        "statusCode": 302, "headers": {"Location": "/x"}, "cookies": ["s=1"],
        "body": base64.b64encode(b"\xff").decode(), "isBase64Encoded": True})
    assert (status, body) == (302, b"\xff")
    assert ("Location", "/x") in headers and ("set-cookie", "s=1") in headers
