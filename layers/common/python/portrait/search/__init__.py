"""Project search behind one port (portrait.search.port): `engine()` is the adapter the
settings choose, and the only place that knows which engine that is."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from portrait.config import get_settings
from portrait.errors import NotConfigured
from portrait.search.port import SearchIndex


@lru_cache(maxsize=1)
def engine() -> SearchIndex:
    """The process's search adapter (kept across warm invocations). Imported lazily:
    the Tantivy bindings exist only where the local stack runs, opensearch-py only in
    the layer."""
    settings = get_settings()
    if settings.search_engine == "tantivy":
        from portrait.search.tantivy_index import TantivyIndex

        return TantivyIndex(Path(settings.search_index_dir), alias=settings.search_alias)
    if not settings.search_endpoint:
        raise NotConfigured("search is not configured: deploy with SearchEndpoint or "
                            "CreateSearchCollection=true")
    from portrait.search.opensearch import OpenSearchIndex

    return OpenSearchIndex(settings.search_endpoint, region=settings.region,
                           service=settings.search_service, alias=settings.search_alias)
