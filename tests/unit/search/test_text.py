"""The words the Tantivy adapter reads from text, and the highlights it writes."""
from __future__ import annotations

import pytest

from portrait.search.tantivy_text import (
    MAX_QUERY_WORDS,
    highlight,
    query_words,
    tokens,
    within_one_edit,
)


def test_tokens_are_folded_lower_cased_words_with_stems_and_places() -> None:
    text = "Zoë's Portraits, <b>"
    found = tokens(text)

    assert [token.word for token in found] == ["zoe", "s", "portraits", "b"]
    assert [token.stem for token in found] == ["zoe", "s", "portrait", "b"]
    assert [text[token.start:token.end] for token in found] == ["Zoë", "s", "Portraits", "b"]


def test_query_words_drop_stop_words_and_mark_long_words_fuzzy_the_last_a_prefix() -> None:
    found = [(word.text, word.stem, word.fuzzy, word.prefix)
             for word in query_words("The Harbours at nigh")]

    assert found == [("harbours", "harbour", True, False), ("nigh", "nigh", False, True)]


def test_a_finished_word_before_a_stop_word_is_no_prefix() -> None:
    assert [word.prefix for word in query_words("harbour at")] == [False]


def test_a_query_of_stop_words_only_keeps_them() -> None:
    assert [word.text for word in query_words("To Be")] == ["to", "be"]


@pytest.mark.parametrize("text", ["", "   ", "((( :: )))", '"', "\x00", "*?~^"])
def test_text_without_words_asks_for_nothing(text) -> None:
    assert query_words(text) == []


def test_query_words_are_bounded() -> None:
    assert len(query_words("word " * 40)) == MAX_QUERY_WORDS
    assert query_words("x" * 300) == []  # one over-long token, dropped as the index drops it


@pytest.mark.parametrize(("a", "b", "close"), [
    ("harbour", "harbour", True),
    ("harbuor", "harbour", True),  # neighbours swapped
    ("harbur", "harbour", True),  # one letter missing
    ("harbourr", "harbour", True),  # one letter too many
    ("hxrbour", "harbour", True),  # one letter replaced
    ("hxrbxur", "harbour", False),
    ("hrabuor", "harbour", False),
    ("harb", "harbour", False),
    ("ab", "ba", True),
    ("", "a", True),
    ("abc", "cab", False),
])
def test_within_one_edit(a, b, close) -> None:
    assert within_one_edit(a, b) is close
    assert within_one_edit(b, a) is close


def test_highlight_marks_stemmed_matches_and_escapes_the_rest() -> None:
    assert highlight("Cats & <dogs>", query_words("cat")) == [
        "<mark>Cats</mark> &amp; &lt;dogs&gt;"]


def test_highlight_marks_what_a_typo_or_a_prefix_found() -> None:
    assert highlight("Harbour lights", query_words("harbuor lig")) == [
        "<mark>Harbour</mark> <mark>lights</mark>"]
    assert highlight("Boat trip", query_words("baot")) == []  # four letters: no typo allowed


def test_highlight_keeps_the_original_characters() -> None:
    assert highlight("Café Zoë", query_words("zoe")) == ["Café <mark>Zoë</mark>"]


def test_highlight_of_a_long_text_is_a_fragment_around_the_first_match() -> None:
    text = "lead " * 100 + "harbour" + " tail" * 100

    [fragment] = highlight(text, query_words("harbour"), max_chars=200)

    assert fragment.startswith("…") and fragment.endswith("…")
    assert "<mark>harbour</mark>" in fragment
    plain = fragment.replace("<mark>", "").replace("</mark>", "").strip("…")
    assert len(plain) <= 200 and plain in text


def test_highlight_without_a_match_is_empty() -> None:
    assert highlight("Mountain hut", query_words("harbour")) == []
