"""The search port on Amazon OpenSearch: a Serverless collection ("aoss") or a domain ("es").

Requests are signed with SigV4 from the function's role (boto3's credential
chain) for the service named; the request bodies are built and explained in
opensearch_bodies, error meanings in opensearch_errors.

Ordering: the document id is the project id and OpenSearch's external
versioning (`version_type=external`, version = the project's version) refuses a
write whose version is not above the stored one with a 409, which here means
"older or equal: ignored". A deletion is a tombstone written the same way.
Nothing else ever writes with internal versioning, since that would add one to
`_version` and make the next real update look old (see renamed_lines).

Where a Serverless collection differs from a domain (AWS documents a subset of
the OpenSearch API for collections), the adapter chooses per service:
- refresh: collections have no `_refresh` (404) and refuse `refresh=true`; they
  make writes visible on their own within 10 to 60 s. A rebuild therefore waits
  until `_count` of the fresh index reaches what it wrote before switching the
  alias, where a domain simply refreshes.
- index settings: a collection picks its shards; none are sent.
- `require_alias` (a write to a missing alias must not create a concrete index
  of that name) is sent to domains only.
- `_update_by_query` is not among the collection APIs, and would break external
  versioning anyway: rename_user searches and re-indexes on both.
"""
from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import urlparse

from opensearchpy import Connection, OpenSearch, RequestsHttpConnection
from opensearchpy.exceptions import ConflictError, NotFoundError, RequestError

from portrait.observability import logger
from portrait.search.opensearch_bodies import (
    alias_actions,
    bulk_lines,
    document_from_source,
    document_source,
    index_body,
    renamed_lines,
    search_body,
    search_result,
    suggest_body,
    suggestions,
    tombstone_source,
    user_documents_body,
    version_params,
)
from portrait.search.opensearch_errors import (
    SearchRequestError,
    bulk_outcome,
    engine_errors,
    error_type,
    with_retry_after,
)
from portrait.search.port import (
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    ProjectDocument,
    RebuildReport,
    SearchQuery,
    SearchResult,
    Suggestion,
)

__all__ = ["OpenSearchIndex", "SearchRequestError"]

SERVICES = ("aoss", "es")
BULK_DOCUMENTS = 500  # a bulk request of well under 5 MB; collections cap bulk bodies
USER_PAGE = 200  # a user has at most 200 projects: one page, in practice
RENAME_ATTEMPTS = 3  # a document that moved on during a rename is read and written again
VISIBILITY_POLL_SECONDS = 2.0
ALIAS_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,200}$")


class OpenSearchIndex:
    """SearchIndex on OpenSearch behind `alias`; indexes are `<alias>-<timestamp>`."""

    def __init__(
        self,
        endpoint: str,
        *,
        region: str,
        service: str = "aoss",
        alias: str = "projects",
        http_auth: Any = None,
        connection_class: type[Connection] | None = None,
        timeout: float = 10.0,
        wait_for_refresh: bool = False,
        visibility_timeout: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        if service not in SERVICES:
            raise ValueError(f"service must be one of {SERVICES}: {service!r}")
        if not ALIAS_NAME.match(alias):
            raise ValueError(f"not a valid index alias (lower case, no spaces): {alias!r}")
        self.alias = alias
        self.serverless = service == "aoss"
        # Waiting for a refresh on each write is for tests; collections cannot do it.
        self._wait_for_refresh = wait_for_refresh and not self.serverless
        self._visibility_timeout = visibility_timeout
        self._sleep = sleep
        self._now = now
        self._ensured = False
        self._client = OpenSearch(
            hosts=[_host(endpoint)],
            http_auth=http_auth if http_auth is not None else _sigv4(region, service),
            connection_class=with_retry_after(connection_class or RequestsHttpConnection),
            verify_certs=True,
            timeout=timeout,
            # One retry for a dropped keep-alive connection; a busy engine is not
            # hammered again: the caller answers 503 or the queue retries later.
            max_retries=1,
            retry_on_status=(),
            retry_on_timeout=False,
        )

    # --- writes ----------------------------------------------------------------------

    def index(self, document: ProjectDocument) -> bool:
        return self._write(document.project_id, document_source(document),
                           document.version, "index")

    def delete(self, project_id: str, version: int) -> bool:
        return self._write(project_id, tombstone_source(project_id, version), version, "delete")

    def _write(self, project_id: str, source: dict[str, Any], version: int,
               action: str) -> bool:
        self._ensure_once()
        params = {**version_params(version), **self._write_options()}
        if not self.serverless:
            params["require_alias"] = True
        with engine_errors(action):
            try:
                self._client.index(index=self.alias, id=project_id, body=source, **params)
            except ConflictError:
                return False  # an equal or newer version (or its tombstone) is stored
        return True

    def _write_options(self) -> dict[str, Any]:
        return {"refresh": "wait_for"} if self._wait_for_refresh else {}

    def rename_user(self, user_id: str, name: str) -> int:
        changed = 0
        pending = self._live_user_documents(user_id)
        for _ in range(RENAME_ATTEMPTS):
            stale = [hit for hit in pending if hit["_source"].get("name") != name]
            if not stale:
                break
            written, moved_on = self._bulk(renamed_lines(stale, name), "rename_user")
            changed += len(written)
            # A 409 means a newer version landed since the read; it may still carry
            # the old name (its event was built before the rename): read it again.
            pending = self._current(moved_on, user_id)
        return changed

    def _live_user_documents(self, user_id: str) -> list[dict[str, Any]]:
        hits: list[dict[str, Any]] = []
        after = None
        while True:
            response = self._search(user_documents_body(user_id, after=after, size=USER_PAGE),
                                    "rename_user")
            page = response["hits"]["hits"] if response else []
            hits += page
            if len(page) < USER_PAGE:
                return hits
            after = page[-1]["sort"]

    def _current(self, project_ids: list[str], user_id: str) -> list[dict[str, Any]]:
        if not project_ids:
            return []
        with engine_errors("rename_user"):
            response = self._client.mget(index=self.alias, body={"ids": project_ids})
        return [doc for doc in response["docs"]
                if doc.get("found") and not doc["_source"].get("deleted")
                and doc["_source"].get("user_id") == user_id]

    def _bulk(self, lines: list[dict[str, Any]], action: str) -> tuple[list[str], list[str]]:
        with engine_errors(action):
            response = self._client.bulk(body=lines, **self._write_options())
        return bulk_outcome(response, action)

    # --- reads -----------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        _check(query)
        response = self._search(search_body(query), "search")
        if response is None:
            return SearchResult(hits=[], total=0, tag_facets=[])
        return search_result(response)

    def suggest(self, prefix: str, limit: int = 5) -> list[Suggestion]:
        prefix = prefix.strip()[:MAX_QUERY_LENGTH]
        if not prefix or limit < 1:
            return []
        body = suggest_body(prefix, limit)
        if body is None:  # no word to complete ("(((")
            return []
        response = self._search(body, "suggest")
        return suggestions(response, limit) if response else []

    def get(self, project_id: str) -> ProjectDocument | None:
        with engine_errors("get"):
            try:
                response = self._client.get(index=self.alias, id=project_id)
            except NotFoundError:
                return None
        return document_from_source(response["_source"])

    def _search(self, body: dict[str, Any], action: str) -> dict[str, Any] | None:
        """The answer, or None when there is no index yet (nothing was ever indexed)."""
        with engine_errors(action):
            try:
                return self._client.search(index=self.alias, body=body)
            except NotFoundError as error:
                if error_type(error) == "index_not_found_exception":
                    return None
                raise

    def refresh(self) -> None:
        """Make every write searchable now (domains; for tests). Collections cannot."""
        if not self.serverless:
            with engine_errors("refresh"):
                self._client.indices.refresh(index=self.alias)

    # --- index lifecycle -------------------------------------------------------------

    def _ensure_once(self) -> None:
        """The first write of a process makes sure the alias exists (a new deployment
        has none until something is indexed or rebuilt)."""
        if not self._ensured:
            self.ensure_index()
            self._ensured = True

    def drop(self) -> None:
        """Remove every index behind the alias (the contract suite's cleanup)."""
        self._drop(self._alias_targets())

    def ensure_index(self) -> bool:
        """Create the first index and the alias unless the alias exists; True if created.

        The first index has a fixed name, so two cold starts racing here create it
        once and add the same alias to the same index twice, which is harmless.
        """
        if self._alias_targets():
            return False
        first = f"{self.alias}-initial"
        with engine_errors("ensure_index"):
            try:
                self._client.indices.create(index=first,
                                            body=index_body(serverless=self.serverless))
            except RequestError as error:
                if error_type(error) != "resource_already_exists_exception":
                    raise
            self._client.indices.update_aliases(body=alias_actions(self.alias, add=first))
        return True

    def rebuild(self, documents: Iterable[ProjectDocument]) -> RebuildReport:
        fresh = f"{self.alias}-{self._now():%Y%m%d%H%M%S%f}"
        with engine_errors("rebuild"):
            self._client.indices.create(index=fresh, body=index_body(serverless=self.serverless))
        try:
            indexed = self._load(fresh, documents)
            self._make_visible(fresh, indexed)
            previous = [name for name in self._alias_targets() if name != fresh]
        except BaseException:
            self._drop([fresh])  # nothing points at it yet
            raise
        # One request: searches see the old index, then the new one, never neither. Not
        # in the try: had it failed after the switch, dropping `fresh` would empty search.
        with engine_errors("rebuild"):
            self._client.indices.update_aliases(
                body=alias_actions(self.alias, add=fresh, remove=previous))
        self._drop(previous)
        return RebuildReport(indexed=indexed, index_name=fresh,
                             previous=",".join(previous) or None)

    def _load(self, index: str, documents: Iterable[ProjectDocument]) -> int:
        indexed = 0
        for batch in _batches(documents, BULK_DOCUMENTS):
            written, _older_duplicates = self._bulk(bulk_lines(index, batch), "rebuild")
            indexed += len(written)
        return indexed

    def _make_visible(self, index: str, expected: int) -> None:
        if not self.serverless:
            with engine_errors("rebuild"):
                self._client.indices.refresh(index=index)
            return
        waited = 0.0
        while self._count(index) < expected:
            if waited >= self._visibility_timeout:
                logger.warning("fresh index not fully searchable yet; switching anyway",
                               extra={"index": index, "expected": expected})
                return
            self._sleep(VISIBILITY_POLL_SECONDS)
            waited += VISIBILITY_POLL_SECONDS

    def _count(self, index: str) -> int:
        with engine_errors("rebuild"):
            return int(self._client.count(index=index)["count"])

    def _alias_targets(self) -> list[str]:
        with engine_errors("alias lookup"):
            try:
                return sorted(self._client.indices.get_alias(name=self.alias))
            except NotFoundError:
                return []

    def _drop(self, indices: list[str]) -> None:
        """Delete indices no alias points at; a failure leaves litter, not an outage."""
        for name in indices:
            try:
                with engine_errors("drop index"):
                    self._client.indices.delete(index=name)
            except Exception as error:  # noqa: BLE001 - logged, never fatal
                logger.warning("could not delete an old search index",
                               extra={"index": name, "error": str(error)})


def _host(endpoint: str) -> dict[str, Any]:
    parsed = urlparse(endpoint if "://" in endpoint else f"https://{endpoint}")
    if not parsed.hostname:
        raise ValueError(f"not an OpenSearch endpoint: {endpoint!r}")
    https = parsed.scheme == "https"
    return {"host": parsed.hostname, "port": parsed.port or (443 if https else 80),
            "use_ssl": https, "url_prefix": parsed.path.rstrip("/")}


def _sigv4(region: str, service: str) -> Any:
    import boto3  # only when signing: tests and local runs pass their own auth
    from opensearchpy import RequestsAWSV4SignerAuth

    credentials = boto3.Session().get_credentials()
    if credentials is None:
        raise ValueError("no AWS credentials to sign OpenSearch requests with")
    return RequestsAWSV4SignerAuth(credentials, region, service)


def _check(query: SearchQuery) -> None:
    if len(query.text) > MAX_QUERY_LENGTH:
        raise ValueError(f"query longer than {MAX_QUERY_LENGTH} characters")
    if query.page < 1 or not 1 <= query.size <= MAX_PAGE_SIZE:
        raise ValueError(f"page must be >= 1 and size in 1..{MAX_PAGE_SIZE}")


def _batches(items: Iterable[ProjectDocument], size: int) -> Iterator[list[ProjectDocument]]:
    batch: list[ProjectDocument] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
