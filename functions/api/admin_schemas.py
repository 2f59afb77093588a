"""Reply shapes of the admin routes (built from portrait.services' results)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TempUploadKind = Literal["avatars", "media", "generations"]


class _FromResults(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TempUploadItem(_FromResults):
    upload_id: str | None = Field(description="the upload session; null for a key we did not issue")
    kind: TempUploadKind | None
    user_id: str | None = Field(description="the owner (from the key)")
    key: str
    size: int = Field(description="bytes")
    last_modified: str = Field(description="ISO 8601, UTC")
    age_seconds: int


class TempUploadList(_FromResults):
    items: list[TempUploadItem]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null at the end")


class TempSweepReply(BaseModel):
    """What a sweep did; in a dry run, what it would have done (nothing is changed)."""

    found: int = Field(description="tmp/ objects older than the age asked for")
    deleted: int
    failed: int = Field(description="left in place; the next sweep tries them again")
    bytes_freed: int
    dry_run: bool
    records_expired: int = Field(description="pending avatars told their upload is not coming")
    complete: bool = Field(description="false: it stopped to answer in time; POST again with "
                                       "`cursor` set to `next_cursor` to go on")
    next_cursor: str | None = Field(description="where to resume; null once complete")


class TempSessionRemoved(_FromResults):
    upload_id: str
    kind: TempUploadKind | None
    user_id: str | None
    deleted: int
    failed: int
    bytes_freed: int
    record_expired: bool = Field(description="whether a pending avatar waited for this upload")


class PrefixTotals(BaseModel):
    objects: int = Field(description="objects under the prefix")
    bytes: int = Field(description="their total size")


class StoragePrefixes(BaseModel):
    avatars: PrefixTotals
    media: PrefixTotals
    generations: PrefixTotals
    tmp: PrefixTotals


class StorageCounts(_FromResults):
    """Listed on a schedule (StorageCountsFunction, hourly), not on each request."""

    prefixes: StoragePrefixes
    as_of: str | None = Field(description="ISO 8601, UTC: when the listing finished; "
                                          "null before the first one")
    age_seconds: int | None = Field(description="seconds since `as_of`")


class AvatarCounts(BaseModel):
    current: int = Field(description="ready: some user's current avatar")
    deleted_awaiting_purge: int = Field(description="soft-deleted, restorable until the grace ends")
    pending: int = Field(description="a form issued, the upload not processed yet")
    rejected: int
    expired: int = Field(description="the upload never came")
    purged: int = Field(description="tombstones of purged avatars (kept 30 days)")


class UserCounts(BaseModel):
    total: int
    without_avatar: int = Field(description="users with no current avatar")


class GenerationStates(BaseModel):
    pending: int
    processing: int
    completed: int
    failed: int
    expired: int


class GenerationCounts(BaseModel):
    by_state: GenerationStates
