"""Every metric the code emits, declared once: name, unit, kind and dimensions.

Emitters name a metric from here (`emit(M.AVATAR_PROCESSED)`, `count_by(M.AVATAR_REJECTED,
reason=...)` in portrait.observability), which refuses a metric or a dimension not declared
here; tests/template reads template.yaml's alarms and dashboard against this module, so a
renamed metric fails a test instead of silently disarming its alarm.

All metrics go to the stage's namespace (Portrait/<Stage>) with Powertools' default
dimension `service` (POWERTOOLS_SERVICE_NAME, "portrait"); `dimensions` lists only those
added on top of it. Powertools publishes one dimension set per metric line, so each metric
has exactly one: ("service", *dimensions).
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from aws_lambda_powertools.metrics import MetricUnit

SERVICE_DIMENSION = "service"


class Kind(enum.Enum):
    """What a value means, which decides the statistics that mean something (below)."""
    EVENTS = "events"    # one per event, value 1: Sum and SampleCount both count events
    AMOUNT = "amount"    # a quantity per event (objects, bytes, credits): any statistic
    TIMING = "timing"    # a duration per operation, in milliseconds: a distribution


@dataclass(frozen=True)
class Metric:
    name: str
    unit: MetricUnit
    kind: Kind
    doc: str
    dimensions: tuple[str, ...] = ()  # beyond `service`

    @property
    def dimension_set(self) -> frozenset[str]:
        return frozenset((SERVICE_DIMENSION, *self.dimensions))


def _events(name: str, doc: str, *dimensions: str) -> Metric:
    return Metric(name, MetricUnit.Count, Kind.EVENTS, doc, dimensions)


def _amount(name: str, doc: str, unit: MetricUnit = MetricUnit.Count) -> Metric:
    return Metric(name, unit, Kind.AMOUNT, doc)


def _timing(name: str, doc: str) -> Metric:
    return Metric(name, MetricUnit.Milliseconds, Kind.TIMING, doc)


# ---------------------------------------------------------------- avatars
AVATAR_UPLOAD_STARTED = _events("AvatarUploadStarted", "an avatar upload form was issued")
AVATAR_PROCESSED = _events("AvatarProcessed", "an upload became an avatar (five variants)")
AVATAR_BYTES_IN = _amount("AvatarBytesIn", "bytes of the uploaded source", MetricUnit.Bytes)
AVATAR_BYTES_OUT = _amount("AvatarBytesOut", "bytes of the five variants", MetricUnit.Bytes)
AVATAR_PROCESSING_TIME = _timing("AvatarProcessingTime",
                                 "validate, five variants, store, switch: one avatar")
AVATAR_REJECTED = _events("AvatarRejected", "an upload refused, by reason", "reason")
AVATARS_REJECTED = _events("AvatarsRejected", "an upload refused, any reason (the alarm's)")
AVATAR_DELETED = _events("AvatarDeleted", "a user deleted an avatar (soft, restorable)")
AVATAR_REMOVED = _events("AvatarRemoved", "the current avatar was removed")
AVATAR_RESTORED = _events("AvatarRestored", "a soft-deleted avatar was restored")
DEFAULT_AVATAR_CREATED = _events("DefaultAvatarCreated",
                                 "a new user's default avatar, by source", "source")

# ---------------------------------------------------------------- hygiene (sweeps, purge)
AVATARS_PURGED = _amount("AvatarsPurged", "soft-deleted avatars whose objects were deleted")
PURGED_OBJECTS = _amount("PurgedObjects", "objects of purged avatars deleted")
PURGED_BYTES = _amount("PurgedBytes", "bytes freed by the stream purge", MetricUnit.Bytes)
ORPHANS_FOUND = _amount("OrphansFound", "avatar objects with no live record, found")
ORPHANS_DELETED = _amount("OrphansDeleted", "avatar objects with no live record, deleted")
SWEEP_FAILURES = _amount("SweepFailures", "objects the deleted sweep failed to delete")
DELETED_SWEEP_BYTES_FREED = _amount("DeletedSweepBytesFreed", "bytes freed by the deleted "
                                    "sweep", MetricUnit.Bytes)
TEMP_OBJECTS_FOUND = _amount("TempObjectsFound", "abandoned tmp/ uploads found")
TEMP_OBJECTS_DELETED = _amount("TempObjectsDeleted", "abandoned tmp/ uploads deleted")
TEMP_OBJECTS_FAILED = _amount("TempObjectsFailed", "abandoned tmp/ uploads not deleted")
TEMP_BYTES_FREED = _amount("TempBytesFreed", "bytes freed under tmp/", MetricUnit.Bytes)
TEMP_RECORDS_EXPIRED = _amount("TempRecordsExpired", "pending records of abandoned uploads "
                               "expired")

# ---------------------------------------------------------------- portfolio and search
MEDIA_UPLOAD_STARTED = _events("MediaUploadStarted", "a media upload form was issued")
MEDIA_PROCESSED = _events("MediaProcessed", "an upload became media (original + thumbnail)")
MEDIA_PROCESSING_TIME = _timing("MediaProcessingTime", "validate, thumbnail, store: one image")
MEDIA_REJECTED = _events("MediaRejected", "a media upload refused, by reason", "reason")
MEDIA_DELETED = _events("MediaDeleted", "a media item was deleted")
PROJECT_CREATED = _events("ProjectCreated", "a portfolio project was created")
PROJECT_DELETED = _events("ProjectDeleted", "a portfolio project was deleted")
SEARCH_INDEX_REBUILT = _events("SearchIndexRebuilt", "the search index was rebuilt")

# ---------------------------------------------------------------- generations and credits
GENERATION_STARTED = _amount("GenerationStarted", "generations requested (a batch counts each)")
GENERATION_ROUTED = _events("GenerationRouted", "an upload sent to its queue, by lane", "lane")
GENERATION_SUBMITTED = _events("GenerationSubmitted", "a render submitted to the renderer")
GENERATION_COMPLETED = _events("GenerationCompleted", "a portrait rendered and stored")
GENERATION_FAILED = _events("GenerationFailed", "a generation failed and was refunded, by "
                            "reason", "reason")
GENERATION_PROCESSING_TIME = _timing("GenerationProcessingTime",
                                     "from the upload to the stored portrait")
GENERATION_DELETED = _events("GenerationDeleted", "a generation was deleted")
RENDER_TIME = _timing("RenderTime", "the renderer's time for one portrait")
RENDER_FAILED = _events("RenderFailed", "a render failed, by reason", "reason")
PORTRAIT_SHARED = _events("PortraitShared", "a portrait was shared")
CREDITS_CHARGED = _amount("CreditsCharged", "credits charged for generations")
CREDITS_REFUNDED = _amount("CreditsRefunded", "credits refunded for failed generations")
CREDITS_GRANTED = _amount("CreditsGranted", "credits an admin granted")

# ---------------------------------------------------------------- accounts and the API
USER_REGISTERED = _events("UserRegistered", "a user registered")
LOGIN_SUCCEEDED = _events("LoginSucceeded", "a login succeeded")
LOGIN_FAILED = _events("LoginFailed", "a login failed (bad credentials)")
REFRESH_TOKEN_REUSE = _events("RefreshTokenReuse", "a rotated refresh token came back")
RATE_LIMIT_REFUSALS = _events("RateLimitRefusals", "the API answered 429 rate_limited")

# ---------------------------------------------------------------- domain events and webhooks
DOMAIN_EVENTS_PUBLISHED = _amount("DomainEventsPublished", "events put on the bus")
WEBHOOK_ATTEMPTS = _events("WebhookAttempts", "a delivery attempt, by outcome (succeeded, "
                           "retrying, parked, failed)", "outcome")
WEBHOOK_ATTEMPT_LATENCY = _timing("WebhookAttemptLatency", "one delivery attempt's round trip")
WEBHOOK_DELIVERIES_PARKED = _events("WebhookDeliveriesParked", "a delivery gave up retrying")
WEBHOOK_ENDPOINTS_DISABLED = _events("WebhookEndpointsDisabled",
                                     "an endpoint disabled, by reason", "reason")

CATALOGUE: dict[str, Metric] = {m.name: m for m in globals().values() if isinstance(m, Metric)}


class UndeclaredMetric(ValueError):
    """An emitter named a metric, or a dimension, that this catalogue does not declare."""


def declared(metric: Metric) -> Metric:
    """`metric` itself, when it is the catalogue's; raises UndeclaredMetric otherwise (a
    Metric built elsewhere, or one whose name the catalogue gives another unit)."""
    if not isinstance(metric, Metric) or CATALOGUE.get(metric.name) != metric:
        raise UndeclaredMetric(f"{metric!r} is not in portrait.metric_catalogue")
    return metric


# Statistics by kind (the CloudWatch names alarms and dashboards use). Why:
# - EVENTS: every value is 1, so Sum and SampleCount count the events; Average, Minimum,
#   Maximum and percentiles are 1 whenever there is data, so an alarm on them never moves.
# - AMOUNT: the total (Sum), how many times (SampleCount), and the size of one (Average,
#   Minimum, Maximum, pN) all mean something: bytes freed, credits charged per request.
# - TIMING: a distribution: percentiles, Average, Minimum, Maximum, and SampleCount (how
#   many operations were timed). Sum is not: milliseconds added across invocations grow
#   with traffic, so no threshold on it says "slow".
_PERCENTILE = re.compile(r"p(100|\d{1,2}(\.\d{1,2})?)")
_STATISTICS = {
    Kind.EVENTS: {"Sum", "SampleCount"},
    Kind.AMOUNT: {"Sum", "SampleCount", "Average", "Minimum", "Maximum"},
    Kind.TIMING: {"SampleCount", "Average", "Minimum", "Maximum"},
}


def statistic_fits(metric: Metric, statistic: str) -> bool:
    """Whether `statistic` (Sum, Average, p99, ...) says something about `metric`."""
    if _PERCENTILE.fullmatch(statistic):
        return metric.kind is not Kind.EVENTS
    return statistic in _STATISTICS[metric.kind]
