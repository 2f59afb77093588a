"""Fault injection at every AWS call of a generation's way through the pipeline (the photo
checked and submitted by GenerateFunction, rendered by RenderFunction, settled by
RenderCompleteFunction): whichever call fails, redelivery ends in one settled generation
and no double charge or refund — completed with its output and one charge, or failed,
refunded exactly once, with no output — and nothing left under tmp/ or renders/."""
from __future__ import annotations

from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from portrait.store.generations import COMPLETED, FAILED
from tests.integration.faults import Faults, deliver_with_a_fault
from tests.unit.faces.photos import face_jpeg_gps_orientation6

COST = 5  # sd, standard lane


class _Pipeline:
    """One delivery round: the held upload records (until the generate function takes
    them), then whatever the render and completion queues hold."""

    def __init__(self, stack, records) -> None:
        self.stack, self.records, self.submitted = stack, records, False

    def deliver(self) -> bool:
        if not self.submitted:
            try:
                self.submitted = self.stack.generate(self.records) == {"batchItemFailures": []}
            except BatchProcessingError:
                return False
            if not self.submitted:
                return False
        rendered = self.stack.drain("RenderRequestsQueue", self.stack.render)
        settled = self.stack.drain("RenderNotificationsQueue", self.stack.complete)
        return rendered and settled


def _queued(stack):
    """A started generation whose photo is uploaded and routed: the records to process."""
    user_id = stack.new_user(100)
    started = stack.start(user_id)
    stack.upload(started, face_jpeg_gps_orientation6())
    stack.route(stack.receive("GenerationUploadsQueue"))
    return user_id, started, stack.receive("StandardGenerationsQueue")


def _settled_state(stack, user_id, started, delivered) -> dict:
    generation = stack.generation(started)
    output = [k for k in stack.keys("generations/") if k.endswith("/output.png")]
    return {"delivered": delivered, "status": generation.status,
            "balance": stack.balance(user_id), "ledger": stack.ledger(user_id),
            "output": len(output), "tmp": stack.keys("tmp/") + stack.keys("renders/")}


def _consistent(state: dict) -> bool:
    if state["status"] == COMPLETED:
        return (state["balance"] == 100 - COST and state["output"] == 1
                and state["ledger"] == [("charge", -COST), ("grant", 100)])
    if state["status"] == FAILED:  # a failure it judged final: refunded, exactly once
        return (state["balance"] == 100 and state["output"] == 0
                and state["ledger"] == [("charge", -COST), ("grant", 100), ("refund", COST)])
    return False


def test_every_failed_aws_call_ends_settled_with_one_charge(stack, monkeypatch,
                                                           remembered_faces) -> None:
    user_id, started, records = _queued(stack)
    with Faults().active(monkeypatch) as clean:
        assert _Pipeline(stack, records).deliver()
    calls = clean.calls
    assert _settled_state(stack, user_id, started, True)["status"] == COMPLETED
    half_written, outcomes = [], []
    for position, label in enumerate(calls):
        for key in stack.keys("generations/"):  # each run judges its own output alone
            stack.delete(key)
        user_id, started, records = _queued(stack)
        delivered = deliver_with_a_fault(_Pipeline(stack, records).deliver, monkeypatch, position)
        state = _settled_state(stack, user_id, started, delivered)
        outcomes.append(state["status"])
        if not (delivered and state["tmp"] == [] and _consistent(state)):
            half_written.append((position, label, state))
    print(f"\ngeneration processing: {len(calls)} injection points "
          f"({', '.join(sorted(set(calls)))}); outcomes {sorted(set(outcomes))}; "
          f"half-written after redelivery: {len(half_written)}; faces and embeddings "
          f"remembered {remembered_faces['find_faces']} and {remembered_faces['embed']} times")
    assert half_written == []
