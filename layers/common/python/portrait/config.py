"""Settings: read from the environment once, validated at cold start.

A missing or malformed variable fails the cold start with a message naming it,
rather than surfacing later as a confusing AWS error deep in a request.
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class SettingsError(RuntimeError):
    """Raised at cold start when the environment does not hold valid settings."""


class Settings(BaseModel):
    """Every setting, under the name of its environment variable (the alias).

    A plain pydantic model validated from os.environ, not pydantic-settings: the only
    source is the environment, and that package costs every cold start ~30 ms to import.
    Lists arrive as "a,b,c" strings (the validators below split them)."""

    # validate_default: a default is checked like a set value (as pydantic-settings did).
    model_config = ConfigDict(extra="ignore", frozen=True, validate_default=True)

    stage: str = Field("dev", alias="STAGE")
    region: str = Field("us-east-1", alias="AWS_REGION")

    # Resource names, injected by template.yaml's Globals (or the local stack).
    users_table: str = Field(alias="USERS_TABLE")
    refresh_tokens_table: str = Field(alias="REFRESH_TOKENS_TABLE")
    rate_limits_table: str = Field(alias="RATE_LIMITS_TABLE")
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE")
    avatars_table: str = Field(alias="AVATARS_TABLE")
    generations_table: str = Field(alias="GENERATIONS_TABLE")
    credit_ledger_table: str = Field(alias="CREDIT_LEDGER_TABLE")
    poses_table: str = Field(alias="POSES_TABLE")
    projects_table: str = Field(alias="PROJECTS_TABLE")
    media_table: str = Field(alias="MEDIA_TABLE")
    media_bucket: str = Field(alias="MEDIA_BUCKET")
    event_bus_name: str = Field(alias="EVENT_BUS_NAME")
    signing_key_secret: str = Field(alias="SIGNING_KEY_SECRET")
    webhooks_table: str = Field(alias="WEBHOOKS_TABLE")
    counts_table: str = Field(alias="COUNTS_TABLE")

    # Tokens.
    jwt_issuer: str = Field("portrait", alias="JWT_ISSUER", min_length=1)
    jwt_audience: str = Field("portrait-api", alias="JWT_AUDIENCE", min_length=1)
    access_token_ttl_seconds: int = Field(900, alias="ACCESS_TOKEN_TTL_SECONDS", ge=60, le=3600)
    refresh_token_ttl_days: int = Field(30, alias="REFRESH_TOKEN_TTL_DAYS", ge=1, le=365)
    signing_key_cache_seconds: int = Field(300, alias="SIGNING_KEY_CACHE_SECONDS", ge=0)

    # Password hashing (argon2id). The defaults are RFC 9106's low-memory profile
    # (about 0.1 s per hash on one core); tests lower them to stay fast.
    password_hash_time_cost: int = Field(3, alias="PASSWORD_HASH_TIME_COST", ge=1)
    password_hash_memory_kib: int = Field(65536, alias="PASSWORD_HASH_MEMORY_KIB", ge=8)
    password_hash_parallelism: int = Field(4, alias="PASSWORD_HASH_PARALLELISM", ge=1)

    # Abuse limits (fixed windows of one minute).
    login_attempts_per_minute: int = Field(10, alias="LOGIN_ATTEMPTS_PER_MINUTE", ge=1)
    avatar_uploads_per_minute: int = Field(5, alias="AVATAR_UPLOADS_PER_MINUTE", ge=1)
    avatar_deletes_per_minute: int = Field(10, alias="AVATAR_DELETES_PER_MINUTE", ge=1)

    # Avatars.
    avatar_max_bytes: int = Field(5 * 1024 * 1024, alias="AVATAR_MAX_BYTES", ge=1024)
    upload_form_ttl_seconds: int = Field(600, alias="UPLOAD_FORM_TTL_SECONDS", ge=60, le=3600)
    avatar_grace_seconds: int = Field(7 * 86400, alias="AVATAR_GRACE_SECONDS", ge=0)
    # A purged avatar leaves a tombstone this long, so a late restore answers 410, not 404.
    avatar_tombstone_seconds: int = Field(30 * 86400, alias="AVATAR_TOMBSTONE_SECONDS", ge=0)

    # Portfolio: projects and their images.
    projects_per_user: int = Field(200, alias="PROJECTS_PER_USER", ge=1, le=10_000)
    media_max_bytes: int = Field(10 * 1024 * 1024, alias="MEDIA_MAX_BYTES", ge=1024,
                                 le=50 * 1024 * 1024)
    media_uploads_per_minute: int = Field(20, alias="MEDIA_UPLOADS_PER_MINUTE", ge=1)
    # The storage class a kept original is written with. Originals are read rarely (a
    # download now and then), so Standard-IA by default: about 45 % cheaper a GB-month than
    # Standard, for a per-GB retrieval fee, a 128 KB minimum billable size and a 30-day
    # minimum (README, "Portfolio"). STANDARD where that does not pay (tiny or short-lived).
    media_original_storage_class: Literal["STANDARD", "STANDARD_IA", "ONEZONE_IA",
                                          "INTELLIGENT_TIERING", "GLACIER_IR"] = Field(
        "STANDARD_IA", alias="MEDIA_ORIGINAL_STORAGE_CLASS")
    # How long GET /media/{id}/original's presigned URL works: only until the download
    # starts, so short; a client asks again for another.
    media_original_url_ttl_seconds: int = Field(300, alias="MEDIA_ORIGINAL_URL_TTL_SECONDS",
                                                ge=10, le=3600)

    # Project search (portrait.search): OpenSearch in AWS, Tantivy on disk locally.
    search_engine: Literal["opensearch", "tantivy"] = Field("opensearch", alias="SEARCH_ENGINE")
    # OpenSearch: the collection's or domain's https endpoint; "aoss" (Serverless) or "es".
    search_endpoint: str = Field("", alias="SEARCH_ENDPOINT")
    search_service: Literal["aoss", "es"] = Field("aoss", alias="SEARCH_SERVICE")
    search_alias: str = Field("projects", alias="SEARCH_ALIAS", pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    # Tantivy: the folder holding its indexes (the local stack's state folder).
    search_index_dir: str = Field("/tmp/portrait-search", alias="SEARCH_INDEX_DIR", min_length=1)
    # Where the API queues rebuild requests for IndexFunction (only the API has it).
    search_index_queue_url: str = Field("", alias="SEARCH_INDEX_QUEUE_URL")

    # Credits and generations. Costs are the price list's (portrait.services.accounts.credits), not settings.
    initial_credits: int = Field(100, alias="INITIAL_CREDITS", ge=0, le=1_000_000)
    # One admin grant at most this much, and no balance above credit_balance_max.
    credit_grant_max: int = Field(10_000, alias="CREDIT_GRANT_MAX", ge=1)
    credit_balance_max: int = Field(1_000_000, alias="CREDIT_BALANCE_MAX", ge=1)
    generation_starts_per_minute: int = Field(10, alias="GENERATION_STARTS_PER_MINUTE", ge=1)
    # The router's destinations (only GenerationRouterFunction has them).
    standard_generations_queue_url: str = Field("", alias="STANDARD_GENERATIONS_QUEUE_URL")
    priority_generations_queue_url: str = Field("", alias="PRIORITY_GENERATIONS_QUEUE_URL")
    # Deliveries of one upload or one render before a retryable error fails it (and refunds).
    generation_render_attempts: int = Field(3, alias="GENERATION_RENDER_ATTEMPTS", ge=1, le=10)

    # Storage hygiene. Uploads under tmp/ older than this are abandoned (the hourly sweep);
    # 0 sweeps everything, which a local stack may want.
    temp_upload_max_age_minutes: int = Field(120, alias="TEMP_UPLOAD_MAX_AGE_MINUTES", ge=0)
    # Objects under avatars/ and media/ with no record are removed only past this age,
    # so an upload whose record is being written is never taken for an orphan.
    orphan_min_age_hours: int = Field(24, alias="ORPHAN_MIN_AGE_HOURS", ge=1)
    # Output encodings of the variants, in order of preference (webp, jpeg).
    avatar_formats: tuple[Literal["webp", "jpeg"], ...] = Field(
        ("webp",), alias="AVATAR_FORMATS", min_length=1)
    # Where clients fetch the public immutable objects (store.keys.is_public_key): the media
    # CDN in production; empty = presigned GETs. Private objects are always presigned.
    public_base_url: str = Field("", alias="PUBLIC_BASE_URL")
    # That CDN's distribution, to invalidate what must stop being served at once (a
    # revoked share link's image); empty = no CDN to tell.
    media_distribution_id: str = Field("", alias="MEDIA_DISTRIBUTION_ID")
    download_url_ttl_seconds: int = Field(3600, alias="DOWNLOAD_URL_TTL_SECONDS", ge=60)
    # Default avatars: "identicon" (local) or "gravatar" (falls back to identicon).
    default_avatar_provider: Literal["identicon", "gravatar"] = Field(
        "identicon", alias="DEFAULT_AVATAR_PROVIDER")
    gravatar_timeout_seconds: float = Field(2.0, alias="GRAVATAR_TIMEOUT_SECONDS", gt=0, le=10)
    # https only: the fetched bytes become someone's avatar.
    gravatar_base_url: str = Field("https://www.gravatar.com/avatar/", alias="GRAVATAR_BASE_URL",
                                   pattern=r"^https://[^\s/]+/")
    # How long a finished event is remembered (Powertools idempotency records). Longer
    # than any redelivery: S3 events sit in SQS up to 4 days, stream records 24 hours.
    idempotency_ttl_seconds: int = Field(5 * 86400, alias="IDEMPOTENCY_TTL_SECONDS", ge=3600)
    # WebP encoder effort of the avatar variants (0 fastest .. 6 smallest), for opaque
    # images and for images with transparency; unset = the per-size choice in variants.py.
    avatar_webp_method: int | None = Field(None, alias="AVATAR_WEBP_METHOD", ge=0, le=6)
    avatar_webp_alpha_method: int | None = Field(None, alias="AVATAR_WEBP_ALPHA_METHOD",
                                                 ge=0, le=6)
    # Encoder threads for the variants; 0 = the cores this process may use.
    image_workers: int = Field(0, alias="IMAGE_WORKERS", ge=0, le=16)

    # Generated portraits. "face" draws the user's face on a figure in the pose, on CPU;
    # "bedrock" asks an Amazon Bedrock image model (portrait.rendering). Both run in the
    # render worker, which a generation reaches through RENDER_REQUESTS_QUEUE_URL.
    # "model": the identity-preserving model on the SageMaker asynchronous endpoint named
    # RENDER_ENDPOINT_NAME (model/), reached with InvokeEndpointAsync.
    renderer: Literal["face", "bedrock", "model"] = Field("face", alias="RENDERER")
    render_requests_queue_url: str = Field("", alias="RENDER_REQUESTS_QUEUE_URL")
    render_priority_requests_queue_url: str = Field("", alias="RENDER_PRIORITY_REQUESTS_QUEUE_URL")
    # Where the render worker sends its inference results (the completion queue).
    render_notifications_queue_url: str = Field("", alias="RENDER_NOTIFICATIONS_QUEUE_URL")
    # The render worker's name in the inference results it sends; with RENDERER=model, the
    # SageMaker endpoint's name.
    render_endpoint_name: str = Field("portrait-render-worker", alias="RENDER_ENDPOINT_NAME")
    # The likeness check on every face-using render (portrait.rendering.likeness): the
    # cosine similarity an output's face must reach, and the renders drawn at most.
    likeness_threshold: float = Field(0.93, alias="LIKENESS_THRESHOLD", ge=0, le=1)
    likeness_attempts: int = Field(3, alias="LIKENESS_ATTEMPTS", ge=1, le=5)
    # A render that has not reported back this long after it was submitted is lost:
    # the deadline sweep fails it and refunds.
    render_deadline_seconds: int = Field(900, alias="RENDER_DEADLINE_SECONDS", ge=10, le=86400)
    bedrock_model_id: str = Field("amazon.titan-image-generator-v2:0", alias="BEDROCK_MODEL_ID",
                                  min_length=1)
    # Where the model runs, when not in AWS_REGION (Titan Image v2 is not in every region).
    bedrock_region: str = Field("", alias="BEDROCK_REGION")
    # How closely the output follows the pose skeleton (Titan: 0.0..1.0, its default 0.7).
    bedrock_control_strength: float = Field(0.7, alias="BEDROCK_CONTROL_STRENGTH", ge=0, le=1)
    # One model call's read timeout; the Lambda timeout must leave room for it.
    render_timeout_seconds: int = Field(60, alias="RENDER_TIMEOUT_SECONDS", ge=5, le=600)

    # Webhooks (portrait.services.webhooks). The secret holding the key that encrypts the
    # endpoints' signing secrets (only the API and the delivery function have it).
    webhook_key_secret: str = Field("", alias="WEBHOOK_KEY_SECRET")
    webhook_deliveries_queue_url: str = Field("", alias="WEBHOOK_DELIVERIES_QUEUE_URL")
    webhook_endpoints_per_user: int = Field(10, alias="WEBHOOK_ENDPOINTS_PER_USER", ge=1, le=100)
    # Waits before each attempt, in seconds (the first is the immediate one). Jitter goes on
    # top (services.webhooks.schedule), so their sum is the shortest time a delivery is
    # retried before it is parked. Tests compress it; the template's default spans 27.5 h.
    webhook_retry_schedule: tuple[int, ...] = Field(
        (0, 5, 300, 1800, 7200, 18000, 36000, 36000), alias="WEBHOOK_RETRY_SCHEDULE",
        min_length=1, max_length=20)
    # An endpoint whose deliveries have failed (no success) this long is disabled.
    webhook_disable_after_seconds: int = Field(5 * 86400, alias="WEBHOOK_DISABLE_AFTER_SECONDS",
                                               ge=1)
    # How long a rotated-out secret keeps signing beside the new one.
    webhook_secret_overlap_seconds: int = Field(86400, alias="WEBHOOK_SECRET_OVERLAP_SECONDS",
                                                ge=0, le=7 * 86400)
    webhook_timeout_seconds: float = Field(10.0, alias="WEBHOOK_TIMEOUT_SECONDS", gt=0, le=30)
    # Attempts in flight to one endpoint at once (services.webhooks.delivery: leases).
    webhook_endpoint_concurrency: int = Field(2, alias="WEBHOOK_ENDPOINT_CONCURRENCY", ge=1, le=10)
    webhook_delivery_ttl_days: int = Field(30, alias="WEBHOOK_DELIVERY_TTL_DAYS", ge=1, le=365)
    # Loopback targets and plain http: for the local stack and tests only. The template never
    # sets it; `portrait dev` does (portrait_local.runtime).
    webhook_allow_loopback: bool = Field(False, alias="WEBHOOK_ALLOW_LOOPBACK")

    @field_validator("webhook_retry_schedule", mode="before")
    @classmethod
    def _seconds_list(cls, value):
        # "0,5,300" in the environment.
        if isinstance(value, str):
            return tuple(int(part) for part in value.split(",") if part.strip())
        return value

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _non_negative(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(wait < 0 for wait in value):
            raise ValueError("waits must be 0 or more seconds")
        return value

    @field_validator("avatar_formats", mode="before")
    @classmethod
    def _comma_separated(cls, value):
        # An environment variable holds "webp,jpeg", not JSON.
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _argon2_memory_covers_lanes(self) -> "Settings":
        # argon2 needs at least 8 KiB per lane; catch it at cold start, not at the first login.
        if self.password_hash_memory_kib < 8 * self.password_hash_parallelism:
            raise ValueError("PASSWORD_HASH_MEMORY_KIB must be at least 8 x PASSWORD_HASH_PARALLELISM")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; the first call validates the environment."""
    try:
        return Settings.model_validate(dict(os.environ))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "?"
            problems.append(f"{name}: {err['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None
