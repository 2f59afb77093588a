"""Writing to one Tantivy index folder: a writer's turn, and a rebuild's fill
and catch-up.

A turn opens an IndexWriter, writes, commits and drops it, so no process keeps
Tantivy's one-writer lock between batches (the caller holds the flock around
it: tantivy_index). A write applies only above the stored version, which the
turn reads first; that is safe because the turn's holder is the only writer.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterable, Iterator

import tantivy
from tantivy import Occur, Query

from portrait.search.port import ProjectDocument
from portrait.search.tantivy_queries import addresses, live, term
from portrait.search.tantivy_schema import (
    DELETED,
    PROJECT_ID,
    SOURCE,
    USER_ID,
    VERSION,
    WRITTEN_MS,
    document_fields,
    from_source,
    now_ms,
    tombstone_fields,
)
from portrait.search.tantivy_storage import Opened, unavailable

WRITER_HEAP_BYTES = 32_000_000
_REBUILD_HEAP_BYTES = 128_000_000


class WriteSession:
    """One writer's turn on one index folder: its IndexWriter, and the versions it
    wrote but has not committed (a second event for a project in the same batch
    compares against the first)."""

    def __init__(self, opened: Opened, *, heap_bytes: int, threads: int) -> None:
        opened.refresh()
        self.opened = opened
        self._searcher = opened.index.searcher()
        self._nothing_committed = self._searcher.num_docs == 0
        self._writer = opened.index.writer(heap_size=heap_bytes, num_threads=threads)
        self.pending: dict[str, int] = {}

    def stored_version(self, project_id: str) -> int | None:
        if project_id in self.pending:
            return self.pending[project_id]
        if self._nothing_committed or not self._searcher.doc_freq(PROJECT_ID, project_id):
            return None  # never stored (a new project: the usual case): no search needed
        query = term(self.opened.schema, PROJECT_ID, project_id)
        hits = self._searcher.search(query, limit=1).hits
        if not hits:
            return None
        return self._searcher.fast_field_values(VERSION, [hits[0][1]])[0]

    def apply(self, project_id: str, version: int, fields: dict) -> bool:
        """Write unless the stored version (or a tombstone's) is as new or newer."""
        stored = self.stored_version(project_id)
        if stored is not None and stored >= version:
            return False
        self.replace(project_id, version, fields, stored=stored is not None)
        return True

    def replace(self, project_id: str, version: int, fields: dict, *, stored: bool = True) -> None:
        """Write the document in place of the stored one (`stored`: there may be one)."""
        if stored:
            # Deletes apply to documents added before them, so delete-then-add is an upsert.
            self._writer.delete_documents_by_term(PROJECT_ID, project_id)
        # from_dict takes each value's type from the schema: three times faster than
        # Document(**fields), which guesses it.
        self._writer.add_document(tantivy.Document.from_dict(fields, self.opened.schema))
        self.pending[project_id] = version

    def live_documents_of(self, user_id: str) -> list[ProjectDocument]:
        """The user's committed live documents (flush() first to include this batch)."""
        query = live(self.opened.schema, term(self.opened.schema, USER_ID, user_id))
        return [from_source(self._searcher.doc(address).get_first(SOURCE))
                for address in addresses(self._searcher, query)]

    def flush(self) -> None:
        """Commit so far, keeping the turn: reads see this batch afterwards."""
        if self.pending:
            self._writer.commit()
            self.opened.refresh()
            self._searcher = self.opened.index.searcher()
            self._nothing_committed = False
            self.pending.clear()

    def finish(self) -> None:
        self._writer.commit()
        # Dropping a writer abandons its merges; waiting lets them land, so
        # segments do not pile up when each batch has its own writer.
        self._writer.wait_merging_threads()
        self.opened.refresh()

    def abandon(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.rollback()
            self._writer.wait_merging_threads()


@contextlib.contextmanager
def turn(opened: Opened, *, heap_bytes: int, threads: int) -> Iterator[WriteSession]:
    """A write session on `opened`: committed when the block ends, rolled back if
    it raises."""
    with unavailable("open the index for writing"):
        session = WriteSession(opened, heap_bytes=heap_bytes, threads=threads)
    try:
        yield session
    except BaseException:
        session.abandon()
        raise
    with unavailable("commit"):
        session.finish()


def fill(fresh: Opened, documents: Iterable[ProjectDocument]) -> int:
    """Write `documents` into a rebuild's fresh folder, with a bigger heap and as
    many threads as Tantivy chooses (threads=0); how many were written."""
    with turn(fresh, heap_bytes=_REBUILD_HEAP_BYTES, threads=0) as session:
        for document in documents:
            session.apply(document.project_id, document.version,
                          document_fields(document, now_ms()))
    return len(session.pending)


def catch_up(previous: Path, fresh: Opened, after_ms: int) -> None:
    """Copy into `fresh` what the folder `previous` got after `after_ms`, and every
    tombstone (so a late event cannot bring a deleted project back)."""
    try:
        old = Opened(previous)
    except (OSError, ValueError):
        return  # the old index is gone: nothing to carry over
    searcher, schema = old.index.searcher(), old.schema
    recent = Query.range_query(schema, WRITTEN_MS, tantivy.FieldType.Integer,
                               lower_bound=after_ms, include_lower=False)
    query = Query.boolean_query([(Occur.Should, recent),
                                 (Occur.Should, term(schema, DELETED, True))])
    found = addresses(searcher, query)
    versions = searcher.fast_field_values(VERSION, found) if found else []
    now = now_ms()
    with turn(fresh, heap_bytes=WRITER_HEAP_BYTES, threads=1) as session:
        for address, version in zip(found, versions):
            stored = searcher.doc(address)
            source = stored.get_first(SOURCE)
            project_id = stored.get_first(PROJECT_ID)
            fields = (document_fields(from_source(source), now) if source
                      else tombstone_fields(project_id, version, now))
            session.apply(project_id, version, fields)
