"""Reserved concurrency, locally: which queues are drained first, and by how many pollers.

In AWS, a function's ReservedConcurrentExecutions is capacity of its own: a
function reserved 4 runs 4 batches at once while one reserved 2 runs 2, and
neither waits for the other. One laptop has no such capacity to hand out, so
the local stack turns the reservations into an order and a share:

- functions that run the same code (CodeUri and Handler) from different
  queues are lanes of one job, such as standard and priority generations:
  among them, a poller yields while the queue of a lane reserved more has
  visible messages, so the priority queue is drained first. Unrelated
  functions never wait for each other, as in AWS;
- each mapping gets pollers (concurrent batches) in proportion to its
  reservation, out of the runtime's pool size per function; a mapping whose
  function reserves nothing gets one, as before.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from portrait_local.event_sources import EventSourceMapping
from portrait_local.template import FunctionSpec, Template


@dataclass
class Lane:
    mapping: EventSourceMapping
    reserved: int | None
    pollers: int
    yield_to: list[EventSourceMapping] = field(default_factory=list)  # its job's higher lanes


def reserved_concurrency(template: Template, spec: FunctionSpec) -> int | None:
    value = spec.properties.get("ReservedConcurrentExecutions")
    resolved = None if value is None else template.resolve(value)
    return None if resolved in (None, "") else int(resolved)


def plan_lanes(template: Template, mappings: list[EventSourceMapping], budget: int) -> list[Lane]:
    """The SQS mappings as lanes, highest reservation first (unreserved last, in template order)."""
    sqs = [m for m in mappings if m.kind == "sqs" and m.enabled]
    functions = template.functions()
    reserved = {id(m): reserved_concurrency(template, functions[m.function_id]) for m in sqs}
    job = {id(m): (functions[m.function_id].code_uri, functions[m.function_id].handler) for m in sqs}
    top = max((r for r in reserved.values() if r), default=0)
    ordered = sorted(sqs, key=lambda m: -(reserved[id(m)] or 0))
    lanes = []
    for mapping in ordered:
        r = reserved[id(mapping)]
        # A reservation of 0 stops a function in AWS; it stops it here too.
        pollers = 0 if r == 0 else max(1, round(budget * r / top)) if r else 1
        above = [m for m in ordered if job[id(m)] == job[id(mapping)]
                 and (reserved[id(m)] or 0) > (r or 0)]
        lanes.append(Lane(mapping, r, pollers, above))
    return lanes
