"""Identifiers: ULIDs, sortable by creation time and safe in S3 keys."""
from ulid import ULID


def new_id() -> str:
    return str(ULID())
