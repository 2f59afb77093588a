"""Suggestions from Tantivy's term dictionary: the most frequent phrases under a
typed prefix, without reading a stored document to find them.

The phrase terms (portrait.search.completions) are distinct by construction and
a term's document frequency is its popularity. But Tantivy walks every term
under a prefix to count it, and under one letter lie thousands of phrases
(about 9 000 under "p" at 100 000 projects: ~10 ms). So coarse dictionaries sit
above the phrases: each phrase term's first part ("t:photo "), first two
("t:photo app ") and first three. A coarse term's count bounds the count of
every phrase term beneath it, so a best-first walk (branch and bound) opens
only the branches that can still hold one of the best: some 600 terms read in
twenty-odd small walks instead of 9 000. A phrase popped from the queue is
final: nothing left in it can beat it.

Counts: a term's document frequency still counts the replaced versions of
updated projects until a merge drops them, and a deleted project's words.
That only loosens the coarse bounds. The phrase counts, which rank what is
shown, are exact: when the index holds deleted documents, each phrase branch is
counted over the live documents holding its parent term (a small filter, not
every document), so a deleted project's title is never suggested.
"""
from __future__ import annotations

import heapq

import tantivy
from tantivy import Query

from portrait.search.completions import LEVELS, Kind, phrase_key, typed_key
from portrait.search.port import ProjectDocument
from portrait.search.tantivy_schema import (
    DELETED,
    SOURCE,
    SUGGEST_LEVEL_FIELDS,
    SUGGEST_PHRASES,
    UPDATED_MS,
    from_source,
)

_FIELDS = (*SUGGEST_LEVEL_FIELDS, SUGGEST_PHRASES)  # coarse to fine: one term per suffix each
_PHRASES = len(_FIELDS) - 1  # the level of the phrase terms, the completions themselves
assert len(SUGGEST_LEVEL_FIELDS) == LEVELS
# Phrase terms kept per opened branch: one phrase may be there from two of its words, so
# keep twice what is asked. Coarse terms are all kept: a coarse count is only a bound, so the
# branch with the best bound may hold nothing good and the eleventh the best phrase.
_FANOUT_FACTOR = 2


def has_deleted_documents(searcher: tantivy.Searcher) -> bool:
    """Whether the searcher still holds deleted documents (replaced versions not yet
    merged away): every document, live or tombstone, indexes DELETED once."""
    stored = searcher.doc_freq(DELETED, False) + searcher.doc_freq(DELETED, True)
    return stored != searcher.num_docs


def completions(searcher: tantivy.Searcher, schema: tantivy.Schema, kind: Kind, prefix: str,
                limit: int, *, exact: bool) -> list[tuple[str, int]]:
    """Up to `limit` (phrase term, live projects holding it), most frequent first,
    one per phrase. `exact`: count phrases over live documents only (needed while
    the index holds deleted ones)."""
    typed = typed_key(kind, prefix)
    if typed is None or limit < 1:
        return []
    key, typed_words = typed
    fanout = limit * _FANOUT_FACTOR
    queue: list[tuple[int, int, str]] = []  # (-count, -level, term): finer first on ties

    def open_branch(level: int, under: str, counted: Query | None) -> None:
        kept = fanout if level == _PHRASES else None
        for term, count in searcher.terms_with_prefix(_FIELDS[level], under,
                                                      filter_query=counted, limit=kept):
            heapq.heappush(queue, (-count, -level, term))

    # Typed text of n words starts where terms hold n parts (past LEVELS, at the phrases).
    start = min(typed_words, _PHRASES + 1) - 1
    open_branch(start, key, Query.all_query() if exact and start == _PHRASES else None)
    found: list[tuple[str, int]] = []
    seen: set[str] = set()
    while queue and len(found) < limit:
        negative_count, negative_level, term = heapq.heappop(queue)
        level = -negative_level
        if level < _PHRASES:
            # Phrases are counted over the live documents holding their parent term.
            parent = (Query.term_query(schema, _FIELDS[level], term)
                      if exact and level + 1 == _PHRASES else None)
            open_branch(level + 1, term, parent)
            continue
        if phrase_key(term) not in seen:
            seen.add(phrase_key(term))
            found.append((term, -negative_count))
    return found


def newest_project(searcher: tantivy.Searcher, schema: tantivy.Schema,
                   term: str) -> ProjectDocument | None:
    """The newest live project holding a title's phrase term: the title as it shows,
    and where the suggestion leads."""
    hits = searcher.search(Query.term_query(schema, SUGGEST_PHRASES, term), limit=1,
                           order_by_field=UPDATED_MS).hits
    return from_source(searcher.doc(hits[0][1]).get_first(SOURCE)) if hits else None
