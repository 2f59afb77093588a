"""Reply shapes of /search, /search/suggest and the reindex routes."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _FromViews(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SearchHit(_FromViews):
    project_id: str
    title: str
    description: str
    tags: list[str]
    user_id: str
    username: str = Field(description="the owner's handle (as on users and projects)")
    name: str = Field(description="the owner's display name")
    thumbnail_url: str | None
    score: float
    highlights: dict[str, list[str]] = Field(
        description="field -> fragments, the matched words in <mark>…</mark> (HTML-escaped)",
        examples=[{"title": ["<mark>Expense</mark> Tracker"]}])
    updated_at: str


class TagFacet(_FromViews):
    tag: str
    count: int


class Facets(_FromViews):
    tags: list[TagFacet] = Field(description="tags of all the query's matches, most first")


class SearchPage(_FromViews):
    items: list[SearchHit]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null at "
                                                "the end (or `page`, for a numbered pager)")
    total: int = Field(description="projects matching the query")
    page: int
    size: int
    pages: int
    facets: Facets


class SuggestionReply(_FromViews):
    text: str
    kind: Literal["title", "tag"]
    project_id: str | None = None


class ReindexQueued(_FromViews):
    status: Literal["queued"]
    projects: int = Field(description="how many projects the rebuild will index")
