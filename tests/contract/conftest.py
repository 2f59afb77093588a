"""The `search_index` fixture: every adapter of the search port, one fresh index each.

Tantivy always runs (a folder under tmp_path). OpenSearch runs when
OPENSEARCH_ENDPOINT names a domain or collection (AWS_REGION, and
OPENSEARCH_SERVICE "es" or "aoss", say how to sign): each test gets its own
alias, `contract-<uuid>`.

Engines that make writes searchable on a refresh may offer `refresh()`; the
fixture calls it after each write, so tests read what they wrote without
sleeping. An adapter may offer `drop()` too, called after the test to remove
its indices.
"""
from __future__ import annotations

import os
import uuid
from typing import Any, Iterator

import pytest

ADAPTERS = ["tantivy", "opensearch"]
_WRITES = {"index", "delete", "rename_user", "rebuild"}


class Refreshing:
    """The adapter, refreshed after every write (when it can be)."""

    def __init__(self, adapter: Any) -> None:
        self.adapter = adapter

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.adapter, name)
        refresh = getattr(self.adapter, "refresh", None)
        if name not in _WRITES or refresh is None:
            return attribute

        def write_then_refresh(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            refresh()
            return result

        return write_then_refresh


def _opensearch() -> Any:
    endpoint = os.environ.get("OPENSEARCH_ENDPOINT")
    if not endpoint:
        pytest.skip("OPENSEARCH_ENDPOINT is not set: the OpenSearch adapter runs the "
                    "contract suite only against a real domain or collection")
    from portrait.search.opensearch import OpenSearchIndex

    return OpenSearchIndex(endpoint, region=os.environ.get("AWS_REGION", "us-east-1"),
                           service=os.environ.get("OPENSEARCH_SERVICE", "es"),
                           alias=f"contract-{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=ADAPTERS)
def search_index(request: pytest.FixtureRequest, tmp_path) -> Iterator[Refreshing]:
    if request.param == "tantivy":
        from portrait.search.tantivy_index import TantivyIndex

        adapter = TantivyIndex(tmp_path / "search")
    else:
        adapter = _opensearch()
    yield Refreshing(adapter)
    drop = getattr(adapter, "drop", None)
    if drop is not None:
        drop()
