"""IndexFunction's work: the project and profile events, applied to the search index.

Events arrive at least once and in any order. Every write carries the
project's version, and the index keeps only the newest (portrait.search.port):
the same event three times, or an older one after a newer, changes nothing.
The display name is not in the project events (the portfolio clients' payload has the
account name): it is read from the users table as the document is written,
and profile.updated rewrites it on all of the user's documents.
"""
from __future__ import annotations

from typing import Any

from portrait.observability import logger
from portrait.search import engine
from portrait.search.port import ProjectDocument
from portrait.store import users

PROJECT_UPSERTS = ("project.created", "project.updated")


def document_of(detail: dict[str, Any], name: str | None) -> ProjectDocument:
    """The search document of a project event's detail (or of a stored project)."""
    return ProjectDocument(
        project_id=detail["project_id"], user_id=detail["user_id"],
        username=detail.get("username") or "", name=name or detail.get("username") or "",
        title=detail["title"], description=detail.get("description") or "",
        tags=tuple(detail.get("tags") or ()), thumbnail_key=detail.get("thumbnail_key"),
        created_at=detail["created_at"], updated_at=detail["updated_at"],
        version=int(detail["version"]))


def display_name(user_id: str) -> str | None:
    user = users.get_user(user_id)
    return user.name if user else None


def apply_event(detail_type: str, detail: dict[str, Any]) -> str:
    """Apply one domain event; returns what happened (for the logs and tests):
    indexed | deleted | renamed:<n> | stale (an equal or newer version is there) | ignored."""
    index = engine()
    if detail_type in PROJECT_UPSERTS:
        written = index.index(document_of(detail, display_name(detail["user_id"])))
        return "indexed" if written else "stale"
    if detail_type == "project.deleted":
        written = index.delete(detail["project_id"], int(detail["version"]))
        return "deleted" if written else "stale"
    if detail_type == "profile.updated":
        return f"renamed:{index.rename_user(detail['user_id'], detail['name'])}"
    logger.info("an event search does not index", extra={"detail_type": detail_type})
    return "ignored"
