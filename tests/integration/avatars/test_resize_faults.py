"""Fault injection at every AWS call of avatar processing: whichever call fails, the
redelivery that follows (at-least-once) leaves no half-written record and no orphaned
object — one ready current avatar, its five variants, nothing left under tmp/.

A clean run records the sequence of AWS calls ResizeFunction makes (S3, DynamoDB,
EventBridge, the idempotency table alike); then, for each position in it, a fresh
upload is processed with that call failing, and the same SQS records are delivered
again until they succeed.
"""
from __future__ import annotations

from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from portrait.store import keys
from portrait.store.avatars import READY
from portrait.sizes import AVATAR_SIZES
from tests.integration.faults import Faults, deliver_with_a_fault
from tests.unit.imaging.corpus import png_alpha

HEALED = {"delivered": True, "status": READY, "current": True, "variants": len(AVATAR_SIZES), "tmp": []}


def _deliver(stack, records) -> bool:
    try:
        return stack.resize(records) == {"batchItemFailures": []}
    except BatchProcessingError:
        return False


def _clean_run_calls(stack, monkeypatch) -> list[str]:
    stack.upload(stack.new_user(), png_alpha())
    records = stack.receive()
    with Faults().active(monkeypatch) as faults:
        assert _deliver(stack, records)
    return faults.calls


def test_every_failed_aws_call_is_healed_by_the_redelivery(stack, monkeypatch) -> None:
    calls = _clean_run_calls(stack, monkeypatch)
    assert len(calls) >= 8, calls  # reads, five variant writes, the switch, publishing...
    half_written = []
    for position, label in enumerate(calls):
        user_id = stack.new_user()
        avatar = stack.upload(user_id, png_alpha())
        records = stack.receive()
        delivered = deliver_with_a_fault(lambda: _deliver(stack, records), monkeypatch, position)
        state = {"delivered": delivered, "status": stack.avatar(avatar).status,
                 "current": stack.user(user_id).avatar_id == avatar.avatar_id,
                 "variants": len(stack.keys(keys.avatar_prefix(user_id, avatar.avatar_id))),
                 "tmp": stack.keys("tmp/")}
        if state != HEALED:
            half_written.append((position, label, state))
    print(f"\navatar processing: {len(calls)} injection points "
          f"({', '.join(sorted(set(calls)))}); half-written after redelivery: "
          f"{len(half_written)}")
    assert half_written == []
