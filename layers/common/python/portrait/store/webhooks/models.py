"""PynamoDB models of WebhooksTable: a user's endpoints and their count under the user's
partition, each endpoint's deliveries under the endpoint's.

    pk = user#<user_id>          sk = endpoint#<endpoint_id>   an endpoint
    pk = user#<user_id>          sk = endpoints                how many (the per-user cap)
    pk = endpoint#<endpoint_id>  sk = delivery#<delivery_id>   one event for one endpoint

An endpoint is found by its owner's partition only, so someone else's id finds nothing
(a 404), and the fan-out reads a user's endpoints with one query.
"""
from __future__ import annotations

from pynamodb.attributes import (BooleanAttribute, JSONAttribute, ListAttribute, MapAttribute,
                                 NumberAttribute, UnicodeAttribute)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from portrait.store.models import _Meta


def user_pk(user_id: str) -> str:
    return f"user#{user_id}"


def endpoint_sk(endpoint_id: str) -> str:
    return f"endpoint#{endpoint_id}"


def endpoint_pk(endpoint_id: str) -> str:
    return f"endpoint#{endpoint_id}"


def delivery_sk(delivery_id: str) -> str:
    return f"delivery#{delivery_id}"


COUNT_SK = "endpoints"


class EndpointItem(Model):
    class Meta(_Meta):
        settings_field = "webhooks_table"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    endpoint_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    url = UnicodeAttribute()
    event_types = ListAttribute(of=UnicodeAttribute)  # catalogue names, or ["*"]
    description = UnicodeAttribute(null=True)
    enabled = BooleanAttribute()
    disabled_reason = UnicodeAttribute(null=True)  # why we disabled it (not its owner)
    # Since when every attempt failed (no success since); cleared by a success.
    failing_since = NumberAttribute(null=True)
    failing = BooleanAttribute(null=True)  # a delivery was parked since the last success
    # [{"sealed": AES-GCM of the secret, "retires_at": epoch or null}], newest first.
    secrets = JSONAttribute()
    # slot -> epoch the lease runs out (services.webhooks.delivery: per-endpoint concurrency).
    leases = MapAttribute(default=dict)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class EndpointCountItem(Model):
    class Meta(_Meta):
        settings_field = "webhooks_table"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    count = NumberAttribute(default=0)


class DueDeliveries(GlobalSecondaryIndex):
    """Sparse: only deliveries with an attempt to come carry `due`, so the sweep finds the
    ones whose time has come (and lost messages) without a scan. One partition: at the
    volumes here that is fine; shard `due` (due#0..n) when one partition's 3000 reads a
    second are not."""

    class Meta:
        index_name = "due"
        projection = IncludeProjection(["attempt_count", "sent_for", "user_id"])

    due = UnicodeAttribute(hash_key=True)
    next_attempt_at = NumberAttribute(range_key=True)
    attempt_count = NumberAttribute()
    sent_for = NumberAttribute(null=True)
    user_id = UnicodeAttribute()


class DeliveryItem(Model):
    class Meta(_Meta):
        settings_field = "webhooks_table"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    delivery_id = UnicodeAttribute()
    endpoint_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    body = UnicodeAttribute()  # the event's JSON, byte for byte what every attempt sends
    status = UnicodeAttribute()  # pending | succeeded | failed | parked
    attempt_count = NumberAttribute(default=0)
    # [{at, status_code, latency_ms, error, response}], oldest first (the last few kept).
    attempts = JSONAttribute(default=list)
    next_attempt_at = NumberAttribute(null=True)
    due = UnicodeAttribute(null=True)  # DUE while an attempt is to come, else absent
    sent_for = NumberAttribute(null=True)  # the attempt_count a message was sent for
    claimed_until = NumberAttribute(null=True)  # an attempt in progress holds it
    once = BooleanAttribute(null=True)  # a redelivery: one attempt, no schedule
    created_at = UnicodeAttribute()
    expires_at = NumberAttribute()  # TTL

    due_index = DueDeliveries()
