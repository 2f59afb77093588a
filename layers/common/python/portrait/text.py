"""What user-written text may hold: printable characters, newlines only where a
field is multi-line, no bidi overrides, and something visible.

Control characters corrupt logs and terminals, right-to-left overrides make a
name read as something else ("exe.gpj" shown as "jpg.exe"), and a name of
zero-width spaces shows as nothing. Pure: used by the request models, which
answer 422 naming the field.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Annotated
from urllib.parse import quote, urlsplit

from pydantic import AfterValidator

# Bidi embeddings, overrides and isolates, and the implicit marks.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                          "\u200e\u200f\u061c")
MULTILINE_ALLOWED = frozenset("\n\r\t")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` is refused, or None."""
    for char in value:
        code = ord(char)
        if multiline and char in MULTILINE_ALLOWED:
            continue
        if code < 0x20 or 0x7f <= code <= 0x9f:
            return f"must not contain control characters (found U+{code:04X})"
        if char in BIDI_CONTROLS:
            return f"must not contain bidirectional controls (found U+{code:04X})"
    if value and not any(_visible(char) for char in value):
        return "must contain visible characters, not only spaces or invisible ones"
    return None


def is_web_url(value: str, hosts: tuple[str, ...] | None = None) -> bool:
    """An absolute http(s) URL with a host and no credentials, on one of `hosts`
    (or their subdomains) when given. No separators, control, format or surrogate
    characters anywhere (Unicode categories Z and C: spaces, NUL, bidi controls, zero-width
    ones), and no backslash, which browsers read as "/" (so "https://evil\\.github.com"
    would pass for GitHub here and open evil there): a URL is rendered as an href and
    sent in events as it is stored."""
    if "\\" in value or any(unicodedata.category(char)[0] in "ZC" for char in value):
        return False
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        return False
    host = parts.hostname.lower()
    return hosts is None or any(host == h or host.endswith("." + h) for h in hosts)


# What the quoted ASCII fallback keeps as it is; anything else becomes "_". No quote,
# backslash, ";" or control character: they would end or bend the header's parameter.
_FALLBACK_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()+,=-]")
# RFC 5987's attr-char, less what quote() keeps anyway (letters, digits, "_.-~").
_ATTR_CHARS = "!#$&+^`|"


def attachment_disposition(filename: str, *, fallback: str) -> str:
    """A Content-Disposition that saves the download as `filename` (RFC 6266): a plain
    ASCII `filename` every client reads (accents dropped, anything else "_"; `fallback`
    when nothing of the name survives) and RFC 5987's `filename*` with the name in UTF-8,
    which browsers prefer. `filename` should hold no path; one is cut off here anyway."""
    name = "".join(char for char in filename.replace("\\", "/").rsplit("/", 1)[-1]
                   if unicodedata.category(char)[0] != "C" and char not in BIDI_CONTROLS)
    name = name.strip(" .") or fallback
    stem, dot, extension = name.rpartition(".")
    stem, extension = (stem, extension) if dot else (name, "")
    plain_stem, plain_extension = (
        _FALLBACK_UNSAFE.sub("_", unicodedata.normalize("NFKD", part).encode(
            "ascii", "ignore").decode()).strip(" .") for part in (stem, extension))
    if not re.search(r"[A-Za-z0-9]", plain_stem):
        plain_stem = fallback
    plain = f"{plain_stem}.{plain_extension}" if plain_extension else plain_stem
    return (f'attachment; filename="{plain}"; '
            f"filename*=UTF-8''{quote(name, safe=_ATTR_CHARS)}")


def _visible(char: str) -> bool:
    # Separators (Z*), format characters (Cf: zero-width space, joiners, BOM) and
    # combining marks on nothing (Mn, Me) show nothing by themselves.
    return unicodedata.category(char)[0] not in "ZC" and unicodedata.category(char) not in (
        "Mn", "Me") and char not in "\u3164\u115f\u1160\uffa0"  # Hangul fillers


def _single_line(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _multi_line(value: str) -> str:
    problem = text_problem(value, multiline=True)
    if problem:
        raise ValueError(problem)
    return value


# Annotate a str field with one of these: Annotated[str, Field(...), SingleLine].
SingleLine = AfterValidator(_single_line)
MultiLine = AfterValidator(_multi_line)
PlainLine = Annotated[str, SingleLine]
