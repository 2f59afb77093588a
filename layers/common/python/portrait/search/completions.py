"""Suggestions as terms: what both search adapters index for suggest(), and how a
typed prefix is looked up in it.

A suggestible phrase (a project's title, each of its tags) is indexed as one
term per word start: "Simple Photo App" gives "simple photo app", "photo app"
and "app", each followed by the words before it. So a prefix typed from the
start of any word is the beginning of a term; the matching terms are distinct
by construction (one per phrase and word start, however many projects share
the phrase), and a term's document frequency is how many projects hold the
phrase: its popularity. No stored document is read to find a completion.

The Tantivy adapter reads those terms from its term dictionary, best first
(tantivy_suggest); OpenSearch counts them with a terms aggregation
(opensearch_bodies). Pure Python, no engine: the OpenSearch layer has no
Tantivy, and both adapters must agree on every term.

A phrase term: kind, ":", the words from the word start on, SEP, the words
before it (a space if none), each word followed by a space ("t:photo app
\\x1fsimple "); a tag's also SEP and the tag as written ("g:source \\x1fopen
\\x1fopen-source"). A as its newest project spells it, so a title term carries no display text: the
terms stay short, and their bytes are most of what they cost to index.
Words are the letters and digits, case- and accent-folded, so "photo-app",
"PHOTO APP" and "Photo Äpp" are one phrase; the space after each word makes a
finished word a boundary ("photo " begins "photo app " but not "photography ").

The Tantivy adapter also indexes each phrase term's first one, two and three
parts (a part is a word, or SEP and the next word): coarse dictionaries that
let it find the best completions without reading every term under a short
prefix (index_terms).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable, Literal

Kind = Literal["title", "tag"]
KIND_MARKS: dict[str, str] = {"title": "t:", "tag": "g:"}
SEP = "\x1f"  # ends the words typed into; str.split() drops it from any phrase shown
MAX_STARTS = 16  # word starts indexed per phrase: a longer title completes from its first 16
MAX_KEY_WORDS = 10  # words kept from a word start on: more are never typed in a search box
MAX_WORD_CHARS = 40  # longer "words" (a pasted URL) are not completed
LEVELS = 3  # the Tantivy adapter's coarse dictionaries: a phrase term's first 1, 2, 3 parts
# (index_terms writes the three by name: a change here is a change there)

_WORD = re.compile(r"[^\W_]+")
_MARK_CHARS = 2


def words(text: str) -> list[str]:
    """The letters-and-digits runs of `text`, lower-cased and without accents."""
    if text.isascii():
        folded = text.lower()  # most text: no folding to do
    else:
        folded = "".join(char for char in unicodedata.normalize("NFKD", text.casefold())
                         if not unicodedata.combining(char))
    return [word for word in _WORD.findall(folded) if len(word) <= MAX_WORD_CHARS]


def shown(phrase: str) -> str:
    """The phrase as a suggestion shows it: its own spelling, runs of spaces as one."""
    return " ".join(phrase.split())


def _key(typed: list[str]) -> str:
    return "".join(word + " " for word in typed[:MAX_KEY_WORDS])


def index_terms(kind: Kind, phrases: Iterable[str]) -> list[list[str]]:
    """The phrase terms of `phrases` (one per word start of each), then for each
    level 1..LEVELS the terms of that coarse dictionary: a phrase term's first
    `level` parts, whose count bounds the count of every phrase term beneath it.
    A term with fewer parts is its own coarse term at the deeper levels.

    Written for speed: it runs for every indexed project.
    """
    mark = KIND_MARKS[kind]
    phrase_terms: list[str] = []
    first: list[str] = []
    second: list[str] = []
    third: list[str] = []
    for phrase in phrases:
        display = shown(phrase)
        spaced = [word + " " for word in words(display)[:MAX_STARTS + MAX_KEY_WORDS]]
        tail = [SEP + display] if kind == "tag" else []
        for start in range(min(len(spaced), MAX_STARTS)):
            # The words before the start are parts too: under a phrase's last word
            # ("app ") lie every phrase ending so, and they split it into small branches.
            # Nothing before: " ", so "\x1f " is not a prefix of "\x1fsimple ".
            before = [SEP + spaced[0], *spaced[1:start]] if start else [SEP + " "]
            parts = spaced[start:start + MAX_KEY_WORDS] + before + tail
            phrase_terms.append(mark + "".join(parts))
            # The coarse terms: the first one, two and three parts (a phrase term
            # has at least two; with two, the third level repeats the second).
            term = mark + parts[0]
            first.append(term)
            term += parts[1]
            second.append(term)
            third.append(term + parts[2] if len(parts) > 2 else term)
    return [phrase_terms, first, second, third]


@lru_cache(maxsize=8192)
def phrase_terms(kind: Kind, phrase: str) -> tuple[tuple[str, ...], ...]:
    """index_terms of one phrase, remembered: a few hundred tags label most projects,
    and many titles recur ("Portfolio", "Weather App")."""
    return tuple(map(tuple, index_terms(kind, (phrase,))))


def typed_key(kind: Kind, prefix: str) -> tuple[str, int] | None:
    """What typed text must begin, and how many words it holds (None: no word).
    Every word but the last is finished; the last may be half typed."""
    typed = words(prefix)
    if not typed:
        return None
    if len(typed) > MAX_KEY_WORDS:  # the terms keep this many words, all finished
        return KIND_MARKS[kind] + _key(typed), MAX_KEY_WORDS
    return KIND_MARKS[kind] + _key(typed[:-1]) + typed[-1], len(typed)


def phrase_key(term: str) -> str:
    """The phrase a phrase term is a word start of, as its words: the same for all
    of its word starts, and for every spelling of it."""
    after, before = term[_MARK_CHARS:].split(SEP)[:2]
    return before.lstrip(" ") + after


def tag_of(term: str) -> str:
    """The tag as written, from a tag's phrase term."""
    return term.rpartition(SEP)[2]


def distinct(found: Iterable[tuple[str, int]], limit: int) -> list[tuple[str, int]]:
    """(phrase term, count) most frequent first, ties by term, one per phrase (the
    first of its word starts): the order the Tantivy adapter's walk yields,
    applied to what OpenSearch counts."""
    seen: set[str] = set()
    chosen: list[tuple[str, int]] = []
    for term, count in sorted(found, key=lambda term_count: (-term_count[1], term_count[0])):
        if phrase_key(term) not in seen:
            seen.add(phrase_key(term))
            chosen.append((term, count))
    return chosen[:limit]
