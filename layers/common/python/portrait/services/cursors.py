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

from portrait.errors import InvalidInput


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
