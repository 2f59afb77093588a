"""What SQS reports about a queue once a minute, read from moto's backend in this
process (the SQS API has no call for the age of the oldest message without receiving
it, which would change the queue)."""
from __future__ import annotations

import time
from typing import Callable


def moto_queue_depths(account_id: str, region: str
                      ) -> Callable[[list[str]], dict[str, tuple[int, float | None]]]:
    """A reader of (visible messages, age of the oldest in seconds) by queue name; the age
    in real time, as every age and duration (service.AGES)."""
    def read(names: list[str]) -> dict[str, tuple[int, float | None]]:
        from moto.sqs.models import sqs_backends

        queues = sqs_backends[account_id][region].queues
        now, depths = time.time(), {}
        for name in names:
            queue = queues.get(name)
            if queue is None:
                continue
            visible = list(queue.messages)  # visible now: not in flight, not delayed
            sent = [m.sent_timestamp for m in visible if m.sent_timestamp]
            age = now - min(sent) / 1000 if sent else None
            depths[name] = (len(visible), max(0.0, age) if age is not None else None)
        return depths
    return read
