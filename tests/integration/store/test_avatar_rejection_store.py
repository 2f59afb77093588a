"""mark_rejected on DynamoDB Local: the reason and what is known of the upload, once."""
from __future__ import annotations

import pytest

from portrait.ids import new_id
from portrait.store import avatars
from portrait.store.avatars import PENDING, REJECTED, Avatar

pytestmark = pytest.mark.dynamodb_local

ISO = "2027-01-15T08:00:00Z"


def test_rejected_once_with_the_uploads_facts(store_env) -> None:
    avatar = Avatar(user_id=new_id(), avatar_id=new_id(), status=PENDING, source="upload",
                    created_at=ISO, updated_at=ISO, upload_id=new_id())
    avatars.create_avatar(avatar)
    original = {"bytes": 6_291_456, "etag": "9b2cf535f27731c974343645a3985328"}

    assert avatars.mark_rejected(avatar.user_id, avatar.avatar_id, reason="too_large",
                                 message="too big", now_iso=ISO, original=original)
    assert not avatars.mark_rejected(avatar.user_id, avatar.avatar_id, reason="corrupt",
                                     message="again", now_iso=ISO)

    stored = avatars.get_avatar(avatar.user_id, avatar.avatar_id)
    assert (stored.status, stored.reject_reason, stored.original) == (REJECTED, "too_large", original)
