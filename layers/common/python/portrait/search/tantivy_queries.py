"""The Tantivy queries the adapter runs, and how it collects their results.

Queries are built term by term from query_words() (tantivy_text), never parsed
from user text, so no input can make one fail. Where the bindings cannot do
what the port promises in one call (ties in score newest first, exact facet
counts), the functions here make up the difference. Suggestions have their own
module, tantivy_suggest.
"""
from __future__ import annotations

import tantivy
from tantivy import Occur, Query

from portrait.search.port import Hit, TagCount
from portrait.search.tantivy_schema import (
    DELETED,
    FIELD_BOOSTS,
    SOURCE,
    TAGS,
    UPDATED_MS,
    from_source,
    words_field,
)
from portrait.search.tantivy_text import QueryWord, highlight

TAG_FACETS = 50  # the most frequent tags of a result (as many as OpenSearch's FACET_SIZE)
# A typo or an unfinished word matches with a constant score (Tantivy's automaton queries
# do), added to the word's own BM25. At 0.3 x the field's boost they counted about 5 % of
# a typed word (BM25 runs 4-20 here) and a half-typed title lost to any full word; at 2
# the relevance set's mean nDCG@10 goes 0.912 -> 0.927 (typos 0.785 -> 0.832, prefixes
# 0.898 -> 0.950, one-word queries 0.959 -> 0.958): bench/search_relevance.py.
_FUZZY_WEIGHT = 2.0
_PREFIX_WEIGHT = 2.0
_DESCRIPTION_FRAGMENT_CHARS = 200
# Ties in score are ordered newest first by fetching past the page until the score
# drops (see by_relevance); this bounds the fetch when thousands of matches tie.
_TIE_FETCH_MAX = 10_000
_FACET_CANDIDATES = 1_000  # counted exactly, then sorted and cut to TAG_FACETS here
_FACET_SEGMENT_SIZE = 1_000_000  # per segment, so no segment truncates a tag's count

Ranked = tuple[list[tuple[float, tantivy.DocAddress]], int]  # a page of (score, address), total


# ------------------------------------------------------------------------ building


def term(schema: tantivy.Schema, field: str, value: object) -> Query:
    return Query.term_query(schema, field, value)


def live(schema: tantivy.Schema, query: Query) -> Query:
    return Query.boolean_query([(Occur.Must, query),
                                (Occur.MustNot, term(schema, DELETED, True))])


def word_query(schema: tantivy.Schema, word: QueryWord) -> Query:
    """Any field may hold the word: as itself (stemmed, BM25), one edit away, or
    begun by it; each way weighted by the field's boost, the scores summed."""
    ways = []
    for field, boost in FIELD_BOOSTS.items():
        ways.append(Query.boost_query(term(schema, field, word.stem), boost))
        if word.fuzzy:
            typo = Query.fuzzy_term_query(schema, words_field(field), word.text, distance=1)
            ways.append(Query.boost_query(typo, boost * _FUZZY_WEIGHT))
        if word.prefix:
            begun = Query.fuzzy_term_query(schema, words_field(field), word.text, distance=0,
                                           prefix=True)
            ways.append(Query.boost_query(begun, boost * _PREFIX_WEIGHT))
    return Query.boolean_query([(Occur.Should, way) for way in ways])


def text_query(schema: tantivy.Schema, words: list[QueryWord]) -> Query:
    """Any of the words, their scores summed (multi_match's "most_fields" in
    OpenSearch, the seed's operator "or")."""
    if not words:
        return Query.all_query()
    return Query.boolean_query([(Occur.Should, word_query(schema, word)) for word in words])


def with_tags(schema: tantivy.Schema, query: Query, tags: list[str]) -> Query:
    if not tags:
        return query
    any_tag = Query.const_score_query(Query.term_set_query(schema, TAGS, tags), 0.0)
    return Query.boolean_query([(Occur.Must, query), (Occur.Must, any_tag)])


# ---------------------------------------------------------------------- collecting


def addresses(searcher: tantivy.Searcher, query: Query) -> list[tantivy.DocAddress]:
    """Every match (Tantivy wants a positive limit, so count first)."""
    count = searcher.search(query, limit=1, count=True).count
    if not count:
        return []
    return [address for _, address in searcher.search(query, limit=count).hits]


def by_relevance(searcher: tantivy.Searcher, query: Query, offset: int, size: int) -> Ranked:
    """The page by score, equal scores newest first.

    The bindings order by score or by a field, not both; so fetch past the page
    until a lower score than the page's last shows (every tie is then in hand),
    and sort those by (score, updated_at) here.
    """
    wanted = offset + size
    limit = wanted + size
    while True:
        result = searcher.search(query, limit=limit, count=True)
        hits = result.hits
        if (len(hits) < limit or limit >= _TIE_FETCH_MAX
                or hits[-1][0] < hits[wanted - 1][0]):
            break
        limit = min(limit * 4, _TIE_FETCH_MAX)
    newest = searcher.fast_field_values(UPDATED_MS, [address for _, address in hits])
    order = sorted(range(len(hits)), key=lambda i: (-hits[i][0], -(newest[i] or 0)))
    return [hits[i] for i in order[offset:wanted]], result.count


def newest_first(searcher: tantivy.Searcher, query: Query, offset: int, size: int) -> Ranked:
    result = searcher.search(query, limit=size, offset=offset, count=True,
                             order_by_field=UPDATED_MS, order=tantivy.Order.Desc)
    return [(0.0, address) for _, address in result.hits], result.count


def read_hit(searcher: tantivy.Searcher, address: tantivy.DocAddress, score: float,
             words: list[QueryWord]) -> Hit:
    """The stored project at `address`, its matched words marked when words were asked."""
    document = from_source(searcher.doc(address).get_first(SOURCE))
    if not words:
        return Hit(document=document, score=score)
    fragments = {
        "title": highlight(document.title, words),
        "name": highlight(document.name, words),
        "description": highlight(document.description, words,
                                 max_chars=_DESCRIPTION_FRAGMENT_CHARS),
    }
    return Hit(document=document, score=score,
               highlights={field: found for field, found in fragments.items() if found})


def tag_facets(searcher: tantivy.Searcher, query: Query) -> list[TagCount]:
    """Tag counts over the query's matches (a terms aggregation on the fast field;
    each segment keeps every tag, so the counts are exact)."""
    request = {"tags": {"terms": {"field": TAGS, "size": _FACET_CANDIDATES,
                                  "segment_size": _FACET_SEGMENT_SIZE}}}
    buckets = searcher.aggregate(query, request)["tags"]["buckets"]
    counted = sorted(((bucket["key"], bucket["doc_count"]) for bucket in buckets),
                     key=lambda tag_count: (-tag_count[1], tag_count[0]))
    return [TagCount(tag, count) for tag, count in counted[:TAG_FACETS]]
