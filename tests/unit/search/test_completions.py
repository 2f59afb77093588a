"""The suggestion terms both adapters index (portrait.search.completions)."""
from __future__ import annotations

from portrait.search.completions import (
    SEP,
    distinct,
    index_terms,
    phrase_key,
    phrase_terms,
    shown,
    tag_of,
    typed_key,
    words,
)


def test_words_are_letters_and_digits_folded_in_case_and_accents() -> None:
    assert words("Zoë's  PHOTO-app_v2 (3D)") == ["zoe", "s", "photo", "app", "v2", "3d"]
    assert words("((( ---") == []
    assert words("x" * 41 + " short") == ["short"]


def test_a_title_gives_one_term_per_word_start_and_its_coarse_levels() -> None:
    phrases, first, two, three = index_terms("title", ["Simple  Photo-App"])
    assert phrases == [f"t:simple photo app {SEP} ", f"t:photo app {SEP}simple ",
                       f"t:app {SEP}simple photo "]
    assert first == ["t:simple ", "t:photo ", "t:app "]
    assert two == ["t:simple photo ", "t:photo app ", f"t:app {SEP}simple "]
    assert three == ["t:simple photo app ", f"t:photo app {SEP}simple ",
                     f"t:app {SEP}simple photo "]
    # Each coarse term begins the phrase term beneath it; every word start is one phrase.
    for level in (first, two, three):
        assert all(term.startswith(coarse) for term, coarse in zip(phrases, level))
    assert {phrase_key(term) for term in phrases} == {"simple photo app "}


def test_a_whole_title_is_no_prefix_of_the_titles_it_ends() -> None:
    [whole], *_ = index_terms("title", ["App"])
    [_, _, ending], *_ = index_terms("title", ["Simple Photo App"])
    assert whole == f"t:app {SEP} " and not ending.startswith(whole)


def test_a_tag_is_a_phrase_of_its_own_kind_and_keeps_its_spelling() -> None:
    phrases = index_terms("tag", ["open-source"])[0]
    assert phrases == [f"g:open source {SEP} {SEP}open-source",
                       f"g:source {SEP}open {SEP}open-source"]
    assert [tag_of(term) for term in phrases] == ["open-source", "open-source"]
    assert phrase_terms("tag", "open-source") == tuple(map(tuple, phrases_of("tag", "open-source")))
    assert index_terms("tag", ["+++"]) == [[], [], [], []]


def phrases_of(kind: str, phrase: str) -> list[list[str]]:
    return index_terms(kind, [phrase])


def test_a_remembered_phrase_gives_what_index_terms_gives_and_is_never_changed() -> None:
    for kind, phrase in (("title", "Simple Photo App"), ("tag", "open-source"), ("title", "")):
        remembered = phrase_terms(kind, phrase)
        assert remembered == tuple(map(tuple, phrases_of(kind, phrase)))
        assert phrase_terms(kind, phrase) is remembered  # tuples: no caller can change them


def test_several_phrases_give_the_terms_of_each_in_turn() -> None:
    both = index_terms("title", ["Photo App", "open source"])
    for level, (first, second) in enumerate(zip(phrases_of("title", "Photo App"),
                                               phrases_of("title", "open source"))):
        assert both[level] == first + second


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


def test_distinct_keeps_one_term_per_phrase_most_frequent_first_ties_by_term() -> None:
    found = [(f"t:app {SEP}photo ", 5), (f"t:photo app {SEP} ", 5),
             (f"t:app {SEP}garden ", 5), (f"t:app {SEP}tiny ", 2)]
    assert distinct(found, 5) == [(f"t:app {SEP}garden ", 5), (f"t:app {SEP}photo ", 5),
                                  (f"t:app {SEP}tiny ", 2)]
    assert distinct(found, 1) == [(f"t:app {SEP}garden ", 5)]
