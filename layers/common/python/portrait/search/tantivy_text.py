"""The words the Tantivy adapter reads from text, and the highlights it writes.

One set of analyzers serves both sides: the index registers them as its
tokenizers (tantivy_schema), and queries and highlights are made from the very
words they produce here. So what a search box asks for is always something the
index can hold, and no query parser ever sees user text.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import tantivy
from tantivy import Filter

from portrait.search.port import MAX_QUERY_LENGTH

FUZZY_MIN_LETTERS = 5  # a shorter word is too often one edit away from another word
MAX_QUERY_WORDS = 16  # more than 200 characters hold in practice; bounds a query's size


def _analyzer(*, stem: bool) -> tantivy.TextAnalyzer:
    """Words split on anything not a letter or digit, over-long ones dropped,
    lower-cased, accents folded (Zoë finds Zoe), and with `stem` English stems
    (portraits finds portrait)."""
    builder = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
               .filter(Filter.remove_long(40)).filter(Filter.lowercase())
               .filter(Filter.ascii_fold()))
    if stem:
        builder = builder.filter(Filter.stemmer("english"))
    return builder.build()


WORDS_ANALYZER = _analyzer(stem=False)
STEMS_ANALYZER = _analyzer(stem=True)
_STOP_WORDS_ANALYZER = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                        .filter(Filter.lowercase()).filter(Filter.stopword("english")).build())


@dataclass(frozen=True)
class Token:
    word: str  # lower-cased, accents folded: what the *_words fields hold
    stem: str  # its English stem: what the title, name and description fields hold
    start: int  # where it stands in the text (str indices)
    end: int


def tokens(text: str) -> list[Token]:
    """The words of `text` exactly as the index sees them, with their places."""
    stems = {token.position: token.text for token in STEMS_ANALYZER.pre_tokenize(text).tokens}
    return [Token(token.text, stems.get(token.position, token.text),
                  token.char_offset_from, token.char_offset_to)
            for token in WORDS_ANALYZER.pre_tokenize(text).tokens]


@dataclass(frozen=True)
class QueryWord:
    text: str  # as typed, lower-cased and folded
    stem: str
    fuzzy: bool  # 5+ letters: also matches words one edit away
    prefix: bool  # the last word typed, maybe unfinished: also matches words it begins


def query_words(text: str) -> list[QueryWord]:
    """What a search box's text asks for: any of its words (the more, the better),
    the last one perhaps unfinished. Stop words ("the", "of") would match nearly
    every project, so they count only when there is nothing else ("To Be")."""
    found = tokens(text[:MAX_QUERY_LENGTH])[:MAX_QUERY_WORDS]
    meaningful = [token for token in found if _STOP_WORDS_ANALYZER.analyze(token.word)]
    return [QueryWord(text=token.word, stem=token.stem,
                      fuzzy=len(token.word) >= FUZZY_MIN_LETTERS,
                      prefix=token is found[-1])
            for token in meaningful or found]


def within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance at most one, a swap of neighbours counting one (as
    Tantivy's fuzzy term query with transposition_cost_one)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    same = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), len(a))
    if len(a) < len(b):
        return a[same:] == b[same + 1:]  # one letter inserted
    replaced = a[same + 1:] == b[same + 1:]
    swapped = a[same:same + 2] == b[same:same + 2][::-1] and a[same + 2:] == b[same + 2:]
    return replaced or swapped


def matches(word: QueryWord, token: Token) -> bool:
    """Whether the index matched `token` for `word`: the rules of
    tantivy_queries.word_query."""
    return (token.stem == word.stem
            or (word.fuzzy and within_one_edit(token.word, word.text))
            or (word.prefix and token.word.startswith(word.text)))


def highlight(text: str, words: list[QueryWord], *, max_chars: int | None = None) -> list[str]:
    """`text` (or the part of it around the first match, at most `max_chars`) with
    the matched words in <mark>…</mark> and everything else HTML-escaped; [] when
    nothing matched.

    Done here rather than with Tantivy's SnippetGenerator, which marks only exact
    terms: a typo or a prefix found the document, so it is marked too.
    """
    spans = [(token.start, token.end) for token in tokens(text)
             if any(matches(word, token) for word in words)]
    if not spans:
        return []
    start, end = _fragment_bounds(text, spans[0][0], max_chars)
    return [_marked(text, spans, start, end)]


def _fragment_bounds(text: str, first_match: int, max_chars: int | None) -> tuple[int, int]:
    if max_chars is None or len(text) <= max_chars:
        return 0, len(text)
    # A little context before the first match, cut at word boundaries.
    start = max(0, first_match - max_chars // 4)
    if start > 0:
        space = text.find(" ", start, first_match)
        start = space + 1 if space != -1 else start
    end = min(len(text), start + max_chars)
    if end < len(text):
        space = text.rfind(" ", first_match, end)
        end = space if space != -1 else end
    return start, end


def _marked(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    parts = ["…"] if start > 0 else []
    cursor = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        parts += [html.escape(text[cursor:span_start]), "<mark>",
                  html.escape(text[span_start:span_end]), "</mark>"]
        cursor = span_end
    parts.append(html.escape(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)
