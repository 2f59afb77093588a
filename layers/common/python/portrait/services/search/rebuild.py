"""Rebuilding the search index from the projects table: everything goes into a fresh
index, then the alias switches to it, so searches keep answering from the old one
until then.

Only IndexFunction writes to the index (in AWS its role alone may), so the API
does not rebuild: POST /admin/search/reindex queues a request IndexFunction
carries out. `portrait search reindex` runs the same rebuild where it is run,
with a progress bar. Display names are read once per user, not once per project.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from portrait.config import get_settings
from portrait.errors import NotConfigured
from portrait import metric_catalogue as M
from portrait.observability import emit, logger
from portrait.search import engine
from portrait.search.port import ProjectDocument, RebuildReport
from portrait.services.portfolio.project_payload import project_detail
from portrait.services.search.indexing import display_name, document_of
from portrait.store import queues
from portrait.store.portfolio import projects

REBUILD_REQUEST = "search.rebuild"  # the `kind` of a rebuild request on the index queue


@dataclass(frozen=True)
class RebuildQueued:
    status: str
    projects: int  # how many the rebuild will index


def _documents(progress: Callable[[int], None] | None) -> Iterator[ProjectDocument]:
    names: dict[str, str | None] = {}
    for count, project in enumerate(projects.iter_all_projects(), start=1):
        if project.user_id not in names:
            names[project.user_id] = display_name(project.user_id)
        yield document_of(project_detail(project), names[project.user_id])
        if progress:
            progress(count)


def rebuild_search_index(progress: Callable[[int], None] | None = None) -> RebuildReport:
    """`progress(n)` is called after each of the n projects read."""
    report = engine().rebuild(_documents(progress))
    emit(M.SEARCH_INDEX_REBUILT)
    logger.info("search index rebuilt", extra={"indexed": report.indexed,
                                               "index": report.index_name})
    return report


def request_rebuild(admin_user_id: str) -> RebuildQueued:
    """Queue a rebuild for IndexFunction; answers how many projects it will index."""
    queue_url = get_settings().search_index_queue_url
    if not queue_url:
        raise NotConfigured("no search index queue is configured (SEARCH_INDEX_QUEUE_URL)")
    queues.send(queue_url, json.dumps({"kind": REBUILD_REQUEST, "requested_by": admin_user_id}))
    return RebuildQueued(status="queued", projects=project_count())


def project_count() -> int:
    """How many projects a rebuild will read (exact: a count scan)."""
    return projects.count_projects()


def is_rebuild_request(message: dict[str, Any]) -> bool:
    return message.get("kind") == REBUILD_REQUEST
