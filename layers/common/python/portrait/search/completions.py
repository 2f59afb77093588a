"""Suggestions as terms: what both search adapters index for suggest(), and how a
typed prefix is looked up in it.

A suggestible phrase (a project's title, each of its tags) is indexed as one
term per word start: "Simple Photo App" gives "simple photo app", "photo app"
and "app", each followed by the phrase as shown. So a prefix typed from the
start of any word is the beginning of a term; the matching terms are distinct
by construction (one per phrase, however many projects share it), and a term's
document frequency is how many projects hold the phrase: its popularity. No
stored document is read to find a completion.

The Tantivy adapter reads those terms from its term dictionary, best first
(tantivy_suggest); OpenSearch counts them with a terms aggregation
(opensearch_bodies). Pure Python, no engine: the OpenSearch layer has no
Tantivy, and both adapters must agree on every term.

A phrase term: kind, ":", the words of the suffix, SEP, the words of the whole
phrase, SEP and the phrase as shown, each word followed by a space, e.g.
"t:app \x1fsimple photo app \x1fSimple Photo App". Words are the letters and
digits, case- and accent-folded, so "photo-app", "PHOTO APP" and "Photo Äpp"
type the same; the space after each word makes a finished word a boundary
("photo " begins "photo app " but not "photography "). The Tantivy adapter also
indexes each phrase term's first one, two and three parts (a part is a word,
or SEP and the next word, or SEP and the phrase shown): coarse dictionaries
that let it find the best completions without reading every term under a
short prefix (index_terms).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable, Literal

Kind = Literal["title", "tag"]
KIND_MARKS: dict[str, str] = {"title": "t:", "tag": "g:"}
SEP = "\x1f"  # ends the suffix's words, then the phrase's (str.split() drops it from titles)
MAX_STARTS = 16  # word starts indexed per phrase: a longer title completes from its first 16 words
MAX_KEY_WORDS = 10  # words of a suffix kept in its term: more are never typed in a search box
MAX_WORD_CHARS = 40  # longer "words" (a pasted URL) are not completed
LEVELS = 3  # the Tantivy adapter's coarse dictionaries: a phrase term's first 1, 2, 3 parts

_WORD = re.compile(r"[^\W_]+")


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
    `level` parts (words, SEP joined to the next word), whose count bounds the
    count of every phrase term beneath it.

    Written for speed (it runs for every indexed project): the parts of a term
    are the suffix's words, then the whole phrase's words and the phrase shown;
    the levels only ever need the first LEVELS of them.
    """
    mark = KIND_MARKS[kind]
    found: list[list[str]] = [[] for _ in range(LEVELS + 1)]
    phrase_terms, levels = found[0], found[1:]
    for phrase in phrases:
        display = shown(phrase)
        spaced = [word + " " for word in words(display)[:MAX_KEY_WORDS + MAX_STARTS]]
        if not spaced:
            continue
        # The whole phrase's words are parts too: under a suffix that ends ("app ") lie
        # every phrase ending so, and their first words split them into small branches.
        whole = [SEP + spaced[0], *spaced[1:MAX_KEY_WORDS], SEP + display]
        whole_text = "".join(whole)
        for start in range(min(len(spaced), MAX_STARTS)):
            suffix = spaced[start:start + MAX_KEY_WORDS]
            phrase_terms.append(mark + "".join(suffix) + whole_text)
            parts = suffix[:LEVELS] if len(suffix) >= LEVELS else suffix + whole[:LEVELS]
            term = mark
            for level in range(LEVELS):
                term += parts[level]
                levels[level].append(term)
    return found


def typed_key(kind: Kind, prefix: str) -> tuple[str, int] | None:
    """What typed text must begin, and how many words it holds (None: no word).
    Every word but the last is finished; the last may be half typed."""
    typed = words(prefix)
    if not typed:
        return None
    if len(typed) > MAX_KEY_WORDS:  # the terms keep this many words, all finished
        return KIND_MARKS[kind] + _key(typed), MAX_KEY_WORDS
    return KIND_MARKS[kind] + _key(typed[:-1]) + typed[-1], len(typed)


def phrase_of(term: str) -> str:
    """The phrase as shown, from a phrase term."""
    return term.rpartition(SEP)[2]


def distinct(found: Iterable[tuple[str, int]], limit: int) -> list[tuple[str, int, str]]:
    """(phrase as shown, count, term) from (phrase term, count): most frequent first,
    ties by term, and one per phrase whatever its case or the word it was found
    from (the first, so the most frequent). The order the Tantivy adapter's walk
    yields, applied to what OpenSearch counts."""
    seen: set[str] = set()
    chosen: list[tuple[str, int, str]] = []
    for term, count in sorted(found, key=lambda term_count: (-term_count[1], term_count[0])):
        phrase = phrase_of(term)
        if phrase.casefold() not in seen:
            seen.add(phrase.casefold())
            chosen.append((phrase, count, term))
    return chosen[:limit]


@lru_cache(maxsize=4096)
def tag_terms(tag: str) -> tuple[tuple[str, ...], ...]:
    """index_terms of one tag, remembered: a few hundred tags label most projects."""
    return tuple(map(tuple, index_terms("tag", (tag,))))
