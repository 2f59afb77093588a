"""Project search on disk with Tantivy: the engine behind the search port locally.

`make dev` and the tests need a real search engine without a server, so this
adapter keeps the index in a folder through Tantivy's official Python bindings
and answers what the OpenSearch adapter answers in AWS (tests/contract/ holds
both to the same suite).

Several processes share the folder: the index consumer writes, the API reads
and now and then rebuilds. Hence:

- Writers take turns. Tantivy allows one IndexWriter per index (a lock file
  inside it), so a writer holds `<alias>.lock` (flock) for one batch, opens an
  IndexWriter, commits and drops it (a couple of milliseconds): no process
  keeps Tantivy's lock between batches, and a write never fails because
  another process wrote a moment before.
- A write applies only above the stored version, read first (under the flock
  there is one writer, so read-then-write is safe); a deletion leaves a
  tombstone at its version that every read filters out.
- Readers stat `meta.json` before each read and reload when a commit replaced
  it, so another process's commit is seen at once.
- The alias is a small file, `<alias>.alias`, naming the live index folder. A
  rebuild fills a fresh folder, takes the flock, copies over what the consumer
  wrote meanwhile, replaces the alias (os.replace is atomic) and removes the
  old folder. Readers see the new name and reopen; on Linux one still holding
  the old files keeps answering from them until it does.
- User text never reaches a query parser: queries are built from the words
  Tantivy's own analyzers make of it, so no input can make a query fail.

Each concern has its module: tantivy_text (words and highlights),
tantivy_schema (fields and documents), tantivy_queries (queries and results),
tantivy_suggest (completions from the term dictionary), tantivy_storage
(folder, alias, lock) and tantivy_writes (a writer's turn); this one holds the
port's methods and the turns they take.
"""
from __future__ import annotations

import contextlib
import dataclasses
import secrets
import shutil
import threading
from datetime import datetime, timezone
from itertools import zip_longest
from pathlib import Path
from typing import Iterable, Iterator

from tantivy import Query

from portrait.search.completions import shown, tag_of
from portrait.search.port import (
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    ProjectDocument,
    RebuildReport,
    SearchQuery,
    SearchResult,
    Suggestion,
)
from portrait.search.tantivy_queries import (
    by_relevance,
    live,
    newest_first,
    read_hit,
    tag_facets,
    term,
    text_query,
    with_tags,
)
from portrait.search.tantivy_schema import (
    PROJECT_ID,
    SOURCE,
    WRITTEN_MS,
    document_fields,
    from_source,
    normal_tag,
    now_ms,
    tombstone_fields,
)
from portrait.search.tantivy_storage import Alias, Opened, flock, unavailable
from portrait.search.tantivy_suggest import completions, has_deleted_documents, newest_project
from portrait.search.tantivy_text import (
    QueryWord,
    Token,
    highlight,
    query_words,
    tokens,
    within_one_edit,
)
from portrait.search.tantivy_writes import WRITER_HEAP_BYTES, WriteSession, catch_up, fill, turn

__all__ = ["TantivyIndex", "QueryWord", "Token", "highlight", "query_words", "tokens",
           "within_one_edit"]

_LOCK_TIMEOUT_SECONDS = 30.0  # a writer waits this long for its turn, then is unavailable
_REOPEN_TRIES = 3  # a rebuild may remove the folder a reader is about to open


class TantivyIndex:
    """The search port on a Tantivy index in `directory`, behind the alias `alias`.

    Safe to share between threads; any number of processes may read the folder,
    and writers (index, delete, rename_user, batch, rebuild) take turns.
    """

    def __init__(self, directory: Path, *, alias: str = "projects") -> None:
        if not alias or not alias.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"alias must be letters, digits, - and _: {alias!r}")
        self._directory = Path(directory)
        self._alias_name = alias
        self._alias = Alias(self._directory, alias)
        self._opened: Opened | None = None
        # This object's threads take turns here; _lock_depth lets a turn nest (a batch's
        # writes), where a second flock from the same process would wait for itself.
        self._lock = threading.RLock()
        self._lock_depth = 0
        self._session: WriteSession | None = None
        self._session_thread: int | None = None

    # ---- writes

    def index(self, document: ProjectDocument) -> bool:
        with self._writing() as session, unavailable("index a project"):
            return session.apply(document.project_id, document.version,
                                 document_fields(document, now_ms()))

    def delete(self, project_id: str, version: int) -> bool:
        with self._writing() as session, unavailable("delete a project"):
            return session.apply(project_id, version,
                                 tombstone_fields(project_id, version, now_ms()))

    def rename_user(self, user_id: str, name: str) -> int:
        """Same version: the project did not change, its owner's name did."""
        with self._writing() as session, unavailable("rename a user"):
            session.flush()
            renamed = [dataclasses.replace(document, name=name)
                       for document in session.live_documents_of(user_id)
                       if document.name != name]
            for document in renamed:
                session.replace(document.project_id, document.version,
                                document_fields(document, now_ms()))
            return len(renamed)

    @contextlib.contextmanager
    def batch(self) -> Iterator[TantivyIndex]:
        """Write several events with one commit (the index consumer's batch).

        The batch is one turn: other writers wait until it ends. If the block
        raises, what it wrote since the last commit is rolled back (versions
        make the queue's redelivery safe); rename_user commits what came before
        it, so it sees it.
        """
        with self._writing():
            yield self

    def rebuild(self, documents: Iterable[ProjectDocument]) -> RebuildReport:
        """Fill a fresh folder while searches and the consumer go on with the old
        one, then switch the alias (see _switch_to)."""
        if self._owns_session():
            # The batch's writer is on the folder the switch removes.
            raise RuntimeError("rebuild() inside batch(): finish the batch first")
        with unavailable("rebuild"):
            written_before = self._newest_write_ms()
            self._directory.mkdir(parents=True, exist_ok=True)
            fresh = self._create_folder()
            try:
                indexed = fill(fresh, documents)
                previous = self._switch_to(fresh, after_ms=written_before)
            except BaseException:
                shutil.rmtree(self._directory / fresh.name, ignore_errors=True)
                raise
            if previous is not None:
                # Readers still on it keep their open files (Linux); later reads reopen.
                shutil.rmtree(self._directory / previous, ignore_errors=True)
            return RebuildReport(indexed=indexed, index_name=fresh.name, previous=previous)

    # ---- reads

    def search(self, query: SearchQuery) -> SearchResult:
        with unavailable("search"):
            opened = self._reader()
            if opened is None:
                return SearchResult(hits=[], total=0, tag_facets=[])
            searcher, schema = opened.index.searcher(), opened.schema
            words = query_words(query.text)
            if query.text.strip() and not words:
                # Only punctuation, or words too long to be indexed: nothing can match
                # (as in OpenSearch), unlike an empty query, which lists every project.
                return SearchResult(hits=[], total=0, tag_facets=[])
            matching = live(schema, text_query(schema, words))
            tags = sorted({normal_tag(tag) for tag in query.tags} - {""})
            size = min(max(query.size, 1), MAX_PAGE_SIZE)
            offset = (max(query.page, 1) - 1) * size
            rank = by_relevance if words else newest_first
            ranked, total = rank(searcher, with_tags(schema, matching, tags), offset, size)
            hits = [read_hit(searcher, address, score, words) for score, address in ranked]
            return SearchResult(hits=hits, total=total, tag_facets=tag_facets(searcher, matching))

    def suggest(self, prefix: str, limit: int = 5) -> list[Suggestion]:
        """The most frequent titles and tags completing `prefix` from any word start
        (tantivy_suggest), alternately (titles lead): a tag opens many projects, a
        title one, and neither should crowd the other out."""
        prefix = prefix[:MAX_QUERY_LENGTH]
        if limit < 1:
            return []
        with unavailable("suggest"):
            opened = self._reader()
            if opened is None:
                return []
            searcher, schema = opened.index.searcher(), opened.schema
            exact = has_deleted_documents(searcher)
            newest = [newest_project(searcher, schema, term) for term, _ in
                      completions(searcher, schema, "title", prefix, limit, exact=exact)]
            titles = [Suggestion(shown(project.title), "title", project.project_id)
                      for project in newest if project is not None]
            tags = [Suggestion(tag_of(term), "tag") for term, _ in
                    completions(searcher, schema, "tag", prefix, limit, exact=exact)]
            mixed = [suggestion for pair in zip_longest(titles, tags)
                     for suggestion in pair if suggestion is not None]
            return mixed[:limit]

    def get(self, project_id: str) -> ProjectDocument | None:
        with unavailable("read a project"):
            opened = self._reader()
            if opened is None:
                return None
            searcher = opened.index.searcher()
            hits = searcher.search(term(opened.schema, PROJECT_ID, project_id), limit=1).hits
            source = searcher.doc(hits[0][1]).get_first(SOURCE) if hits else None
            return from_source(source) if source else None  # a tombstone has no source

    def live_index_name(self) -> str | None:
        """The folder the alias names (None before the first write)."""
        with unavailable("read the alias"):
            return self._alias.read()

    # ---- the live folder

    def _reader(self) -> Opened | None:
        """The live index, reloaded to its last commit; None before any write."""
        for _ in range(_REOPEN_TRIES - 1):
            # A failure here is most likely a rebuild that switched and removed the
            # folder since the alias was read: read the alias again.
            with contextlib.suppress(OSError, ValueError):
                return self._live()
            self._opened = None
        return self._live()

    def _live(self) -> Opened | None:
        folder = self._alias.read()
        return None if folder is None else self._open(folder)

    def _open(self, folder: str) -> Opened:
        opened = self._opened
        if opened is not None and opened.name == folder:
            opened.refresh()
            return opened
        opened = Opened(self._directory / folder)
        self._opened = opened
        return opened

    def _create_folder(self) -> Opened:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        path = self._directory / f"{self._alias_name}-{stamp}-{secrets.token_hex(3)}"
        path.mkdir()
        return Opened(path, create=True)

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """This object's turn to write, across threads and processes (re-entrant
        within a thread: a second flock in one process would wait for itself)."""
        with self._lock:
            if self._lock_depth:
                self._lock_depth += 1
                try:
                    yield
                finally:
                    self._lock_depth -= 1
                return
            with unavailable("lock the index folder"):
                self._directory.mkdir(parents=True, exist_ok=True)
            with flock(self._directory / f"{self._alias_name}.lock",
                       timeout_seconds=_LOCK_TIMEOUT_SECONDS):
                self._lock_depth = 1
                try:
                    yield
                finally:
                    self._lock_depth = 0

    def _writing(self) -> contextlib.AbstractContextManager[WriteSession]:
        """A write turn on the live folder; inside batch(), the batch's turn (entered
        once per document there: a plain context, not a generator)."""
        if self._owns_session():
            return contextlib.nullcontext(self._session)
        return self._new_turn()

    @contextlib.contextmanager
    def _new_turn(self) -> Iterator[WriteSession]:
        with self._exclusive():
            with unavailable("open the index"):
                opened = self._open(self._alias.read() or self._first_folder())
            with turn(opened, heap_bytes=WRITER_HEAP_BYTES, threads=1) as session:
                self._session, self._session_thread = session, threading.get_ident()
                try:
                    yield session
                finally:
                    self._session = self._session_thread = None

    def _owns_session(self) -> bool:
        return self._session is not None and self._session_thread == threading.get_ident()

    def _first_folder(self) -> str:
        fresh = self._create_folder()
        self._alias.point_to(fresh.name)
        self._opened = fresh
        return fresh.name

    def _newest_write_ms(self) -> int:
        """When the live index was last written (-1: never): what a rebuild's
        catch-up copies is written after it."""
        try:
            opened = self._reader()
        except (OSError, ValueError):
            return -1  # a broken alias: the rebuild is the repair, so carry over what there is
        if opened is None:
            return -1
        hits = opened.index.searcher().search(Query.all_query(), limit=1,
                                              order_by_field=WRITTEN_MS).hits
        return hits[0][0] if hits else -1

    def _switch_to(self, fresh: Opened, *, after_ms: int) -> str | None:
        """Point the alias at `fresh`, first copying into it what the consumer wrote
        to the live index while the rebuild ran (and every tombstone, so a late
        event cannot bring a deleted project back); under the writers' lock, so
        nothing reaches the old index after the copy."""
        with self._exclusive():
            previous = self._alias.read()
            if previous is not None and previous != fresh.name:
                catch_up(self._directory / previous, fresh, after_ms)
            self._alias.point_to(fresh.name)
            self._opened = fresh
            return previous
