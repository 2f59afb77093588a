"""A scripted stand-in for an OpenSearch server, at the connection level.

The adapter runs its real client and transport (serialisation, query
parameters, error classes, the Retry-After wrapper); only the HTTP exchange is
replaced: FakeEngine records each request and answers from a script, raising
as a real connection does for statuses the caller did not expect.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from opensearchpy import Connection

from portrait.search.port import ProjectDocument

EXPECTED = Path(__file__).parent / "expected"
ENDPOINT = "https://search-portrait.us-east-1.es.amazonaws.com"
REBUILD_TIME = datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=timezone.utc)


def expected(name: str) -> Any:
    return json.loads((EXPECTED / f"{name}.json").read_text())


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    body: Any


@dataclass
class FakeEngine:
    requests: list[Request] = field(default_factory=list)
    script: list[Any] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    def reply(self, body: Any = None, *, status: int = 200,
              headers: dict[str, str] | None = None) -> "FakeEngine":
        self.script.append((status, headers or {}, body))
        return self

    def fail(self, error: Exception) -> "FakeEngine":
        self.script.append(error)
        return self

    def answer(self, connection: Connection, ignore: Any) -> tuple[int, dict, str]:
        step = self.script.pop(0) if self.script else (200, {}, {})
        if isinstance(step, Exception):
            raise step
        status, headers, body = step
        raw = "" if body is None else json.dumps(body)
        if not 200 <= status < 300 and status not in (ignore or ()):
            connection._raise_error(status, raw, "application/json")
        return status, headers, raw

    def connection_class(self) -> type[Connection]:
        engine = self

        class FakeConnection(Connection):
            def perform_request(self, method, url, params=None, body=None, timeout=None,
                                ignore=(), headers=None):
                engine.requests.append(Request(method, url, _text_params(params),
                                               _decode(url, body)))
                return engine.answer(self, ignore)

        return FakeConnection


def _text_params(params: Any) -> dict[str, str]:
    # opensearch-py escapes parameter values to bytes before the connection urlencodes them.
    return {key: value.decode() if isinstance(value, bytes) else str(value)
            for key, value in (params or {}).items()}


def _decode(url: str, body: Any) -> Any:
    if body is None:
        return None
    text = body.decode() if isinstance(body, bytes) else body
    if url.endswith("/_bulk"):
        return [json.loads(line) for line in text.splitlines() if line]
    return json.loads(text)


def project(project_id: str = "01JPROJECT", version: int = 7, **changes: Any) -> ProjectDocument:
    fields: dict[str, Any] = dict(
        project_id=project_id, user_id="01JUSER", username="ada", name="Ada Lovelace",
        title="Analytical engine notes", description="Notes on <the> engine & its programs",
        tags=("python", "history"), thumbnail_key="media/01JUSER/01JMEDIA/thumb.jpg",
        created_at="2025-01-02T03:04:05.006Z", updated_at="2025-02-03T04:05:06.007Z",
        version=version,
    )
    fields.update(changes)
    return ProjectDocument(**fields)
