"""Opaque page cursors: one named value, base64url JSON, checked when it comes back.

Clients must treat a cursor as opaque; wrapping the value (an avatar id, an S3
continuation token) lets us change what is inside without breaking them, and
the check turns a mangled cursor into a clear 400 rather than a store error.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from portrait.errors import InvalidInput
from portrait.ids import ULID_PATTERN


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items and the cursor of the next page (None on the last)."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(name: str, value: str) -> str:
    raw = json.dumps({name: value}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, name: str, *, pattern: re.Pattern[str]) -> str:
    """The value a cursor carries under `name`; InvalidInput (invalid_cursor) unless it
    decodes and the value matches `pattern`."""
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))[name]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        value = None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise invalid_cursor()
    return value


def invalid_cursor() -> InvalidInput:
    return InvalidInput("the cursor is not one this API issued", code="invalid_cursor")


def after_cursor(last_id: str | None) -> str | None:
    """The cursor of a page of records listed by id that ends at `last_id`; None when
    there is no next page."""
    return encode_cursor("after", last_id) if last_id else None


def after_id(cursor: str | None, *, pattern: re.Pattern[str] = ULID_PATTERN) -> str | None:
    """The id the page continues after (None for the first page). It is applied to the
    caller's own partition only, so a forged cursor can skip records but never reveal
    another user's."""
    return decode_cursor(cursor, "after", pattern=pattern) if cursor else None
