"""Settings: read from the environment once, validated at cold start.

A missing or malformed variable fails the cold start with a message naming it,
rather than surfacing later as a confusing AWS error deep in a request.

A plain read-only class checked by the few rules below, not a pydantic model (nor a
dataclass): every function loads this module on its cold start, and the 90-field pydantic
model cost each one ~170 M instructions to build, plus pydantic's own import (~250 M)
where nothing else needs pydantic -- together half of `import boto3` (743 M). A dataclass
still cost ~35 M to generate its methods; this class costs ~17 M in all
(bench/cold_start.py --clock instructions; README, "Cold starts and SnapStart").
The annotations drive the parsing (str, int, float, bool, `int | None`, Literal choices,
tuples from "a,b,c"); `setting()` adds the bounds.
"""
import os
import re
from collections.abc import Mapping
from functools import lru_cache
from types import UnionType
from typing import Any, Literal, get_args, get_origin

# pydantic's spellings of a boolean, so a value that worked before still works.
_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


class SettingsError(RuntimeError):
    """Raised at cold start when the environment does not hold valid settings."""


_REQUIRED = object()  # a setting with no default


class _Rules:
    """One setting's variable, default and bounds (the class attribute of its name)."""

    __slots__ = ("alias", "default", "ge", "gt", "le", "min_length", "max_length", "pattern")

    def __init__(self, *values: Any) -> None:
        for name, value in zip(self.__slots__, values):
            setattr(self, name, value)


def setting(alias: str, default: Any = _REQUIRED, *, ge: float | None = None,
            gt: float | None = None, le: float | None = None, min_length: int | None = None,
            max_length: int | None = None, pattern: str | None = None) -> Any:
    """A setting read from the environment variable `alias`; no default = required.
    Bounds apply to a number (each item of a tuple); lengths to a string or a tuple."""
    return _Rules(alias, default, ge, gt, le, min_length, max_length, pattern)


def _parse(kind: Any, raw: str) -> Any:
    """`raw` (an environment string) as a value of the annotation `kind`."""
    origin = get_origin(kind)
    if origin is Literal:
        if raw not in get_args(kind):
            raise ValueError("must be one of " + ", ".join(map(str, get_args(kind))))
        return raw
    if origin is tuple:  # "a,b,c"
        return tuple(_parse(get_args(kind)[0], part.strip())
                     for part in raw.split(",") if part.strip())
    if origin is UnionType:  # int | None: unset when empty
        return None if not raw.strip() else _parse(get_args(kind)[0], raw)
    if kind is bool:
        word = raw.strip().lower()
        if word not in _TRUE and word not in _FALSE:
            raise ValueError(f"not a boolean: {raw!r}")
        return word in _TRUE
    if kind in (int, float):
        try:
            return kind(raw.strip())
        except ValueError:
            raise ValueError(f"not {'an integer' if kind is int else 'a number'}: {raw!r}") from None
    return raw


def _check(value: Any, rules: _Rules) -> None:
    """ValueError when `value` breaks one of its setting's rules."""
    if isinstance(value, (str, tuple)):
        if rules.min_length is not None and len(value) < rules.min_length:
            raise ValueError(f"must have at least {rules.min_length} character(s) or item(s)")
        if rules.max_length is not None and len(value) > rules.max_length:
            raise ValueError(f"must have at most {rules.max_length} character(s) or item(s)")
    if isinstance(value, str) and rules.pattern and not re.search(rules.pattern, value):
        raise ValueError(f"must match {rules.pattern}")
    for number in value if isinstance(value, tuple) else (value,):
        if not isinstance(number, (int, float)) or isinstance(number, bool):
            continue
        if rules.ge is not None and number < rules.ge:
            raise ValueError(f"must be at least {rules.ge}")
        if rules.gt is not None and number <= rules.gt:
            raise ValueError(f"must be more than {rules.gt}")
        if rules.le is not None and number > rules.le:
            raise ValueError(f"must be at most {rules.le}")


class Settings:
    """Every setting, under the name of its environment variable (setting()'s alias).
    Lists arrive as "a,b,c" strings. Read-only: one instance a process, shared."""

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"settings are read-only ({name})")

    def __repr__(self) -> str:
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"

    stage: str = setting("STAGE", "dev")
    region: str = setting("AWS_REGION", "us-east-1")

    # Resource names, injected by template.yaml's Globals (or the local stack).
    users_table: str = setting("USERS_TABLE")
    refresh_tokens_table: str = setting("REFRESH_TOKENS_TABLE")
    rate_limits_table: str = setting("RATE_LIMITS_TABLE")
    idempotency_table: str = setting("IDEMPOTENCY_TABLE")
    avatars_table: str = setting("AVATARS_TABLE")
    generations_table: str = setting("GENERATIONS_TABLE")
    credit_ledger_table: str = setting("CREDIT_LEDGER_TABLE")
    poses_table: str = setting("POSES_TABLE")
    projects_table: str = setting("PROJECTS_TABLE")
    media_table: str = setting("MEDIA_TABLE")
    media_bucket: str = setting("MEDIA_BUCKET")
    event_bus_name: str = setting("EVENT_BUS_NAME")
    signing_key_secret: str = setting("SIGNING_KEY_SECRET")
    webhooks_table: str = setting("WEBHOOKS_TABLE")
    counts_table: str = setting("COUNTS_TABLE")

    # Tokens.
    jwt_issuer: str = setting("JWT_ISSUER", "portrait", min_length=1)
    jwt_audience: str = setting("JWT_AUDIENCE", "portrait-api", min_length=1)
    access_token_ttl_seconds: int = setting("ACCESS_TOKEN_TTL_SECONDS", 900, ge=60, le=3600)
    refresh_token_ttl_days: int = setting("REFRESH_TOKEN_TTL_DAYS", 30, ge=1, le=365)
    signing_key_cache_seconds: int = setting("SIGNING_KEY_CACHE_SECONDS", 300, ge=0)

    # Password hashing (argon2id). The defaults are RFC 9106's low-memory profile
    # (about 0.1 s per hash on one core); tests lower them to stay fast.
    password_hash_time_cost: int = setting("PASSWORD_HASH_TIME_COST", 3, ge=1)
    password_hash_memory_kib: int = setting("PASSWORD_HASH_MEMORY_KIB", 65536, ge=8)
    password_hash_parallelism: int = setting("PASSWORD_HASH_PARALLELISM", 4, ge=1)

    # Abuse limits (fixed windows of one minute).
    login_attempts_per_minute: int = setting("LOGIN_ATTEMPTS_PER_MINUTE", 10, ge=1)
    avatar_uploads_per_minute: int = setting("AVATAR_UPLOADS_PER_MINUTE", 5, ge=1)
    avatar_deletes_per_minute: int = setting("AVATAR_DELETES_PER_MINUTE", 10, ge=1)

    # Avatars.
    avatar_max_bytes: int = setting("AVATAR_MAX_BYTES", 5 * 1024 * 1024, ge=1024)
    upload_form_ttl_seconds: int = setting("UPLOAD_FORM_TTL_SECONDS", 600, ge=60, le=3600)
    avatar_grace_seconds: int = setting("AVATAR_GRACE_SECONDS", 7 * 86400, ge=0)
    # A purged avatar leaves a tombstone this long, so a late restore answers 410, not 404.
    avatar_tombstone_seconds: int = setting("AVATAR_TOMBSTONE_SECONDS", 30 * 86400, ge=0)

    # Portfolio: projects and their images.
    projects_per_user: int = setting("PROJECTS_PER_USER", 200, ge=1, le=10_000)
    media_max_bytes: int = setting("MEDIA_MAX_BYTES", 10 * 1024 * 1024, ge=1024,
                                   le=50 * 1024 * 1024)
    media_uploads_per_minute: int = setting("MEDIA_UPLOADS_PER_MINUTE", 20, ge=1)
    # The storage class a kept original is written with. Originals are read rarely (a
    # download now and then), so Standard-IA by default: about 45 % cheaper a GB-month than
    # Standard, for a per-GB retrieval fee, a 128 KB minimum billable size and a 30-day
    # minimum (README, "Portfolio"). STANDARD where that does not pay (tiny or short-lived).
    media_original_storage_class: Literal["STANDARD", "STANDARD_IA", "ONEZONE_IA",
                                          "INTELLIGENT_TIERING", "GLACIER_IR"] = setting(
        "MEDIA_ORIGINAL_STORAGE_CLASS", "STANDARD_IA")
    # How long GET /media/{id}/original's presigned URL works: only until the download
    # starts, so short; a client asks again for another.
    media_original_url_ttl_seconds: int = setting("MEDIA_ORIGINAL_URL_TTL_SECONDS", 300,
                                                  ge=10, le=3600)

    # Project search (portrait.search): OpenSearch in AWS, Tantivy on disk locally.
    search_engine: Literal["opensearch", "tantivy"] = setting("SEARCH_ENGINE", "opensearch")
    # OpenSearch: the collection's or domain's https endpoint; "aoss" (Serverless) or "es".
    search_endpoint: str = setting("SEARCH_ENDPOINT", "")
    search_service: Literal["aoss", "es"] = setting("SEARCH_SERVICE", "aoss")
    search_alias: str = setting("SEARCH_ALIAS", "projects",
                                pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    # Tantivy: the folder holding its indexes (the local stack's state folder).
    search_index_dir: str = setting("SEARCH_INDEX_DIR", "/tmp/portrait-search", min_length=1)
    # Where the API queues rebuild requests for IndexFunction (only the API has it).
    search_index_queue_url: str = setting("SEARCH_INDEX_QUEUE_URL", "")

    # Credits and generations. Costs are the price list's
    # (portrait.services.accounts.credits), not settings.
    initial_credits: int = setting("INITIAL_CREDITS", 100, ge=0, le=1_000_000)
    # One admin grant at most this much, and no balance above credit_balance_max.
    credit_grant_max: int = setting("CREDIT_GRANT_MAX", 10_000, ge=1)
    credit_balance_max: int = setting("CREDIT_BALANCE_MAX", 1_000_000, ge=1)
    generation_starts_per_minute: int = setting("GENERATION_STARTS_PER_MINUTE", 10, ge=1)
    # The router's destinations (only GenerationRouterFunction has them).
    standard_generations_queue_url: str = setting("STANDARD_GENERATIONS_QUEUE_URL", "")
    priority_generations_queue_url: str = setting("PRIORITY_GENERATIONS_QUEUE_URL", "")
    # Deliveries of one upload or one render before a retryable error fails it (and refunds).
    generation_render_attempts: int = setting("GENERATION_RENDER_ATTEMPTS", 3, ge=1, le=10)

    # Storage hygiene. Uploads under tmp/ older than this are abandoned (the hourly sweep);
    # 0 sweeps everything, which a local stack may want.
    temp_upload_max_age_minutes: int = setting("TEMP_UPLOAD_MAX_AGE_MINUTES", 120, ge=0)
    # Objects under avatars/ and media/ with no record are removed only past this age,
    # so an upload whose record is being written is never taken for an orphan.
    orphan_min_age_hours: int = setting("ORPHAN_MIN_AGE_HOURS", 24, ge=1)
    # Output encodings of the variants, in order of preference (webp, jpeg).
    avatar_formats: tuple[Literal["webp", "jpeg"], ...] = setting(
        "AVATAR_FORMATS", ("webp",), min_length=1)
    # Where clients fetch the public immutable objects (store.keys.is_public_key): the media
    # CDN in production; empty = presigned GETs. Private objects are always presigned.
    public_base_url: str = setting("PUBLIC_BASE_URL", "")
    # That CDN's distribution, to invalidate what must stop being served at once (a
    # revoked share link's image); empty = no CDN to tell.
    media_distribution_id: str = setting("MEDIA_DISTRIBUTION_ID", "")
    download_url_ttl_seconds: int = setting("DOWNLOAD_URL_TTL_SECONDS", 3600, ge=60)
    # Default avatars: "identicon" (local) or "gravatar" (falls back to identicon).
    default_avatar_provider: Literal["identicon", "gravatar"] = setting(
        "DEFAULT_AVATAR_PROVIDER", "identicon")
    gravatar_timeout_seconds: float = setting("GRAVATAR_TIMEOUT_SECONDS", 2.0, gt=0, le=10)
    # https only: the fetched bytes become someone's avatar.
    gravatar_base_url: str = setting("GRAVATAR_BASE_URL", "https://www.gravatar.com/avatar/",
                                     pattern=r"^https://[^\s/]+/")
    # How long a finished event is remembered (Powertools idempotency records). Longer
    # than any redelivery: S3 events sit in SQS up to 4 days, stream records 24 hours.
    idempotency_ttl_seconds: int = setting("IDEMPOTENCY_TTL_SECONDS", 5 * 86400, ge=3600)
    # WebP encoder effort of the avatar variants (0 fastest .. 6 smallest), for opaque
    # images and for images with transparency; unset = the per-size choice in variants.py.
    avatar_webp_method: int | None = setting("AVATAR_WEBP_METHOD", None, ge=0, le=6)
    avatar_webp_alpha_method: int | None = setting("AVATAR_WEBP_ALPHA_METHOD", None,
                                                   ge=0, le=6)
    # Encoder threads for the variants; 0 = the cores this process may use.
    image_workers: int = setting("IMAGE_WORKERS", 0, ge=0, le=16)

    # Generated portraits. "face" draws the user's face on a figure in the pose, on CPU;
    # "bedrock" asks an Amazon Bedrock image model (portrait.rendering). Both run in the
    # render worker, which a generation reaches through RENDER_REQUESTS_QUEUE_URL.
    # "model": the identity-preserving model on the SageMaker asynchronous endpoint named
    # RENDER_ENDPOINT_NAME (model/), reached with InvokeEndpointAsync.
    renderer: Literal["face", "bedrock", "model"] = setting("RENDERER", "face")
    render_requests_queue_url: str = setting("RENDER_REQUESTS_QUEUE_URL", "")
    render_priority_requests_queue_url: str = setting("RENDER_PRIORITY_REQUESTS_QUEUE_URL", "")
    # Where the render worker sends its inference results (the completion queue).
    render_notifications_queue_url: str = setting("RENDER_NOTIFICATIONS_QUEUE_URL", "")
    # The render worker's name in the inference results it sends; with RENDERER=model, the
    # SageMaker endpoint's name.
    render_endpoint_name: str = setting("RENDER_ENDPOINT_NAME", "portrait-render-worker")
    # The likeness check on every face-using render (portrait.rendering.likeness): the
    # cosine similarity an output's face must reach, and the renders drawn at most.
    likeness_threshold: float = setting("LIKENESS_THRESHOLD", 0.93, ge=0, le=1)
    likeness_attempts: int = setting("LIKENESS_ATTEMPTS", 3, ge=1, le=5)
    # A render that has not reported back this long after it was submitted is lost:
    # the deadline sweep fails it and refunds.
    render_deadline_seconds: int = setting("RENDER_DEADLINE_SECONDS", 900, ge=10, le=86400)
    bedrock_model_id: str = setting("BEDROCK_MODEL_ID", "amazon.titan-image-generator-v2:0",
                                    min_length=1)
    # Where the model runs, when not in AWS_REGION (Titan Image v2 is not in every region).
    bedrock_region: str = setting("BEDROCK_REGION", "")
    # How closely the output follows the pose skeleton (Titan: 0.0..1.0, its default 0.7).
    bedrock_control_strength: float = setting("BEDROCK_CONTROL_STRENGTH", 0.7, ge=0, le=1)
    # One model call's read timeout; the Lambda timeout must leave room for it.
    render_timeout_seconds: int = setting("RENDER_TIMEOUT_SECONDS", 60, ge=5, le=600)

    # Webhooks (portrait.services.webhooks). The secret holding the key that encrypts the
    # endpoints' signing secrets (only the API and the delivery function have it).
    webhook_key_secret: str = setting("WEBHOOK_KEY_SECRET", "")
    webhook_deliveries_queue_url: str = setting("WEBHOOK_DELIVERIES_QUEUE_URL", "")
    webhook_endpoints_per_user: int = setting("WEBHOOK_ENDPOINTS_PER_USER", 10, ge=1, le=100)
    # Waits before each attempt, in seconds (the first is the immediate one). Jitter goes on
    # top (services.webhooks.schedule), so their sum is the shortest time a delivery is
    # retried before it is parked. Tests compress it; the template's default spans 27.5 h.
    webhook_retry_schedule: tuple[int, ...] = setting(
        "WEBHOOK_RETRY_SCHEDULE", (0, 5, 300, 1800, 7200, 18000, 36000, 36000),
        min_length=1, max_length=20, ge=0)
    # An endpoint whose deliveries have failed (no success) this long is disabled.
    webhook_disable_after_seconds: int = setting("WEBHOOK_DISABLE_AFTER_SECONDS", 5 * 86400,
                                                 ge=1)
    # How long a rotated-out secret keeps signing beside the new one.
    webhook_secret_overlap_seconds: int = setting("WEBHOOK_SECRET_OVERLAP_SECONDS", 86400,
                                                  ge=0, le=7 * 86400)
    webhook_timeout_seconds: float = setting("WEBHOOK_TIMEOUT_SECONDS", 10.0, gt=0, le=30)
    # Attempts in flight to one endpoint at once (services.webhooks.delivery: leases).
    webhook_endpoint_concurrency: int = setting("WEBHOOK_ENDPOINT_CONCURRENCY", 2, ge=1, le=10)
    webhook_delivery_ttl_days: int = setting("WEBHOOK_DELIVERY_TTL_DAYS", 30, ge=1, le=365)
    # Loopback targets and plain http: for the local stack and tests only. The template never
    # sets it; `portrait dev` does (portrait_local.runtime).
    webhook_allow_loopback: bool = setting("WEBHOOK_ALLOW_LOOPBACK", False)


    @classmethod
    def rules(cls) -> dict[str, _Rules]:
        """Each setting's rules, by attribute name, in declaration order."""
        return {name: rules for name, rules in vars(cls).items() if isinstance(rules, _Rules)}

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Settings":
        """The settings `environ` holds; SettingsError naming every bad or missing one."""
        kinds = cls.__annotations__
        values, problems = {}, []
        for name, rules in cls.rules().items():
            try:
                if rules.alias in environ:
                    values[name] = _parse(kinds[name], environ[rules.alias])
                elif rules.default is _REQUIRED:
                    raise ValueError("required, not set")
                else:
                    values[name] = rules.default
                _check(values[name], rules)
            except ValueError as exc:
                problems.append(f"{rules.alias}: {exc}")
        if not problems and values["password_hash_memory_kib"] < 8 * values[
                "password_hash_parallelism"]:
            # argon2 needs at least 8 KiB per lane; caught at cold start, not at the first login.
            problems.append("PASSWORD_HASH_MEMORY_KIB: must be at least 8 x "
                            "PASSWORD_HASH_PARALLELISM")
        if problems:
            raise SettingsError("invalid settings: " + "; ".join(problems))
        return cls(**values)

    @classmethod
    def default_of(cls, name: str) -> Any:
        """A setting's default (what runs when the environment does not set it)."""
        return cls.rules()[name].default

    @classmethod
    def choices_of(cls, name: str) -> tuple[str, ...]:
        """The values a Literal setting takes."""
        return get_args(cls.__annotations__[name])

    @classmethod
    def aliases(cls) -> list[str]:
        """Every environment variable a setting is read from."""
        return [rules.alias for rules in cls.rules().values()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; the first call validates the environment."""
    return Settings.from_environ(os.environ)
