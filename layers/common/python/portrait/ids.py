"""Identifiers: ULIDs, sortable by creation time and safe in S3 keys."""
import re

from ulid import ULID

# Crockford's base32, 26 characters: every id this API hands out.
ULID_PATTERN = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


def new_id() -> str:
    return str(ULID())
