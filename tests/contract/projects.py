"""Project documents for the contract suite, and ways to read results.

Each document gets an `updated_at` a minute after the previous one unless a
test names it, so "newest first" is always decided and readable from the ids.
"""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from portrait.search.port import ProjectDocument, SearchResult

_EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)
_minutes = itertools.count(1)


def timestamp(minute: int) -> str:
    """ISO 8601 with milliseconds, `minute` minutes after a fixed start."""
    moment = _EPOCH + timedelta(minutes=minute)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def project(project_id: str, title: str = "Untitled", *, description: str = "",
            name: str = "Ada Lovelace", tags: tuple[str, ...] = (), user_id: str = "u-ada",
            version: int = 1, updated_at: str | None = None) -> ProjectDocument:
    return ProjectDocument(
        project_id=project_id, user_id=user_id, username=user_id.removeprefix("u-"),
        name=name, title=title, description=description, tags=tags,
        thumbnail_key=f"projects/{project_id}/cover.webp", created_at=timestamp(0),
        updated_at=updated_at or timestamp(next(_minutes)), version=version)


def ids(result: SearchResult) -> list[str]:
    return [hit.document.project_id for hit in result.hits]
