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
