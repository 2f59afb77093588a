"""The temp sweep settles generations whose photo never came, or came and was never
processed: expired, and refunded exactly once however often the sweep runs."""
from __future__ import annotations

import time

from portrait.services.generations.outcomes import expire_generation
from portrait.services.hygiene.temp_sweep import sweep_temp_uploads
from portrait.store.generations import COMPLETED, EXPIRED
from tests.unit.faces.photos import face_jpeg_gps_orientation6

LATER = 3 * 3600  # past the 2-hour threshold and the 10-minute form


def test_the_sweep_expires_and_refunds_once(stack, published):
    user_id = stack.new_user(100)
    never_uploaded = stack.start(user_id, quality="hd")  # 7
    never_processed = stack.start(user_id, priority=True)  # 8
    stack.upload(never_processed, face_jpeg_gps_orientation6())
    stack.receive("GenerationUploadsQueue")  # and its event lost: nothing ever processes it
    done = stack.start(user_id)  # 5, completes
    stack.run(done, face_jpeg_gps_orientation6())
    assert stack.balance(user_id) == 80

    at = time.time() + LATER
    first = sweep_temp_uploads(now=at)
    second = sweep_temp_uploads(now=at + 60)

    assert (first.records_expired, second.records_expired) == (2, 0)
    for started, reason in ((never_uploaded, "input_never_arrived"),
                            (never_processed, "input_not_processed")):
        generation = stack.generation(started)
        assert (generation.status, generation.error_reason) == (EXPIRED, reason)
    assert stack.generation(done).status == COMPLETED
    assert stack.balance(user_id) == 95
    assert [e for e in stack.ledger(user_id) if e[0] == "refund"] == [("refund", 7), ("refund", 8)]
    counters = stack.counters(user_id)
    assert (counters.total, counters.completed, counters.failed, counters.credits_used) == (3, 1, 2, 5)
    assert [kind for kind, detail in published() if detail.get("status") == "expired"] == [
        "generation.failed", "generation.failed"]
    assert stack.keys("tmp/") == []


def test_a_dry_run_counts_each_generation_once_and_changes_nothing(stack):
    user_id = stack.new_user(100)
    started = stack.start(user_id)
    stack.upload(started, face_jpeg_gps_orientation6())  # found both as a tmp/ object and in the index
    report = sweep_temp_uploads(now=time.time() + LATER, dry_run=True)
    assert report.records_expired == 1
    assert stack.generation(started).status == "pending" and stack.balance(user_id) == 95


def test_a_late_processor_after_the_sweep_changes_nothing(stack):
    user_id = stack.new_user(100)
    started = stack.start(user_id)
    stack.upload(started, face_jpeg_gps_orientation6())
    records = stack.receive("GenerationUploadsQueue")
    # The sweep settles it while its event still waits in the queue.
    assert expire_generation(user_id, stack.generation(started).generation_id, input_arrived=True)
    stack.route(records)
    assert stack.generate(stack.receive("StandardGenerationsQueue")) == {"batchItemFailures": []}
    assert stack.generation(started).status == EXPIRED
    assert stack.balance(user_id) == 100
