"""The one shape of a presigned upload form in replies (portrait.services.uploads.UploadForm):
avatar, portfolio and generation uploads all carry it."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class UploadForm(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    url: str = Field(description="POST the form here: every field, then the file as `file`, last")
    fields: dict[str, str]
    expires_at: str = Field(description="the form is refused after this time (ISO 8601, UTC)")
    max_bytes: int
    content_type: str = Field(description="the Content-Type the form was issued for")
