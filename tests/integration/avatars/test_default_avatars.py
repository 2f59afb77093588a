"""Default avatars from the users table's stream, through DefaultAvatarFunction's handler."""
from __future__ import annotations

import io
import json
import urllib.error

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from PIL import Image

from portrait.config import get_settings
from portrait.ids import new_id
from portrait.imaging import AVATAR_SIZES
from portrait.services.avatars import gravatar
from portrait.services.avatars.defaults import create_default_avatar
from portrait.store import avatars, objects
from portrait.store.avatars import DELETED, READY
from portrait_local.filters import matches_any
from tests.conftest import ROOT
from tests.integration.avatars.conftest import stream_insert
from tests.unit.imaging.corpus import encode, quadrants


def _only_avatar(user_id: str):
    (avatar,) = avatars.list_avatars(user_id)[0]
    return avatar


def test_a_new_user_gets_an_identicon(stack) -> None:
    user_id = stack.new_user()
    assert stack.default_avatar([stream_insert(stack, user_id)]) == {"batchItemFailures": []}

    avatar = _only_avatar(user_id)
    assert (avatar.status, avatar.source) == (READY, "identicon")
    assert stack.user(user_id).avatar_id == avatar.avatar_id
    assert set(avatar.variants) == set(AVATAR_SIZES)
    assert stack.keys("avatars/") == sorted(v["key"] for v in avatar.variants.values())
    for size, side in AVATAR_SIZES.items():
        body = stack.get(avatar.variants[size]["key"])["Body"].read()
        assert Image.open(io.BytesIO(body)).size == (side, side)


def test_the_identicon_is_deterministic_from_the_user_id(stack) -> None:
    user_id = stack.new_user()
    stack.default_avatar([stream_insert(stack, user_id)])
    first = _only_avatar(user_id)
    again = create_default_avatar(user_id)  # regenerated: a new avatar, the same picture
    assert again.avatar_id != first.avatar_id
    for size in AVATAR_SIZES:
        assert (stack.get(first.variants[size]["key"])["Body"].read()
                == stack.get(again.variants[size]["key"])["Body"].read())


def test_a_second_delivery_changes_nothing(stack) -> None:
    user_id = stack.new_user()
    record = stream_insert(stack, user_id)
    stack.default_avatar([record])
    first = _only_avatar(user_id)

    assert stack.default_avatar([record]) == {"batchItemFailures": []}
    assert _only_avatar(user_id) == first
    # Even once the idempotency record has expired, a user with an avatar is left alone.
    _forget_idempotency_records(stack)
    assert stack.default_avatar([record]) == {"batchItemFailures": []}
    assert _only_avatar(user_id) == first


def _forget_idempotency_records(stack) -> None:
    from portrait.store.aws import client

    table = stack.template.physical_name("IdempotencyTable")
    for item in client("dynamodb").scan(TableName=table)["Items"]:
        client("dynamodb").delete_item(TableName=table, Key={"id": item["id"]})


def test_sample_event_default_avatar_user_insert(stack) -> None:
    event = json.loads((ROOT / "events" / "default-avatar-user-insert.json").read_text())
    user_id = event["Records"][0]["dynamodb"]["NewImage"]["user_id"]["S"]
    stack.new_user(user_id=user_id)
    assert stack.default_avatar(event["Records"]) == {"batchItemFailures": []}
    assert stack.user(user_id).avatar_id == _only_avatar(user_id).avatar_id


def test_regenerating_replaces_the_current_avatar(stack) -> None:
    user_id = stack.new_user()
    first = create_default_avatar(user_id)
    second = create_default_avatar(user_id)
    assert stack.user(user_id).avatar_id == second.avatar_id
    old = stack.avatar(first)
    assert old.status == DELETED and old.expires_at


class _Reply:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def read(self, limit: int = -1) -> bytes:
        return self.body if limit < 0 else self.body[:limit]

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


@pytest.fixture
def gravatar_answers(stack, monkeypatch):
    """Switch the provider to gravatar; the test says what the (fake) network answers."""
    monkeypatch.setenv("DEFAULT_AVATAR_PROVIDER", "gravatar")
    get_settings.cache_clear()
    calls: list[tuple[str, float]] = []

    def answer_with(outcome):
        def urlopen(request, timeout):
            calls.append((request.full_url, timeout))
            if isinstance(outcome, Exception):
                raise outcome
            return _Reply(outcome)
        monkeypatch.setattr(gravatar, "urlopen", urlopen)
        return calls
    return answer_with


def test_a_gravatar_is_used_when_there_is_one(stack, gravatar_answers) -> None:
    calls = gravatar_answers(encode(quadrants(1024, 1024), "JPEG", quality=90))
    user_id = stack.new_user(email="Ada@Example.com")
    stack.default_avatar([stream_insert(stack, user_id)])

    avatar = _only_avatar(user_id)
    assert (avatar.status, avatar.source) == (READY, "gravatar")
    assert avatar.original["format"] == "jpeg"
    ((url, timeout),) = calls
    assert url.startswith("https://www.gravatar.com/avatar/") and "d=404" in url and "s=1024" in url
    assert timeout == get_settings().gravatar_timeout_seconds


@pytest.mark.parametrize("failure", [
    urllib.error.HTTPError("https://www.gravatar.com/avatar/x", 404, "Not Found", {}, None),
    urllib.error.URLError(TimeoutError("timed out")),
    TimeoutError("The read operation timed out"),
])
def test_no_gravatar_falls_back_to_the_identicon(stack, gravatar_answers, failure) -> None:
    calls = gravatar_answers(failure)
    user_id = stack.new_user()
    assert stack.default_avatar([stream_insert(stack, user_id)]) == {"batchItemFailures": []}
    assert len(calls) == 1
    avatar = _only_avatar(user_id)
    assert (avatar.status, avatar.source) == (READY, "identicon")


def test_an_unusable_gravatar_falls_back_to_the_identicon(stack, gravatar_answers) -> None:
    gravatar_answers(b"<html>captive portal</html>")
    user_id = stack.new_user()
    stack.default_avatar([stream_insert(stack, user_id)])
    assert _only_avatar(user_id).source == "identicon"


def test_a_failure_soft_deletes_the_record_and_leaves_no_avatar(stack, monkeypatch) -> None:
    user_id = stack.new_user()
    record = stream_insert(stack, user_id)

    def unavailable(*args, **kwargs):
        raise ConnectionError("S3 is unreachable")

    with monkeypatch.context() as patch:
        patch.setattr(objects, "put_object", unavailable)
        with pytest.raises(BatchProcessingError):  # the only record failed: the batch is retried
            stack.default_avatar([record])
    failed = _only_avatar(user_id)
    assert failed.status == DELETED and failed.expires_at and failed.ready_at is None
    assert stack.user(user_id).avatar_id is None

    # The stream retries the record: a failed attempt does not count as "made".
    assert stack.default_avatar([record]) == {"batchItemFailures": []}
    assert stack.user(user_id).avatar_id not in (None, failed.avatar_id)


def test_an_upload_that_finishes_first_is_not_replaced_by_the_default(stack, monkeypatch) -> None:
    """Register, upload at once: the upload may become current while the default
    is still rendering. The new user's upload wins; the default is discarded."""
    from portrait.services.avatars import defaults as default_avatars
    from portrait.store.avatars import PENDING, Avatar

    user_id = stack.new_user()
    upload = Avatar(user_id=user_id, avatar_id=new_id(), status=PENDING, source="upload",
                    created_at="2026-01-01T00:00:00Z", updated_at="2026-01-01T00:00:00Z")
    avatars.create_avatar(upload)
    render = default_avatars._render

    def render_while_the_upload_lands(user, settings):
        result = render(user, settings)
        avatars.make_current(user_id, upload.avatar_id, expected_status=PENDING,
                             previous_avatar_id=None, now_iso="2026-01-01T00:00:01Z",
                             now=1_767_225_601, grace_seconds=60)
        return result

    monkeypatch.setattr(default_avatars, "_render", render_while_the_upload_lands)
    assert stack.default_avatar([stream_insert(stack, user_id)]) == {"batchItemFailures": []}

    assert stack.user(user_id).avatar_id == upload.avatar_id
    history = {a.avatar_id: a for a in avatars.list_avatars(user_id)[0]}
    (default,) = [a for a in history.values() if a.source == "identicon"]
    assert default.status == DELETED and default.ready_at is None
    assert history[upload.avatar_id].status == READY


def test_one_failing_user_in_a_batch_is_reported_alone(stack) -> None:
    good, broken = stack.new_user(), stack.new_user()
    records = [stream_insert(stack, good), stream_insert(stack, broken)]
    records[1]["dynamodb"]["NewImage"].pop("user_id")  # a malformed image
    reply = stack.default_avatar(records)
    assert reply == {"batchItemFailures": [{"itemIdentifier": records[1]["dynamodb"]["SequenceNumber"]}]}
    assert stack.user(good).avatar_id


def test_the_stream_filter_passes_only_new_user_items(stack) -> None:
    user_id = stack.new_user()
    user = stack.user(user_id)
    filters = stack.mapping("DefaultAvatarFunction").filters
    assert filters, "DefaultAvatarFunction's stream mapping must filter"
    assert matches_any(filters, stream_insert(stack, user_id))
    assert not matches_any(filters, stream_insert(stack, user_id, event_name="MODIFY"))
    assert not matches_any(filters, stream_insert(stack, user_id, event_name="REMOVE"))
    for guard in (f"username#{user.username.lower()}", f"email#{user.email.lower()}"):
        assert not matches_any(filters, stream_insert(stack, user_id, pk=guard))
