"""The JSON the OpenSearch adapter sends, and how it reads the answers.

Pure functions, no client: the unit tests hold every request body to the exact
JSON it must be, without a server. The adapter (portrait.search.opensearch)
only moves these bodies over the wire.

Choices, and why:

- Relevance is `multi_match` of type `most_fields` over title^3, name^2 and
  description: the score of each field that matches is added, weighted, which is
  the seed's rule ("title x3, display name x2, description x1") and what Tantivy's
  query parser does with boosted default fields. `best_fields` would keep only the
  best field's score, so a word in both title and description would count once.
- Typos: `fuzziness: "AUTO:5,<n>"` gives no edit below 5 letters and one edit from
  5 letters on; the upper bound is past the longest possible query, so no word ever
  gets the second edit plain AUTO gives from 8 letters on.
- Prefix on the last word: a second `should` clause, `bool_prefix` with only the
  last word, on `.prefix` sub-fields analysed without stemming. On the english
  fields "runnin" would be a prefix of no stem ("running" is indexed as "run").
- Facets are a terms aggregation over the query's matches; the tag filter is a
  `post_filter`, so it narrows the hits but not the counts.
- Tombstones (deleted projects) stay in the index so late updates cannot bring a
  project back; every query excludes them with `must_not deleted`.
- Suggestions: one `_search` per keystroke over `suggest`, a keyword field holding
  the phrase terms of the title and tags (portrait.search.completions, the very
  terms the Tantivy adapter reads): one per word start, so a prefix typed from any
  word begins a term. A `prefix` filter keeps the projects holding such a term and
  a terms aggregation whose `include` regex is that prefix counts the distinct
  phrases over them, most frequent first (one bucket per phrase, however many
  projects share it; tombstones hold no term and are excluded anyway); `top_hits`
  gives each title the newest project holding it, whose spelling it shows. Not the
  completion suggester:
  it returns documents, not phrases, so "Photo App" would come back once per
  project (or, with skip_duplicates, once per typed word), its weights are per
  document rather than counts across them, and deleted documents stay in its FST
  until a merge.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from portrait.search.completions import (
    KIND_MARKS,
    distinct,
    index_terms,
    shown,
    tag_of,
    typed_key,
)
from portrait.search.port import (
    MAX_QUERY_LENGTH,
    Hit,
    ProjectDocument,
    SearchQuery,
    SearchResult,
    Suggestion,
    TagCount,
)

TEXT_FIELDS = {"title": 3, "name": 2, "description": 1}
HIGHLIGHT_TAGS = ("<mark>", "</mark>")
FACET_SIZE = 50
# OpenSearch refuses from + size beyond index.max_result_window (10 000 by default).
MAX_RESULT_WINDOW = 10_000
# One edit from 5 letters on, never two: no word of a query can reach the upper bound.
FUZZINESS = f"AUTO:5,{MAX_QUERY_LENGTH + 1}"
# Characters Lucene's regular expressions give a meaning to. A typed key holds only
# letters, digits, spaces and its kind's mark; escaping them anyway costs nothing.
REGEX_SPECIAL = frozenset('.?+*|{}[]()"\\#@&<>~')
# Phrases counted per kind: one phrase in two cases takes two buckets.
_SUGGEST_FANOUT = 2


def _live_only() -> dict[str, Any]:
    return {"must_not": [{"term": {"deleted": True}}]}


def _searchable_text() -> dict[str, Any]:
    # english: stems and drops stop words for relevance; .prefix keeps whole words for
    # prefixes of what the user is still typing.
    return {
        "type": "text",
        "analyzer": "english",
        "fields": {"prefix": {"type": "text", "analyzer": "standard"}},
    }


def index_body(*, serverless: bool) -> dict[str, Any]:
    """Settings and mapping of a fresh index.

    `dynamic: strict` turns a misspelt field into an error instead of a new mapping.
    `version` is a long: external versions are 64-bit. A Serverless collection
    chooses shards itself and refuses shard settings, so it gets none.
    """
    body: dict[str, Any] = {
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "project_id": {"type": "keyword"},
                "user_id": {"type": "keyword"},
                "username": {"type": "keyword"},
                "name": _searchable_text(),
                "title": _searchable_text(),
                "description": _searchable_text(),
                "tags": {"type": "keyword"},
                "thumbnail_key": {"type": "keyword", "index": False},
                "created_at": {"type": "date"},
                "updated_at": {"type": "date"},
                "version": {"type": "long"},
                "deleted": {"type": "boolean"},
                "suggest": {"type": "keyword"},
            },
        },
    }
    if not serverless:
        # One shard: a few hundred thousand small documents fit easily, and scores
        # then come from one set of term statistics (stable ranking, stable tests).
        body["settings"] = {"index": {"number_of_shards": 1}}
    return body


def document_source(document: ProjectDocument) -> dict[str, Any]:
    return {
        "project_id": document.project_id,
        "user_id": document.user_id,
        "username": document.username,
        "name": document.name,
        "title": document.title,
        "description": document.description,
        "tags": list(document.tags),
        "thumbnail_key": document.thumbnail_key,
        "created_at": document.created_at,
        "updated_at": document.updated_at,
        "version": document.version,
        "deleted": False,
        "suggest": suggest_terms(document),
    }


def suggest_terms(document: ProjectDocument) -> list[str]:
    """The phrase terms of the title and of each tag (as the tag filter sees it)."""
    tags = [tag.strip().lower() for tag in document.tags]
    return index_terms("title", (document.title,))[0] + index_terms("tag", tags)[0]


def tombstone_source(project_id: str, version: int) -> dict[str, Any]:
    # No title, tags or suggest: a tombstone can match no query, facet or suggestion
    # even before the must_not filter.
    return {"project_id": project_id, "version": version, "deleted": True}


def version_params(version: int, version_type: str = "external") -> dict[str, Any]:
    if not 0 <= version < 2**63:
        raise ValueError(f"an external version must be in [0, 2^63): {version}")
    return {"version": version, "version_type": version_type}


def search_body(query: SearchQuery) -> dict[str, Any]:
    text = query.text.strip()
    start = (query.page - 1) * query.size
    beyond_window = start + query.size > MAX_RESULT_WINDOW
    body: dict[str, Any] = {
        # A page past the result window has no hits; totals and facets still count.
        "from": 0 if beyond_window else start,
        "size": 0 if beyond_window else query.size,
        "track_total_hits": True,
        "track_scores": True,
        "query": _text_query(text) if text else {"bool": _live_only()},
        "sort": _sort(by_score=bool(text)),
        "aggs": {"tags": {"terms": _tag_terms(FACET_SIZE)}},
    }
    if text:
        body["highlight"] = _highlight()
    if query.tags:
        body["post_filter"] = {"terms": {"tags": list(query.tags)}}
    return body


def _text_query(text: str) -> dict[str, Any]:
    last_word = text.split()[-1]
    return {
        "bool": {
            "should": [
                {
                    "multi_match": {
                        "query": text,
                        "type": "most_fields",
                        "fields": _boosted(""),
                        "fuzziness": FUZZINESS,
                    }
                },
                {
                    "multi_match": {
                        "query": last_word,
                        "type": "bool_prefix",
                        "fields": _boosted(".prefix"),
                    }
                },
            ],
            "minimum_should_match": 1,
            **_live_only(),
        }
    }


def _boosted(suffix: str) -> list[str]:
    return [f"{field}{suffix}^{boost}" if boost != 1 else f"{field}{suffix}"
            for field, boost in TEXT_FIELDS.items()]


def _sort(*, by_score: bool) -> list[dict[str, Any]]:
    # project_id last: equal timestamps still page in one stable order.
    newest = [{"updated_at": {"order": "desc"}}, {"project_id": {"order": "desc"}}]
    return ([{"_score": {"order": "desc"}}] if by_score else []) + newest


def _tag_terms(size: int) -> dict[str, Any]:
    return {"field": "tags", "size": size, "order": [{"_count": "desc"}, {"_key": "asc"}]}


def _highlight() -> dict[str, Any]:
    whole = {"number_of_fragments": 0}
    return {
        "pre_tags": [HIGHLIGHT_TAGS[0]],
        "post_tags": [HIGHLIGHT_TAGS[1]],
        "encoder": "html",
        # The prefix clause queries the .prefix sub-fields; without this its word
        # would never be marked in the fields shown.
        "require_field_match": False,
        "fields": {
            "title": whole,
            "name": whole,
            "description": {"fragment_size": 150, "number_of_fragments": 3},
        },
    }


def suggest_body(prefix: str, limit: int) -> dict[str, Any] | None:
    """The one search answering suggest(); None when the text holds no word."""
    keys = {kind: typed_key(kind, prefix) for kind in KIND_MARKS}
    if keys["title"] is None:
        return None
    begun = {kind: {"prefix": {"suggest": key}} for kind, (key, _) in keys.items()}
    phrases = {kind: {"terms": {"field": "suggest", "size": limit * _SUGGEST_FANOUT,
                                "order": [{"_count": "desc"}, {"_key": "asc"}],
                                "include": _prefix_regex(key)}}
               for kind, (key, _) in keys.items()}
    phrases["title"]["aggs"] = {"newest": {"top_hits": {
        "size": 1, "sort": [{"updated_at": "desc"}], "_source": ["project_id", "title"]}}}
    return {
        "size": 0,
        "query": {"bool": {"filter": [{"bool": {"should": list(begun.values()),
                                                  "minimum_should_match": 1}}],
                           **_live_only()}},
        "aggs": {f"{kind}s": {"filter": begun[kind], "aggs": {"phrases": phrases[kind]}}
                 for kind in KIND_MARKS},
    }


def _prefix_regex(prefix: str) -> str:
    escaped = "".join(f"\\{c}" if c in REGEX_SPECIAL else c for c in prefix)
    return f"{escaped}.*"


def user_documents_body(user_id: str, *, after: list[Any] | None, size: int) -> dict[str, Any]:
    """One page of a user's live documents, with their versions, for rename_user."""
    body: dict[str, Any] = {
        "size": size,
        "version": True,
        "query": {"bool": {"filter": [{"term": {"user_id": user_id}}], **_live_only()}},
        "sort": [{"project_id": {"order": "asc"}}],
    }
    if after:
        body["search_after"] = after
    return body


def renamed_lines(hits: Iterable[Mapping[str, Any]], name: str) -> list[dict[str, Any]]:
    """Each hit written again whole with the new name, at the version it has.

    Not `_update_by_query` nor partial updates: both write with internal versioning,
    which adds one to `_version`, so the project's next real update (version + 1)
    would then be refused as old. `external_gte` at the stored version keeps
    `_version` equal to the project's version, and still fails (409) if a newer
    version landed since the hit was read.
    """
    lines: list[dict[str, Any]] = []
    for hit in hits:
        action = {"_index": hit["_index"], "_id": hit["_id"],
                  **version_params(int(hit["_version"]), "external_gte")}
        lines += [{"index": action}, {**hit["_source"], "name": name}]
    return lines


def alias_actions(alias: str, *, add: str, remove: Iterable[str] = ()) -> dict[str, Any]:
    """One `_aliases` request: every remove and the add apply atomically together."""
    actions: list[dict[str, Any]] = [
        {"remove": {"index": index, "alias": alias}} for index in remove
    ]
    actions.append({"add": {"index": add, "alias": alias}})
    return {"actions": actions}


def bulk_lines(index: str, documents: Iterable[ProjectDocument]) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for document in documents:
        action = {"_index": index, "_id": document.project_id,
                  **version_params(document.version)}
        lines += [{"index": action}, document_source(document)]
    return lines


# --- answers ---------------------------------------------------------------------


def document_from_source(source: Mapping[str, Any]) -> ProjectDocument | None:
    if source.get("deleted"):
        return None
    return ProjectDocument(
        project_id=source["project_id"],
        user_id=source["user_id"],
        username=source["username"],
        name=source["name"],
        title=source["title"],
        description=source["description"],
        tags=tuple(source.get("tags") or ()),
        thumbnail_key=source.get("thumbnail_key"),
        created_at=source["created_at"],
        updated_at=source["updated_at"],
        version=int(source["version"]),
    )


def search_result(response: Mapping[str, Any]) -> SearchResult:
    hits = []
    for hit in response["hits"]["hits"]:
        document = document_from_source(hit["_source"])
        if document is not None:
            hits.append(Hit(document=document, score=float(hit.get("_score") or 0.0),
                            highlights=dict(hit.get("highlight") or {})))
    buckets = response.get("aggregations", {}).get("tags", {}).get("buckets", [])
    return SearchResult(
        hits=hits,
        total=int(response["hits"]["total"]["value"]),
        tag_facets=[TagCount(tag=b["key"], count=int(b["doc_count"])) for b in buckets],
    )


def suggestions(response: Mapping[str, Any], limit: int) -> list[Suggestion]:
    """Titles and tags taken in turn, so both kinds show when both have matches; one
    per phrase, most frequent first; a title as its newest project spells it."""
    found: dict[str, list[Suggestion]] = {}
    for kind in KIND_MARKS:
        buckets = (response.get("aggregations", {}).get(f"{kind}s", {})
                   .get("phrases", {}).get("buckets", []))
        by_term = {bucket["key"]: bucket for bucket in buckets}
        counted = [(bucket["key"], int(bucket["doc_count"])) for bucket in buckets]
        found[kind] = [_suggestion(kind, term, by_term[term])
                       for term, _ in distinct(counted, limit)]
    titles = [title for title in found["title"] if title is not None]
    tags = found["tag"]
    merged: list[Suggestion] = []
    for i in range(max(len(titles), len(tags))):
        merged += titles[i:i + 1] + tags[i:i + 1]
    return merged[:limit]


def _suggestion(kind: str, term: str, bucket: Mapping[str, Any]) -> Suggestion | None:
    if kind == "tag":
        return Suggestion(tag_of(term), "tag")
    hits = bucket.get("newest", {}).get("hits", {}).get("hits", [])
    if not hits:
        return None
    newest = hits[0]["_source"]
    return Suggestion(shown(newest["title"]), "title", newest["project_id"])
