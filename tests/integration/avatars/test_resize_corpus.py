"""The corpus through the real ResizeFunction handler: each file ends ready with
five variants or rejected with its reason, and nothing is left under tmp/."""
from __future__ import annotations

import pytest

from portrait.imaging import AVATAR_SIZES
from portrait.store.avatars import READY, REJECTED
from tests.unit.imaging.corpus import CORPUS, Sample


@pytest.mark.parametrize("sample", CORPUS, ids=lambda s: s.name)
def test_corpus_file_reaches_its_outcome(stack, sample: Sample) -> None:
    user_id = stack.new_user()
    avatar = stack.upload(user_id, sample.build())

    reply = stack.resize(stack.receive())

    assert reply == {"batchItemFailures": []}
    stored = stack.avatar(avatar)
    if sample.outcome == "ok":
        assert stored.status == READY, stored.reject_message
        assert set(stored.variants) == set(AVATAR_SIZES)
        assert stored.original["format"] == sample.format
        assert stack.user(user_id).avatar_id == avatar.avatar_id
        assert len(stack.keys(f"avatars/{user_id}/{avatar.avatar_id}/")) == len(AVATAR_SIZES)
    else:
        assert stored.status == REJECTED
        assert stored.reject_reason == sample.outcome
        assert stack.user(user_id).avatar_id is None
        assert stack.keys("avatars/") == []
    assert stored.original["bytes"] == len(sample.build())  # for a rejection too: what came
    assert stack.keys("tmp/") == []
