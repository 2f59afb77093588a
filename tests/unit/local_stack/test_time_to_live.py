"""The local TTL's pure parts: which tables it sweeps, and which REMOVE records it made."""
from __future__ import annotations

import pytest

from portrait_local.template import Template
from portrait_local.time_to_live import (
    REMEMBERED_SECONDS,
    SERVICE_IDENTITY,
    TtlDeletes,
    ttl_tables,
)
from tests.conftest import TEMPLATE_PATH

KEYS = {"user_id": {"S": "u1"}, "avatar_id": {"S": "a1"}}


def _remove(keys: dict, old: dict) -> dict:
    return {"eventName": "REMOVE", "dynamodb": {"Keys": keys, "OldImage": {**keys, **old}}}


def test_the_tables_whose_template_enables_ttl_with_their_attribute_and_keys() -> None:
    tables = {t.logical_id: t for t in ttl_tables(Template.load(TEMPLATE_PATH))}
    assert {"AvatarsTable", "RefreshTokensTable", "RateLimitsTable", "IdempotencyTable",
            "WebhooksTable"} <= set(tables)
    assert "ProjectsTable" not in tables  # no TimeToLiveSpecification
    avatars = tables["AvatarsTable"]
    assert (avatars.attribute, avatars.key_names) == ("expires_at", ("user_id", "avatar_id"))
    assert SERVICE_IDENTITY == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def test_only_the_remove_of_the_item_it_expired_is_recognised() -> None:
    deletes = TtlDeletes()
    deletes.expect("avatars", KEYS, {"N": "1700000000"})
    assert deletes.made("avatars", _remove(KEYS, {"expires_at": {"N": "1700000000"}}))
    # The same key with another expiry (re-created since), another table, not a REMOVE:
    assert not deletes.made("avatars", _remove(KEYS, {"expires_at": {"N": "1800000000"}}))
    assert not deletes.made("users", _remove(KEYS, {"expires_at": {"N": "1700000000"}}))
    modify = {**_remove(KEYS, {"expires_at": {"N": "1700000000"}}), "eventName": "MODIFY"}
    assert not deletes.made("avatars", modify)


def test_a_delete_that_did_not_happen_is_forgotten_and_old_ones_age_out() -> None:
    now = [0.0]
    deletes = TtlDeletes(clock=lambda: now[0])
    deletes.expect("avatars", KEYS, {"N": "1"})
    deletes.forget("avatars", KEYS, {"N": "1"})  # its conditional delete was refused
    assert not deletes.made("avatars", _remove(KEYS, {"expires_at": {"N": "1"}}))
    deletes.expect("avatars", KEYS, {"N": "2"})
    now[0] = REMEMBERED_SECONDS + 1  # past the stream's retention: the next note drops it
    deletes.expect("avatars", {"user_id": {"S": "u2"}, "avatar_id": {"S": "a2"}}, {"N": "3"})
    assert not deletes.made("avatars", _remove(KEYS, {"expires_at": {"N": "2"}}))


@pytest.mark.parametrize("text, seconds", [("90", 90), ("90s", 90), ("15m", 900),
                                           ("3h", 10800), ("8d", 691200), ("1.5h", 5400)])
def test_durations(text, seconds) -> None:
    from portrait_local.cli import duration_seconds

    assert duration_seconds(text) == seconds
