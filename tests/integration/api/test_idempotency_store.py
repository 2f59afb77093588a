"""portrait.store.idempotency: functions with different identities in one process each
keep their own (the Lambda process of a function may run several of them)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from portrait.store.idempotency import idempotent, register_lambda_context
from tests.integration.api.http_events import LambdaContext


@dataclass(frozen=True)
class Upload:
    bucket: str
    key: str
    etag: str
    note: str  # not part of the identity


def test_two_idempotent_functions_in_one_process_each_use_their_own_identity(api) -> None:
    run = uuid.uuid4().hex[:8]
    calls = []

    @idempotent(key_prefix=f"test-object-{run}", data_keyword_argument="upload",
                key_jmespath="[bucket, key, etag]")
    def by_object(*, upload: Upload) -> str:
        calls.append(("object", upload.note))
        return upload.note

    @idempotent(key_prefix=f"test-user-{run}", data_keyword_argument="user_id")
    def by_user(*, user_id: str) -> str:
        calls.append(("user", user_id))
        return user_id

    register_lambda_context(LambdaContext(function_name="portrait-local-TestFunction"))
    assert by_object(upload=Upload("b", "k", "e1", "first")) == "first"
    assert by_object(upload=Upload("b", "k", "e1", "again")) == "first"  # same object version
    # With one persistence layer for both, by_user got by_object's key path, found nothing
    # in a plain string, and raised IdempotencyKeyError.
    assert by_user(user_id="01JD3Z6W1QYV8ZQ4M2K7T9B5XA") == "01JD3Z6W1QYV8ZQ4M2K7T9B5XA"
    assert by_user(user_id="01JD3Z6W1QYV8ZQ4M2K7T9B5XA") == "01JD3Z6W1QYV8ZQ4M2K7T9B5XA"
    assert by_object(upload=Upload("b", "k", "e2", "new version")) == "new version"
    assert calls == [("object", "first"), ("user", "01JD3Z6W1QYV8ZQ4M2K7T9B5XA"),
                     ("object", "new version")]
