"""The attempts the queue does not carry (WebhookSweepFunction, every minute).

A wait longer than SQS's 15-minute delay lives only in the delivery's `next_attempt_at`
(a sparse index, `due`): once due, the sweep sends its message. It also resends any
attempt overdue by LOST_AFTER_SECONDS, whatever carried it: a message lost to a crash
between a record's write and its send. A duplicate is harmless (the attempt's claim).
"""
from __future__ import annotations

from dataclasses import dataclass

from portrait import clock
from portrait.store.webhooks import deliveries as store
from portrait.store.webhooks import queue

LOST_AFTER_SECONDS = 600


@dataclass(frozen=True)
class SweepResult:
    sent: int
    resent: int

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "resent": self.resent}


def sweep_due_deliveries() -> SweepResult:
    now = clock.now()
    sent = resent = 0
    for due in store.due_deliveries(until=now):
        waiting_for_us = due.sent_for != due.attempt_count
        lost = due.next_attempt_at <= now - LOST_AFTER_SECONDS
        if not (waiting_for_us or lost):
            continue
        queue.send_attempt(due.endpoint_id, due.delivery_id, attempt=due.attempt_count,
                           user_id=due.user_id)
        store.mark_sent(due.endpoint_id, due.delivery_id, attempt=due.attempt_count,
                        now=now if lost else None)
        sent += waiting_for_us
        resent += not waiting_for_us
    return SweepResult(sent=sent, resent=resent)
