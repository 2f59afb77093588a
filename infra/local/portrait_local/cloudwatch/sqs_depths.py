"""What SQS reports about a queue once a minute, read from moto's backend in this
process (the SQS API has no call for the age of the oldest message without receiving
it, which would change the queue)."""
from __future__ import annotations

from typing import Callable

from portrait_local.cloudwatch.clock import SimulatedClock


def moto_queue_depths(account_id: str, region: str, clock: SimulatedClock
                      ) -> Callable[[list[str]], dict[str, tuple[int, float | None]]]:
    """A reader of (visible messages, age of the oldest in simulated seconds) by queue name."""
    def read(names: list[str]) -> dict[str, tuple[int, float | None]]:
        from moto.sqs.models import sqs_backends

        queues = sqs_backends[account_id][region].queues
        now, depths = clock.now(), {}
        for name in names:
            queue = queues.get(name)
            if queue is None:
                continue
            visible = list(queue.messages)  # visible now: not in flight, not delayed
            sent = [m.sent_timestamp for m in visible if m.sent_timestamp]
            age = now - clock.simulated(min(sent) / 1000) if sent else None
            depths[name] = (len(visible), max(0.0, age) if age is not None else None)
        return depths
    return read
