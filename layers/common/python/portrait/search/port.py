"""The search port: what the rest of Portrait may ask of a search engine.

Two adapters implement it, and one contract suite (tests/contract/) holds both
to it: OpenSearch in AWS (portrait.search.opensearch) and Tantivy on disk
locally (portrait.search.tantivy_index). Nothing outside portrait.search knows
which one is behind `portrait.search.engine()`.

Documents are projects. Their id is the project id and their version the
project's `version` (one more per write; project.deleted carries the last
version + 1): a write with a version not above the stored one changes nothing,
so duplicated and late events never overwrite newer state. A deletion is kept
as a tombstone at its version (never shown, never counted), so an older
update arriving after it cannot bring the project back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal, Protocol

MAX_QUERY_LENGTH = 200
MAX_PAGE_SIZE = 50


class SearchUnavailable(RuntimeError):
    """The engine cannot be reached or refused to answer (the API answers 503 with
    Retry-After; an indexing consumer lets the queue retry)."""

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class ProjectDocument:
    project_id: str
    user_id: str
    username: str  # the account name (never changes)
    name: str  # the owner's display name (profile.updated rewrites it)
    title: str
    description: str
    tags: tuple[str, ...]
    thumbnail_key: str | None
    created_at: str
    updated_at: str  # ISO 8601 with milliseconds: ties in score are broken newest first
    version: int


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""  # empty: every project (with `tags`: those projects), newest first
    tags: tuple[str, ...] = ()  # any of these (lower-case)
    page: int = 1
    size: int = 20


@dataclass(frozen=True)
class Hit:
    document: ProjectDocument
    score: float
    # field -> fragments with the matched words wrapped in <mark>...</mark> (HTML-escaped
    # otherwise): title, description, name.
    highlights: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class TagCount:
    tag: str
    count: int


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    total: int  # all matches, not just this page
    tag_facets: list[TagCount]  # over all matches of the query (before the tag filter), most first


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: Literal["title", "tag"]
    project_id: str | None = None  # titles only


@dataclass(frozen=True)
class RebuildReport:
    indexed: int
    index_name: str  # the fresh index the alias now points at
    previous: str | None  # the index it pointed at before (dropped after the switch)


class SearchIndex(Protocol):
    def index(self, document: ProjectDocument) -> bool:
        """Store the document unless one of an equal or higher version is stored (or a
        tombstone is); True if it was written."""

    def delete(self, project_id: str, version: int) -> bool:
        """Replace the project by a tombstone at `version` unless something newer is
        stored; True if it was written."""

    def rename_user(self, user_id: str, name: str) -> int:
        """Set the display name on every document of this user; how many changed."""

    def search(self, query: SearchQuery) -> SearchResult:
        """Relevance: title x3, display name x2, description x1; words of 5+ letters
        match with one typo; the last word also as a prefix; any of the tags; ties newest
        first. Raises SearchUnavailable."""

    def suggest(self, prefix: str, limit: int = 5) -> list[Suggestion]:
        """Up to `limit` completions of `prefix` from titles and tags."""

    def rebuild(self, documents: Iterable[ProjectDocument]) -> RebuildReport:
        """Index everything into a fresh index, then switch the alias to it: searches keep
        answering from the old index until the switch."""

    def get(self, project_id: str) -> ProjectDocument | None:
        """The stored document (None for none or a tombstone): for tests and checks."""
