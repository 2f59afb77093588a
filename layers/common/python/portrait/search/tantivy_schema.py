"""The Tantivy index's fields, and the documents the adapter writes into them.

Every field exists for one reader: the relevance fields for search, their
unstemmed `*_words` twins for typo and prefix matches, the suggestion terms
(portrait.search.completions) for suggest, the fast fields for filters, facets
and ordering, and the stored source for what reads return. Tantivy keeps no tokenizers on
disk, so every opened index must register_tokenizers() before use.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import tantivy

from portrait.search.completions import LEVELS, phrase_terms
from portrait.search.port import ProjectDocument
from portrait.search.tantivy_text import STEMS_ANALYZER, WORDS_ANALYZER

# Relevance as the port states it: a word in the title counts three times one in the
# description, in the owner's display name twice.
FIELD_BOOSTS = {"title": 3.0, "name": 2.0, "description": 1.0}

# Tokenizer names registered on every opened index (Tantivy keeps none on disk).
_WORDS = "portrait_words"
_STEMS = "portrait_stems"

# Fields.
PROJECT_ID = "project_id"
USER_ID = "user_id"
SUGGEST_PHRASES = "suggest"  # a term per word start of the title and of each tag
SUGGEST_LEVEL_FIELDS = tuple(f"suggest_{level}" for level in range(1, LEVELS + 1))
_SUGGEST_FIELDS = (SUGGEST_PHRASES, *SUGGEST_LEVEL_FIELDS)  # in index_terms' order
TAGS = "tags"  # lower-cased, raw, fast: the tag filter, the facets, tag suggestions
VERSION = "version"
UPDATED_MS = "updated_ms"  # updated_at as epoch milliseconds: ties and "newest first"
WRITTEN_MS = "written_ms"  # when this index wrote the document: a rebuild's catch-up
DELETED = "deleted"  # a tombstone
SOURCE = "source"  # the ProjectDocument as JSON: what reads return


def words_field(field: str) -> str:
    return f"{field}_words"  # the unstemmed words, for typo and prefix matches


def normal_tag(tag: str) -> str:
    return tag.strip().lower()


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def _epoch_ms(timestamp: str) -> int:
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return 0  # sorts last: better than refusing the document
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(PROJECT_ID, stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field(USER_ID, tokenizer_name="raw", index_option="basic")
    for field in FIELD_BOOSTS:
        builder.add_text_field(field, tokenizer_name=_STEMS, index_option="freq")
        builder.add_text_field(words_field(field), tokenizer_name=_WORDS, index_option="basic")
    for field in _SUGGEST_FIELDS:  # read as term dictionaries, never searched as text
        builder.add_text_field(field, tokenizer_name="raw", index_option="basic")
    builder.add_text_field(TAGS, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field(VERSION, fast=True)
    builder.add_integer_field(UPDATED_MS, fast=True)
    builder.add_integer_field(WRITTEN_MS, fast=True)
    builder.add_boolean_field(DELETED, indexed=True)
    builder.add_bytes_field(SOURCE, stored=True)
    return builder.build()


SCHEMA = _schema()


def register_tokenizers(index: tantivy.Index) -> None:
    index.register_tokenizer(_WORDS, WORDS_ANALYZER)
    index.register_tokenizer(_STEMS, STEMS_ANALYZER)


_TEXT_FIELDS = tuple((field, words_field(field)) for field in FIELD_BOOSTS)
_SOURCE_FIELDS = tuple(ProjectDocument.__dataclass_fields__)
_encode_json = json.JSONEncoder(check_circular=False).encode  # plain str and int values


def document_fields(document: ProjectDocument, written_ms: int) -> dict:
    """Written for speed, as index_terms: it runs for every indexed project."""
    tags = [normal_tag(tag) for tag in document.tags]
    fields = {
        PROJECT_ID: document.project_id, USER_ID: document.user_id,
        TAGS: tags,
        VERSION: document.version, UPDATED_MS: _epoch_ms(document.updated_at),
        WRITTEN_MS: written_ms, DELETED: False,
        SOURCE: _source(document),
    }
    suggest_terms = [list(terms) for terms in phrase_terms("title", document.title)]
    for tag in tags:
        for terms, of_tag in zip(suggest_terms, phrase_terms("tag", tag)):
            terms += of_tag
    fields.update(zip(_SUGGEST_FIELDS, suggest_terms))
    for field, words in _TEXT_FIELDS:
        fields[field] = fields[words] = getattr(document, field)
    return fields


def _source(document: ProjectDocument) -> bytes:
    # dataclasses.asdict deep-copies every value: a tenth of a document's indexing time.
    values = {name: getattr(document, name) for name in _SOURCE_FIELDS}
    values["tags"] = list(document.tags)
    return _encode_json(values).encode()


def tombstone_fields(project_id: str, version: int, written_ms: int) -> dict:
    return {PROJECT_ID: project_id, VERSION: version, UPDATED_MS: 0, WRITTEN_MS: written_ms,
            DELETED: True}


def from_source(source: bytes) -> ProjectDocument:
    values = json.loads(source)
    values["tags"] = tuple(values["tags"])
    return ProjectDocument(**values)
