"""Failures: what the engine could answer later is SearchUnavailable (with the
Retry-After it asked for), what retrying cannot fix is SearchRequestError; and
how the client is put together (endpoint, SigV4 for the service)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import requests
from opensearchpy.exceptions import ConnectionError, ConnectionTimeout, TransportError

from portrait.search.opensearch import OpenSearchIndex, _host
from portrait.search.opensearch_errors import SearchRequestError, parse_retry_after
from portrait.search.port import SearchQuery, SearchUnavailable

from .fakes import ENDPOINT, project

QUERY = SearchQuery(text="python")


def test_no_connection_is_unavailable_after_one_retry(engine, make_index):
    engine.fail(ConnectionError("N/A", "connection refused", None))
    engine.fail(ConnectionError("N/A", "connection refused", None))

    with pytest.raises(SearchUnavailable) as raised:
        make_index().search(QUERY)
    assert raised.value.retry_after == 5
    assert len(engine.requests) == 2


def test_a_dropped_keep_alive_connection_is_retried_once(engine, make_index):
    engine.fail(ConnectionError("N/A", "connection reset", None)).reply({"result": "created"})

    assert make_index().index(project()) is True


def test_a_timeout_is_unavailable_without_a_retry(engine, make_index):
    engine.fail(ConnectionTimeout("TIMEOUT", "read timed out", None))

    with pytest.raises(SearchUnavailable):
        make_index().index(project())
    assert len(engine.requests) == 1


@pytest.mark.parametrize(("status", "headers", "retry_after"), [
    (503, {"Retry-After": "7"}, 7),
    (429, {"retry-after": "30"}, 30),
    (429, {}, 5),
    (500, {}, 5),
    (502, {"Retry-After": "later"}, 5),
    (504, {"Retry-After": "86400"}, 300),
])
def test_busy_answers_are_unavailable_with_their_retry_after(engine, make_index, status,
                                                             headers, retry_after):
    engine.reply({"error": "busy"}, status=status, headers=headers)

    with pytest.raises(SearchUnavailable) as raised:
        make_index().search(QUERY)
    assert raised.value.retry_after == retry_after
    assert len(engine.requests) == 1  # a busy engine is not asked again at once


def test_a_transport_error_raised_by_the_connection_itself_is_unavailable(engine, make_index):
    engine.fail(TransportError(503, "service unavailable", None))

    with pytest.raises(SearchUnavailable) as raised:
        make_index().delete("01JPROJECT", 8)
    assert raised.value.retry_after == 5


def test_a_retry_after_date_becomes_seconds():
    now = datetime(2025, 3, 4, 12, 0, 0, tzinfo=timezone.utc)

    assert parse_retry_after("Tue, 04 Mar 2025 12:00:42 GMT", now=now) == 42
    assert parse_retry_after("Tue, 04 Mar 2025 11:00:00 GMT", now=now) == 1
    assert parse_retry_after("0") == 1
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(("status", "error_type"), [
    (400, "parsing_exception"),
    (403, "security_exception"),
])
def test_a_refused_request_is_a_clear_error_not_unavailable(engine, make_index, status,
                                                            error_type):
    engine.reply({"error": {"type": error_type, "reason": "no [query] registered for [x]"},
                  "status": status}, status=status)

    with pytest.raises(SearchRequestError) as raised:
        make_index().search(QUERY)
    assert (raised.value.status, raised.value.error_type) == (status, error_type)
    assert f"{error_type}: no [query] registered for [x]" in str(raised.value)


def test_a_throttled_bulk_item_makes_the_rebuild_unavailable(engine, make_index):
    engine.reply({"acknowledged": True})
    engine.reply({"errors": True, "items": [{"index": {"_id": "01JA", "status": 429, "error": {
        "type": "es_rejected_execution_exception", "reason": "queue full"}}}]})

    with pytest.raises(SearchUnavailable):
        make_index().rebuild([project("01JA")])
    assert engine.requests[-1].method == "DELETE"  # the half-loaded index is dropped


def test_a_refused_bulk_item_names_the_document_and_the_reason(engine, make_index):
    engine.reply({"hits": {"hits": [{"_index": "projects-initial", "_id": "01JA",
                                     "_version": 7, "_source": {"name": "Old"}}]}})
    engine.reply({"errors": True, "items": [{"index": {"_id": "01JA", "status": 400, "error": {
        "type": "strict_dynamic_mapping_exception", "reason": "mapping set to strict"}}}]})

    with pytest.raises(SearchRequestError, match="01JA.*strict_dynamic_mapping_exception"):
        make_index().rename_user("01JUSER", "New")


def test_an_unknown_service_or_a_bad_alias_is_refused_at_once():
    with pytest.raises(ValueError):
        OpenSearchIndex(ENDPOINT, region="us-east-1", service="opensearch", http_auth=("a", "b"))
    with pytest.raises(ValueError):
        OpenSearchIndex(ENDPOINT, region="us-east-1", alias="Projects", http_auth=("a", "b"))


@pytest.mark.parametrize(("endpoint", "host"), [
    ("https://abc123.us-east-1.aoss.amazonaws.com",
     {"host": "abc123.us-east-1.aoss.amazonaws.com", "port": 443, "use_ssl": True,
      "url_prefix": ""}),
    ("search-portrait.eu-west-1.es.amazonaws.com",
     {"host": "search-portrait.eu-west-1.es.amazonaws.com", "port": 443, "use_ssl": True,
      "url_prefix": ""}),
    ("http://localhost:9200/", {"host": "localhost", "port": 9200, "use_ssl": False,
                                "url_prefix": ""}),
])
def test_endpoints_with_or_without_a_scheme(endpoint, host):
    assert _host(endpoint) == host


@pytest.mark.parametrize("service", ["aoss", "es"])
def test_requests_are_signed_with_sigv4_for_the_service(monkeypatch, service):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    search_index = OpenSearchIndex("https://abc123.us-east-1.aoss.amazonaws.com",
                                   region="us-east-1", service=service)
    (connection,) = search_index._client.transport.connection_pool.connections

    signed = connection.session.auth(requests.Request(
        "POST", "https://abc123.us-east-1.aoss.amazonaws.com/projects/_search",
        data=b"{}").prepare())

    assert f"/us-east-1/{service}/aws4_request" in signed.headers["Authorization"]
    assert "X-Amz-Content-SHA256" in signed.headers  # collections refuse requests without it
