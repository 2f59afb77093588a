"""User-written text: printable, newlines only where multi-line, no bidi tricks, visible."""
from __future__ import annotations

import pytest

from portrait.text import text_problem


@pytest.mark.parametrize("value", ["Ada Lovelace", "Zoë Ångström", "李小龍", "محمد", "🙂 ok",
                                   "a\u200db"])  # a joiner inside a visible name is fine
def test_ordinary_names_pass(value) -> None:
    assert text_problem(value) is None


@pytest.mark.parametrize(("value", "found"), [
    ("nul\x00", "control"), ("esc\x1b[31m", "control"), ("tab\there", "control"),
    ("line\nbreak", "control"), ("del\x7f", "control"), ("c1\x85", "control"),
    ("gpj.\u202eexe", "bidirectional"), ("x\u2066y", "bidirectional"), ("a\u200fb", "bidirectional"),
    ("\u200b\u200b", "visible"), ("   ", "visible"), ("\u3164", "visible"), ("\ufeff\u2060", "visible"),
])
def test_single_line_refusals(value, found) -> None:
    assert found in (text_problem(value) or "")


def test_multi_line_text_keeps_its_newlines_and_tabs_but_nothing_else() -> None:
    assert text_problem("first line\r\n\tsecond", multiline=True) is None
    assert "control" in text_problem("bell\x07", multiline=True)
    assert "bidirectional" in text_problem("a\u202eb", multiline=True)
