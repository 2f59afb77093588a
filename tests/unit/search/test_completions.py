"""The suggestion terms both adapters index (portrait.search.completions)."""
from __future__ import annotations

from portrait.search.completions import (
    SEP,
    distinct,
    index_terms,
    phrase_of,
    shown,
    tag_terms,
    typed_key,
    words,
)


def test_words_are_letters_and_digits_folded_in_case_and_accents() -> None:
    assert words("Zoë's  PHOTO-app_v2 (3D)") == ["zoe", "s", "photo", "app", "v2", "3d"]
    assert words("((( ---")== []
    assert words("x" * 41 + " short") == ["short"]


def test_a_phrase_gives_one_term_per_word_start_and_its_coarse_levels() -> None:
    phrases, first, two, three = index_terms("title", ["Simple  Photo App"])
    whole = f"{SEP}simple photo app {SEP}Simple Photo App"
    assert phrases == [f"t:simple photo app {whole}", f"t:photo app {whole}", f"t:app {whole}"]
    assert first == ["t:simple ", "t:photo ", "t:app "]
    assert two == ["t:simple photo ", "t:photo app ", f"t:app {SEP}simple "]
    assert three == ["t:simple photo app ", f"t:photo app {SEP}simple ",
                     f"t:app {SEP}simple photo "]
    # Each coarse term begins every phrase term beneath it.
    for level in (first, two, three):
        assert all(term.startswith(coarse) for term, coarse in zip(phrases, level))


def test_a_tag_is_a_phrase_of_its_own_kind() -> None:
    phrases = index_terms("tag", ["open-source"])[0]
    assert [phrase_of(term) for term in phrases] == ["open-source", "open-source"]
    assert all(term.startswith("g:") for term in phrases)
    assert tag_terms("open-source") == tuple(map(tuple, index_terms("tag", ["open-source"])))
    assert index_terms("tag", ["+++"]) == [[], [], [], []]


def test_typed_text_begins_the_terms_of_phrases_holding_its_words_in_order() -> None:
    phrases = index_terms("title", ["Simple Photo App"])[0]

    def completes(text: str) -> bool:
        key, _ = typed_key("title", text)
        return any(term.startswith(key) for term in phrases)

    assert all(completes(text) for text in ("sim", "photo", "PHOTO-A", "photo app", "ap",
                                            "simple photo app"))
    assert not any(completes(text) for text in ("app photo", "photoa", "photo  b", "imple"))
    assert typed_key("title", " Photo-ap ") == ("t:photo ap", 2)
    assert typed_key("tag", "(((") is None


def test_display_collapses_spaces_and_drops_the_separator() -> None:
    assert shown(f" Photo \t App{SEP}x ") == "Photo App x"


def test_distinct_keeps_the_most_frequent_spelling_once_ties_by_term() -> None:
    found = [(f"t:app {SEP}photo app {SEP}photo app", 2),
             (f"t:photo app {SEP}photo app {SEP}Photo App", 5),
             (f"t:app {SEP}photo app {SEP}Photo App", 5),
             (f"t:app {SEP}garden app {SEP}Garden App", 5)]
    assert distinct(found, 5) == [
        ("Garden App", 5, f"t:app {SEP}garden app {SEP}Garden App"),
        ("Photo App", 5, f"t:app {SEP}photo app {SEP}Photo App")]
    assert distinct(found, 1) == [("Garden App", 5, f"t:app {SEP}garden app {SEP}Garden App")]
