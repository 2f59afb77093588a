"""Reply shapes of the generation and credit routes (built from portrait.services' views)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from portrait.services.generations.requests import GenerationStarted
from upload_schemas import UploadForm

GenerationStatus = Literal["pending", "processing", "completed", "failed", "expired"]


class _FromViews(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class GenerationError(_FromViews):
    reason: str = Field(examples=["dimensions_too_small"], description=(
        "machine-readable: an image rejection (unsupported_type, too_large, dimensions_too_small, "
        "dimensions_too_large, corrupt, decompression_bomb), a render failure (content_filtered, "
        "model_error, invalid_response, invalid_output, invalid_input, request_unusable, "
        "pose_unavailable, render_failed, renderer_unavailable, throttled, unavailable, timeout, "
        "render_lost), a photo that cannot make a portrait (no_face, several_faces) or, for "
        "expired ones, input_never_arrived / input_not_processed"))
    message: str


class Likeness(_FromViews):
    score: float | None = Field(description="cosine similarity of the portrait's face and "
                                            "your photo's (face embeddings), -1..1; null when "
                                            "the portrait's face was too small to measure")
    threshold: float = Field(description="the score a portrait must reach; below it the "
                                         "renderer tries another seed, then fails and refunds")
    attempts: int = Field(description="renders drawn to get this one")
    method: str = Field(description="the embedding model and measure")


class GenerationDetail(_FromViews):
    generation_id: str
    status: GenerationStatus
    pose_id: str
    quality: Literal["sd", "hd"]
    style: Literal["realistic", "illustration", "anime"] = Field(description="from GET /styles")
    priority: bool
    credits_charged: int
    created_at: str
    updated_at: str
    started_at: str | None = None
    completed_at: str | None = None
    processing_seconds: float | None = Field(None, description="from the photo's arrival to the "
                                                              "portrait (or the failure)")
    render_submitted_at: str | None = Field(None, description="when the render was handed to the "
                                                              "renderer; null if it never was "
                                                              "(e.g. no face in the photo)")
    render_deadline: str | None = Field(None, description="processing: if the renderer has not "
                                                          "answered by then, the generation fails "
                                                          "and the credits come back")
    output_url: str | None = Field(None, description="completed: the portrait, a PNG "
                                                     "(`output_format`)")
    output_format: Literal["png"] = Field("png", description="the portrait's file format: "
                                                            "PNG (image/png), lossless")
    input_url: str | None = Field(None, description="your photo as kept, metadata removed, once "
                                                     "it passed the checks")
    width: int | None = None
    height: int | None = None
    renderer: Literal["face", "model", "bedrock"] | None = Field(
        None, description="completed: what drew it (the local face renderer, the "
                          "identity-preserving model, or Bedrock, which does not use the face)")
    likeness: Likeness | None = Field(None, description="completed: how much the portrait "
                                                        "looks like your photo; null when the "
                                                        "renderer does not use the face")
    error: GenerationError | None = Field(None, description="failed or expired: why")
    refunded: bool = Field(description="whether the credits charged were given back")
    shared_at: str | None = Field(None, description="when its public link was made; null if "
                                                    "it has none")
    batch_id: str | None = Field(None, description="the batch it was started in (the id of its "
                                                   "first generation); null on its own")


class GenerationStartedReply(GenerationDetail):
    """The new generation, as GET /generations/{generation_id} answers it, with the form
    for its photo."""

    upload: UploadForm = Field(description="upload the photo with it; then poll "
                                           "GET /generations/{generation_id}")

    @classmethod
    def of(cls, started: GenerationStarted) -> Self:
        return cls.model_validate({**asdict(started.generation), "upload": started.upload})


class BatchStartedReply(_FromViews):
    batch_id: str
    generations: list[GenerationDetail] = Field(description="one per pose, in the order given")
    upload: UploadForm = Field(description="the one photo for every pose; then poll each "
                                           "GET /generations/{generation_id}")


class GenerationHistoryReply(_FromViews):
    items: list[GenerationDetail]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null at the end")
    total: int = Field(description="generations you have (deleted ones are not counted)")


class GenerationStatsReply(_FromViews):
    total: int = Field(description="generations started")
    completed: int
    failed: int = Field(description="failed or expired (all refunded)")
    average_processing_seconds: float = Field(description="over the completed ones")
    credits_used: int = Field(description="credits spent, net of refunds")


class Prices(_FromViews):
    base: int = Field(examples=[5])
    hd: int = Field(examples=[2], description="added for quality hd")
    priority: int = Field(examples=[3], description="added for priority processing")


class CreditBalanceReply(_FromViews):
    user_id: str
    balance: int
    prices: Prices


class CreditGrantReply(_FromViews):
    user_id: str
    entry_id: str = Field(description="the ledger entry recording the grant")
    amount: int
    reason: str
    balance: int = Field(description="the balance after the grant")
    granted_by: str
    created_at: str


class ShareReply(_FromViews):
    share_url: str = Field(description="the public page, /s?t={token} (no sign-in; unfurls in "
                                       "chat apps). Shown once: only a hash of its token is kept")
    image_url: str = Field(description="the portrait the page shows (PNG)")
    shared_at: str
