"""What an OpenSearch failure means to Portrait: wait and retry, or a bug.

The port has one retryable error, SearchUnavailable (the API answers 503 with
Retry-After, the indexing queue retries the message). Everything the engine
could answer later is that: no connection, a timeout, 429, any 5xx. A 4xx other
than the few the adapter expects (404 for "nothing there", 409 for "older
version") means the request itself is wrong (a mapping clash, a missing data
access permission, a Serverless API we should not have called): retrying cannot
help, so it is SearchRequestError, with OpenSearch's own reason in the message.

opensearch-py drops response headers when it raises, so Retry-After would be
lost; `with_retry_after` wraps the connection class to keep it.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Iterator

from opensearchpy import Connection
from opensearchpy.exceptions import ConnectionError as TransportConnectionError
from opensearchpy.exceptions import TransportError

from portrait.search.port import SearchUnavailable

DEFAULT_RETRY_AFTER = 5
MAX_RETRY_AFTER = 300
BUSY_STATUSES = (429, 500, 502, 503, 504)


class SearchRequestError(RuntimeError):
    """OpenSearch refused a request that retrying will not fix (a bug or a setup error)."""

    def __init__(self, message: str, *, status: int | str | None = None,
                 error_type: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type


class BusyError(TransportError):
    """A 429 or 5xx answer, with the seconds its Retry-After header asked for."""

    def __init__(self, status: int, raw: Any, retry_after: int | None) -> None:
        super().__init__(status, raw, None)
        self.retry_after = retry_after


def with_retry_after(connection_class: type[Connection]) -> type[Connection]:
    """The same connection class, raising BusyError (with Retry-After) on 429 and 5xx."""

    class RetryAfterConnection(connection_class):  # type: ignore[valid-type,misc]
        def perform_request(self, method: str, url: str, params: Any = None,
                            body: Any = None, timeout: Any = None, ignore: Any = (),
                            headers: Any = None, **kwargs: Any) -> Any:
            expected = tuple(ignore or ())
            status, response_headers, raw = super().perform_request(
                method, url, params, body, timeout=timeout,
                ignore=expected + BUSY_STATUSES, headers=headers, **kwargs)
            if status in BUSY_STATUSES and status not in expected:
                retry_after = parse_retry_after(_header(response_headers, "retry-after"))
                raise BusyError(status, raw, retry_after)
            return status, response_headers, raw

    RetryAfterConnection.__name__ = f"RetryAfter{connection_class.__name__}"
    return RetryAfterConnection


def _header(headers: Any, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> int | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), bounded."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = int(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = int((when - (now or datetime.now(timezone.utc))).total_seconds())
    return min(max(seconds, 1), MAX_RETRY_AFTER)


def error_type(error: TransportError) -> str | None:
    info = error.info if isinstance(error.info, dict) else {}
    cause = info.get("error")
    return cause.get("type") if isinstance(cause, dict) else None


def _reason(error: TransportError) -> str:
    info = error.info if isinstance(error.info, dict) else {}
    cause = info.get("error")
    if isinstance(cause, dict):
        return f"{cause.get('type')}: {cause.get('reason')}"
    return str(error.error)


def translate(error: Exception, action: str) -> Exception:
    """The port's error for an opensearch-py one."""
    if isinstance(error, TransportConnectionError):
        return SearchUnavailable(f"search engine unreachable during {action}: {error}",
                                 retry_after=DEFAULT_RETRY_AFTER)
    if isinstance(error, TransportError):
        status = error.status_code
        if not isinstance(status, int) or status in BUSY_STATUSES:
            retry_after = getattr(error, "retry_after", None) or DEFAULT_RETRY_AFTER
            return SearchUnavailable(f"search engine busy during {action} ({status})",
                                     retry_after=retry_after)
        return SearchRequestError(f"OpenSearch refused {action} ({status}): {_reason(error)}",
                                  status=status, error_type=error_type(error))
    return error


@contextmanager
def engine_errors(action: str) -> Iterator[None]:
    try:
        yield
    except (TransportError, TransportConnectionError) as error:
        raise translate(error, action) from error


def bulk_outcome(response: dict[str, Any], action: str) -> tuple[list[str], list[str]]:
    """(ids written, ids refused as not newer) of a bulk answer; raises on other errors."""
    written: list[str] = []
    refused: list[str] = []
    for item in response.get("items", []):
        (result,) = item.values()
        status = int(result.get("status", 500))
        if status < 300:
            written.append(result.get("_id"))
        elif status == 409:
            refused.append(result.get("_id"))
        elif status in BUSY_STATUSES:
            raise SearchUnavailable(f"search engine busy during {action} ({status})",
                                    retry_after=DEFAULT_RETRY_AFTER)
        else:
            cause = result.get("error") or {}
            raise SearchRequestError(
                f"OpenSearch refused {action} of {result.get('_id')} ({status}): "
                f"{cause.get('type')}: {cause.get('reason')}",
                status=status, error_type=cause.get("type"))
    return written, refused
