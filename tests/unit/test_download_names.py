"""The Content-Disposition an original is downloaded with, built from a user's file name:
RFC 6266 with an ASCII fallback and RFC 5987's UTF-8 filename*, nothing that can bend
the header, and the real format's extension."""
from __future__ import annotations

from urllib.parse import unquote

import pytest

from portrait.services.portfolio.originals import download_filename
from portrait.store.portfolio.media import Media
from portrait.text import attachment_disposition

ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def parts(header: str) -> tuple[str, str]:
    """(the quoted ASCII filename, the decoded filename*)."""
    kind, plain, extended = header.split("; ")
    assert kind == "attachment"
    assert plain.startswith('filename="') and plain.endswith('"')
    assert extended.startswith("filename*=UTF-8''")
    return plain[len('filename="'):-1], unquote(extended[len("filename*=UTF-8''"):])


@pytest.mark.parametrize(("name", "plain", "full"), [
    ("beach.jpg", "beach.jpg", "beach.jpg"),
    ("café à Paris.jpg", "cafe a Paris.jpg", "café à Paris.jpg"),
    ("写真.jpg", f"{ID}.jpg", "写真.jpg"),  # nothing of the stem is ASCII: the id
    ('a"b;c.png', "a_b_c.png", 'a"b;c.png'),
    ("x\r\ny.jpg", "xy.jpg", "xy.jpg"),  # no header injection
    ("\u202egpj.exe", "gpj.exe", "gpj.exe"),  # no bidi override
    ("C:\\fakepath\\scan.png", "scan.png", "scan.png"),
    ("..", ID, ID),
])
def test_the_header_carries_a_safe_ascii_name_and_the_real_one(name, plain, full):
    header = attachment_disposition(name, fallback=ID)
    assert parts(header) == (plain, full)
    assert header.isascii() and "\r" not in header and "\n" not in header


def _media(filename: str | None, fmt: str) -> Media:
    return Media(media_id=ID, user_id="U", status="ready", content_type="image/jpeg",
                 upload_key="k", upload_expires_at=0, created_at="", updated_at="",
                 original_filename=filename, original={"format": fmt})


@pytest.mark.parametrize(("filename", "fmt", "saved"), [
    ("holiday.JPG", "jpeg", "holiday.JPG"),
    ("holiday.jpeg", "jpeg", "holiday.jpeg"),
    ("scan.png", "jpeg", "scan.png.jpg"),  # named png, is a JPEG: saved as what it is
    ("notes", "gif", "notes.gif"),
    (None, "webp", f"{ID}.webp"),
    ("   ", "png", f"{ID}.png"),
])
def test_the_saved_name_ends_in_the_real_format(filename, fmt, saved):
    assert download_filename(_media(filename, fmt)) == saved
