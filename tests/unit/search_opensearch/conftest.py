"""Fixtures of the OpenSearch adapter's tests: a scripted engine and adapters on it."""
from __future__ import annotations

from typing import Any

import pytest

from portrait.search.opensearch import OpenSearchIndex

from .fakes import ENDPOINT, REBUILD_TIME, FakeEngine


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def make_index(engine: FakeEngine):
    def make(service: str = "es", *, alias_exists: bool = True, **options: Any) -> OpenSearchIndex:
        index = OpenSearchIndex(ENDPOINT, region="us-east-1", service=service,
                                alias="projects", http_auth=("test", "test"),
                                connection_class=engine.connection_class(),
                                sleep=engine.sleeps.append, now=lambda: REBUILD_TIME,
                                **options)
        # The alias check of a process's first write is tested on its own; the other
        # tests script the requests that follow it.
        index._ensured = alias_exists
        return index
    return make
