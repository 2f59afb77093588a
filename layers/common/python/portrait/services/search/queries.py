"""GET /search and GET /search/suggest: project search, on the port.

The engine answers with documents; this shapes them for clients (URLs from
keys, page counts) and turns an engine that cannot answer into a 503 the
client may retry, never a 500.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, TypeVar

from portrait.errors import Unavailable
from portrait.observability import logger
from portrait.search import engine
from portrait.search.port import SearchQuery, SearchUnavailable, Suggestion, TagCount
from portrait.store import objects

T = TypeVar("T")


@dataclass(frozen=True)
class SearchResultView:
    project_id: str
    title: str
    description: str
    tags: list[str]
    user_id: str
    username: str  # the portfolio clients' field name; it holds the display name
    name: str
    thumbnail_url: str | None
    score: float
    highlights: dict[str, list[str]]
    updated_at: str


@dataclass(frozen=True)
class SearchPageView:
    results: list[SearchResultView]
    total: int
    page: int
    size: int
    pages: int
    facets: dict[str, list[TagCount]]


def _answered(call: Callable[[], T]) -> T:
    try:
        return call()
    except SearchUnavailable as exc:
        logger.warning("the search engine did not answer", extra={"error": str(exc)})
        raise Unavailable("search is unavailable for a moment; try again",
                          code="search_unavailable", retry_after=exc.retry_after) from None


def search_projects(query: SearchQuery) -> SearchPageView:
    result = _answered(lambda: engine().search(query))
    results = [SearchResultView(
        project_id=hit.document.project_id, title=hit.document.title,
        description=hit.document.description, tags=list(hit.document.tags),
        user_id=hit.document.user_id, username=hit.document.name, name=hit.document.name,
        thumbnail_url=(objects.public_url(hit.document.thumbnail_key)
                       if hit.document.thumbnail_key else None),
        score=round(hit.score, 4), highlights=hit.highlights,
        updated_at=hit.document.updated_at) for hit in result.hits]
    return SearchPageView(results=results, total=result.total, page=query.page, size=query.size,
                          pages=math.ceil(result.total / query.size) if result.total else 0,
                          facets={"tags": result.tag_facets})


def suggest(prefix: str, limit: int = 5) -> list[Suggestion]:
    return _answered(lambda: engine().suggest(prefix, limit))
