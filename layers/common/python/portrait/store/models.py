"""PynamoDB models for the tables in template.yaml.

Table names are only known at run time (the template injects them), so each
model is bound to its table by `bound(Model)` from the settings on first use.
Several models share one table where items of different kinds live side by
side under one `pk` (a user and its guard items; a token and its family).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, TypeVar

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from portrait.config import get_settings
from portrait.store.service_data import new_session


class _Meta:
    table_name: str | None = None  # set by bound()
    region: str | None = None
    connect_timeout_seconds = 3
    read_timeout_seconds = 10
    max_retry_attempts = 3


# ---------------------------------------------------------------- users table
class UserItem(Model):
    """pk = user#<user_id>"""

    class Meta(_Meta):
        settings_field = "users_table"

    pk = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    username = UnicodeAttribute()
    email = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    role = UnicodeAttribute()
    name = UnicodeAttribute()
    bio = UnicodeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    contact = UnicodeAttribute(null=True)
    social_links = MapAttribute(default=dict)
    avatar_id = UnicodeAttribute(null=True)
    credits = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # Generation stats, moved only in the transactions that change a generation or
    # its charge (portrait.store.generations), so GET /generations/stats is one read.
    generation_records = NumberAttribute(null=True)  # records kept (history's total)
    generations_total = NumberAttribute(null=True)
    generations_completed = NumberAttribute(null=True)
    generations_failed = NumberAttribute(null=True)  # failed or expired, all refunded
    generation_ms_total = NumberAttribute(null=True)  # of the completed ones
    credits_used = NumberAttribute(null=True)  # charges net of refunds
    # Portfolio projects owned, moved in the transactions that create and delete them,
    # so the per-user cap holds however many requests race.
    project_count = NumberAttribute(null=True)


class GuardItem(Model):
    """pk = username#<lowercased> | email#<lowercased>: claims a unique value for one user."""

    class Meta(_Meta):
        settings_field = "users_table"

    pk = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()


# ---------------------------------------------------------------- refresh_tokens table
class RefreshTokenItem(Model):
    """pk = token#<sha256 hex of the token>"""

    class Meta(_Meta):
        settings_field = "refresh_tokens_table"

    pk = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    family_id = UnicodeAttribute()
    expires_at = NumberAttribute()  # TTL, epoch seconds
    used_at = NumberAttribute(null=True)  # set when rotated; a second use is a reuse


class TokenFamilyItem(Model):
    """pk = family#<id>: every token rotated from one login; revoked as a whole."""

    class Meta(_Meta):
        settings_field = "refresh_tokens_table"

    pk = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    expires_at = NumberAttribute()  # TTL, epoch seconds; moves with each rotation
    revoked_at = NumberAttribute(null=True)


# ---------------------------------------------------------------- avatars table
class UploadIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_upload"
        projection = KeysOnlyProjection()

    upload_id = UnicodeAttribute(hash_key=True)


class SoftDeletedIndex(GlobalSecondaryIndex):
    """Sparse: only soft-deleted avatars carry purge_queue."""

    class Meta:
        index_name = "soft_deleted"
        projection = AllProjection()

    purge_queue = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class PendingUploadIndex(GlobalSecondaryIndex):
    """Sparse: only avatars waiting for their upload carry pending_upload, so the temp
    sweep finds uploads that never came (no tmp/ object leads to those) without a scan."""

    class Meta:
        index_name = "pending_uploads"
        projection = KeysOnlyProjection()

    pending_upload = UnicodeAttribute(hash_key=True)
    upload_expires_at = NumberAttribute(range_key=True)


class AvatarItem(Model):
    """(user_id, avatar_id); see portrait.store.avatars for the life cycle."""

    class Meta(_Meta):
        settings_field = "avatars_table"

    user_id = UnicodeAttribute(hash_key=True)
    avatar_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()  # pending | ready | rejected | deleted | expired | purged
    source = UnicodeAttribute()  # upload | identicon | gravatar
    upload_id = UnicodeAttribute(null=True)
    upload_key = UnicodeAttribute(null=True)
    content_type = UnicodeAttribute(null=True)
    upload_expires_at = NumberAttribute(null=True)
    variants = MapAttribute(null=True)  # size -> {key, width, height, bytes, content_type}
    original = MapAttribute(null=True)  # {format, width, height, bytes}
    framing = UnicodeAttribute(null=True)  # face | centre: where the square was cut
    reject_reason = UnicodeAttribute(null=True)
    reject_message = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    ready_at = UnicodeAttribute(null=True)
    deleted_at = UnicodeAttribute(null=True)
    # Set when it was deleted because another avatar became current (an upload, a restore,
    # a default): which one. Unset when its owner deleted it.
    replaced_by = UnicodeAttribute(null=True)
    replaces = UnicodeAttribute(null=True)  # the avatar it replaced when it last became current
    expires_at = NumberAttribute(null=True)  # TTL: deleted_at + grace, only while soft-deleted
    purge_queue = UnicodeAttribute(null=True)  # SOFT_DELETED while soft-deleted, else absent
    pending_upload = UnicodeAttribute(null=True)  # PENDING_UPLOAD while an upload form waits

    by_upload = UploadIndex()
    soft_deleted = SoftDeletedIndex()
    pending_uploads = PendingUploadIndex()


# ---------------------------------------------------------------- generations table
class PendingGenerationIndex(GlobalSecondaryIndex):
    """Sparse: only generations still waiting for their input photo carry pending_upload,
    so the temp sweep finds inputs that never came without a scan."""

    class Meta:
        index_name = "pending_uploads"
        projection = KeysOnlyProjection()

    pending_upload = UnicodeAttribute(hash_key=True)
    upload_expires_at = NumberAttribute(range_key=True)


class RendersInFlightIndex(GlobalSecondaryIndex):
    """Sparse: only generations whose render was submitted and has not reported back
    carry `rendering`, so the deadline sweep finds lost renders without a scan."""

    class Meta:
        index_name = "renders_in_flight"
        projection = KeysOnlyProjection()

    rendering = UnicodeAttribute(hash_key=True)
    render_deadline = NumberAttribute(range_key=True)


class GenerationItem(Model):
    """(user_id, generation_id); see portrait.store.generations for the life cycle."""

    class Meta(_Meta):
        settings_field = "generations_table"

    user_id = UnicodeAttribute(hash_key=True)
    generation_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()  # pending | processing | completed | failed | expired
    pose_id = UnicodeAttribute()
    quality = UnicodeAttribute()  # sd | hd
    style = UnicodeAttribute(null=True)  # a portrait.styles preset; absent = realistic (older records)
    priority = BooleanAttribute(default=False)
    credits_charged = NumberAttribute()
    content_type = UnicodeAttribute()
    input_key = UnicodeAttribute()  # tmp/generations/... until processed
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    upload_expires_at = NumberAttribute()
    pending_upload = UnicodeAttribute(null=True)  # PENDING_UPLOAD while pending, else absent
    input_etag = UnicodeAttribute(null=True)  # the upload a processor claimed
    source_key = UnicodeAttribute(null=True)  # the input kept, metadata stripped
    output_key = UnicodeAttribute(null=True)
    output = MapAttribute(null=True)  # {width, height, bytes, renderer, style, seed, model, likeness}
    started_at = UnicodeAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    processing_ms = NumberAttribute(null=True)
    error_reason = UnicodeAttribute(null=True)
    error_message = UnicodeAttribute(null=True)
    refunded_at = UnicodeAttribute(null=True)
    # The render in flight: RENDERING while submitted and not reported back, else absent.
    rendering = UnicodeAttribute(null=True)
    render_id = UnicodeAttribute(null=True)  # the inference id the renderer answers with
    render_submitted_at = UnicodeAttribute(null=True)
    # Where the endpoint said it would write the answer (s3:// locations).
    render_output_location = UnicodeAttribute(null=True)
    render_failure_location = UnicodeAttribute(null=True)
    render_deadline = NumberAttribute(null=True)  # epoch seconds: past it, the sweep refunds
    # A public link to the portrait: the sha256 of its token (never the token), and when.
    share_id = UnicodeAttribute(null=True)
    shared_at = UnicodeAttribute(null=True)
    batch_id = UnicodeAttribute(null=True)  # the lead generation's id, on every member
    batch_members = ListAttribute(of=UnicodeAttribute, null=True)  # on the lead: every member

    pending_uploads = PendingGenerationIndex()
    renders_in_flight = RendersInFlightIndex()


class ShareLinkItem(Model):
    """A shared portrait's link, an item of the generations table beside the generations:
    ("share#" + share_id, "link") names the generation, so a link resolves with one
    consistent read (no index: CloudFormation adds one GSI per table update at most)."""

    class Meta(_Meta):
        settings_field = "generations_table"

    user_id = UnicodeAttribute(hash_key=True)  # "share#<share_id>": never a user's partition
    generation_id = UnicodeAttribute(range_key=True)  # "link"
    owner_id = UnicodeAttribute()
    target_id = UnicodeAttribute()  # the generation's id
    created_at = UnicodeAttribute()


# ---------------------------------------------------------------- credit_ledger table
class CreditEntryItem(Model):
    """(user_id, entry_id): one movement of a balance. Charge and refund entries are keyed
    on their generation (<generation_id>#charge | #refund) and written only if absent, in
    the transaction that moves the balance: a second refund cannot even be recorded."""

    class Meta(_Meta):
        settings_field = "credit_ledger_table"

    user_id = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()  # grant | charge | refund
    amount = NumberAttribute()  # signed: what the balance moved by
    reason = UnicodeAttribute(null=True)
    generation_id = UnicodeAttribute(null=True)
    actor_id = UnicodeAttribute(null=True)  # the admin who granted
    created_at = UnicodeAttribute()


# ---------------------------------------------------------------- poses table
class CategoryIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_category"
        projection = AllProjection()

    category = UnicodeAttribute(hash_key=True)
    pose_id = UnicodeAttribute(range_key=True)


class PoseItem(Model):
    """pose_id; see portrait.store.poses."""

    class Meta(_Meta):
        settings_field = "poses_table"

    pose_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    category = UnicodeAttribute()
    tags = UnicodeSetAttribute(null=True)  # DynamoDB has no empty set: none is absent
    # 18 x [x, y, v] as one JSON string: always read and written whole, never filtered
    # on, and one string costs far less to (de)serialise than 72 nested attribute values.
    keypoints = JSONAttribute()
    skeleton_key = UnicodeAttribute()
    source = UnicodeAttribute()  # catalogue | admin
    created_at = UnicodeAttribute()

    by_category = CategoryIndex()


class PoseFacetsItem(Model):
    """pose_id = _facets (not a valid pose id): one number per category (`c#<name>`) and
    per tag (`t#<name>`), added to in the same write as the poses they count. It has no
    `category`, so the by_category index never holds it. See portrait.store.poses."""

    class Meta(_Meta):
        settings_field = "poses_table"

    pose_id = UnicodeAttribute(hash_key=True)


# ---------------------------------------------------------------- rate_limits table
class RateLimitItem(Model):
    """pk = <scope>#<subject>: the times of the attempts allowed in the last window."""

    class Meta(_Meta):
        settings_field = "rate_limits_table"

    pk = UnicodeAttribute(hash_key=True)
    hits = ListAttribute(of=NumberAttribute, default=list)  # epoch seconds, oldest first
    version = VersionAttribute()  # every save is conditional on it: no lost update
    expires_at = NumberAttribute()  # TTL, epoch seconds


M = TypeVar("M", bound=type[Model])
ALL_MODELS: tuple[type[Model], ...] = (
    UserItem, GuardItem, RefreshTokenItem, TokenFamilyItem, RateLimitItem, AvatarItem,
    GenerationItem, CreditEntryItem, PoseItem, PoseFacetsItem,
)


# Every model bound in this process (the portfolio's too, which live in their own module
# and are not listed above), so reset_connections forgets them all.
_BOUND: set[type[Model]] = set()


def bound(model: M) -> M:
    """`model` pointed at its table from the settings (rebinding if they changed)."""
    _BOUND.add(model)
    settings = get_settings()
    table_name = getattr(settings, model.Meta.settings_field)
    if model.Meta.table_name != table_name or model.Meta.region != settings.region:
        model.Meta.table_name = table_name
        model.Meta.region = settings.region
        model._connection = None
    if table_name:
        _share_service_data(model._get_connection().connection)
    return model


def _share_service_data(connection: Connection) -> None:
    """PynamoDB gives each model's connection a botocore session of its own (one per
    thread), which parsed DynamoDB's service model and endpoint rules anew: a function's
    first call on each of its tables paid ~75 ms of CPU for it. Its session is made here
    instead, reading through the process's one loader (store.service_data)."""
    if getattr(connection._local, "session", None) is None:  # PynamoDB's per-thread slot
        # Credentials: the default chain, as PynamoDB's own (no model sets keys).
        connection._local.session = new_session()


def transaction_connection(model: type[Model]) -> Connection:
    """The bound model's own connection, reused for transactions (a new one costs a client),
    with a transaction that loses a race to another one retried (store.contention)."""
    from portrait.store.contention import RetryingConnection

    return RetryingConnection(bound(model)._get_connection().connection)


def plain(value: Any) -> Any:
    """A stored value as plain Python: map attributes as dicts, numbers as int where
    whole (PynamoDB reads numbers as float; a stream image, as Powertools reads it,
    as Decimal)."""
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (float, Decimal)):
        return int(value) if value == int(value) else float(value)
    return value


def condition_failed(exc: PynamoDBException) -> bool:
    """True when a write failed only because its condition did not hold."""
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def transaction_condition_failed(exc: TransactWriteError) -> bool:
    """True when a transaction was cancelled because one of its conditions did not hold."""
    return any(r and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or [])


def failed_condition_keys(exc: TransactWriteError) -> set[str | None]:
    """The pk of every item whose condition failed in a cancelled transaction
    (None for an item that did not exist); empty if no condition failed.

    Needs the items written with return_values=TX_OLD. Keys, not positions:
    PynamoDB reorders a transaction's items by kind when it commits.
    """
    return {
        reason.raw_item["pk"]["S"] if reason.raw_item else None
        for reason in (exc.cancellation_reasons or [])
        if reason and reason.code == "ConditionalCheckFailed"
    }


# Written with a conditional write in a transaction, so failed_condition_keys can tell who failed.
TX_OLD = "ALL_OLD"


def reset_connections() -> None:
    """Forget table bindings and connections (tests that switch endpoints call this)."""
    for model in {*ALL_MODELS, *_BOUND}:
        model.Meta.table_name = None
        model._connection = None


def every_model() -> list[type[Model]]:
    """Every table model of the layer: these, the portfolio's and the webhooks' (imported
    here, not at the top: those modules import this one)."""
    from portrait.store.portfolio import models as portfolio
    from portrait.store.webhooks import models as webhooks

    return [*ALL_MODELS, ShareLinkItem, portfolio.ProjectItem, portfolio.MediaItem,
            webhooks.EndpointItem, webhooks.EndpointCountItem, webhooks.DeliveryItem]


def prime_connections(models: Iterable[type[Model]]) -> None:
    """Each model whose table is configured bound, its DynamoDB client built, so a SnapStart
    snapshot taken after this holds them all (their sessions share the service data:
    `bound`)."""
    settings = get_settings()
    for model in models:
        if getattr(settings, model.Meta.settings_field):
            bound(model)._get_connection().connection.client  # noqa: B018 - built on access


def close_connections() -> None:
    """Close the connection pool of every bound model's client (kept; the pool refills):
    sockets from before a SnapStart snapshot are dead after a restore."""
    for model in _BOUND:
        table = model._connection
        made = getattr(table.connection, "_client", None) if table is not None else None
        if made is not None:  # not `.client`: that would build a client just to close it
            made.close()
