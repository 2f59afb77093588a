"""GET /search and GET /search/suggest: project search, on the port.

The engine answers with documents; this shapes them for clients (URLs from
keys, page counts) and turns an engine that cannot answer into a 503 the
client may retry, never a 500.
"""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Callable, TypeVar

from portrait.errors import Unavailable
from portrait.services import cursors
from portrait.observability import logger
from portrait.search import engine
from portrait.search.port import SearchQuery, SearchUnavailable, Suggestion, TagCount
from portrait.store import objects

T = TypeVar("T")
MAX_PAGE = 1000  # pages past this answer 422 (deep paging costs the engine most)
_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,2}|1000")


@dataclass(frozen=True)
class SearchResultView:
    project_id: str
    title: str
    description: str
    tags: list[str]
    user_id: str
    username: str  # the owner's handle, as everywhere else
    name: str  # the owner's display name
    thumbnail_url: str | None
    score: float
    highlights: dict[str, list[str]]
    updated_at: str


@dataclass(frozen=True)
class SearchPageView:
    """A page of hits in the one list shape ({items, next_cursor}), with what a pager and
    a tag filter need."""

    items: list[SearchResultView]
    next_cursor: str | None
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


def search_projects(query: SearchQuery, cursor: str | None = None) -> SearchPageView:
    """A page of hits: `query.page`, or the page a `next_cursor` names (it wins)."""
    if cursor is not None:
        query = dataclasses.replace(query, page=page_of(cursor))
    result = _answered(lambda: engine().search(query))
    results = [SearchResultView(
        project_id=hit.document.project_id, title=hit.document.title,
        description=hit.document.description, tags=list(hit.document.tags),
        user_id=hit.document.user_id, username=hit.document.username, name=hit.document.name,
        thumbnail_url=(objects.public_url(hit.document.thumbnail_key)
                       if hit.document.thumbnail_key else None),
        score=round(hit.score, 4), highlights=hit.highlights,
        updated_at=hit.document.updated_at) for hit in result.hits]
    pages = math.ceil(result.total / query.size) if result.total else 0
    return SearchPageView(items=results, next_cursor=page_cursor(query.page + 1, pages),
                          total=result.total, page=query.page, size=query.size, pages=pages,
                          facets={"tags": result.tag_facets})


def page_cursor(page: int, pages: int) -> str | None:
    """The cursor of page `page` (None past the last): the one way every list pages."""
    return cursors.encode_cursor("page", str(page)) if page <= min(pages, MAX_PAGE) else None


def page_of(cursor: str) -> int:
    """The page a cursor from page_cursor names; InvalidInput (invalid_cursor) otherwise."""
    return int(cursors.decode_cursor(cursor, "page", pattern=_PAGE_NUMBER))


def suggest(prefix: str, limit: int = 5) -> list[Suggestion]:
    return _answered(lambda: engine().suggest(prefix, limit))
