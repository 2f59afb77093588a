"""User-written text: printable, newlines only where multi-line, no bidi tricks, visible."""
from __future__ import annotations

import pytest

from portrait.text import is_web_url, text_problem


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


@pytest.mark.parametrize("url", ["https://a.example/\u0000", "https://a.example/\n",
                                 "https://a.example/a b", " https://a.example/",
                                 "https://a.example/\u202e", "https://a.example/\u00a0",
                                 "https://a.example/\x85", "javascript:alert(1)",
                                 "https://user:pw@a.example/", "https:///path",
                                 "https://a.example/\u200b", "https://a.example/\ufeff",
                                 "https://a.example/\u00ad", "https://a.example/\ud800"])
def test_a_web_url_has_no_space_control_or_credentials(url) -> None:
    assert not is_web_url(url)


def test_a_backslash_cannot_pass_another_host_off_as_an_allowed_one() -> None:
    assert not is_web_url("https://evil.example\\.github.com/", hosts=("github.com",))


def test_a_plain_web_url_passes() -> None:
    assert is_web_url("https://a.example/path?q=1#x") and is_web_url("http://a.example")
    assert is_web_url("https://sub.github.com/x", hosts=("github.com",))
