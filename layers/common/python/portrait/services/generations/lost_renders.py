"""The deadline sweep: a render that never reports back (a renderer that crashed, an
invocation parked in a dead-letter queue, a notification lost) is failed and refunded
once its deadline (RENDER_DEADLINE_SECONDS after it was submitted) has passed.

Runs every 5 minutes (SweepRendersFunction). Safe against a late result: the refund
and the completion are conditional on the generation still processing, so whichever
comes first settles it and the other changes nothing.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from portrait import clock
from portrait.config import get_settings
from portrait.observability import logger
from portrait.services.generations.outcomes import fail_generation
from portrait.store import generations, keys, objects
from portrait.store.generations import PROCESSING

LOST = "render_lost"


@dataclass(frozen=True)
class LostRenderReport:
    found: int  # renders past their deadline
    refunded: int
    dry_run: bool

    def as_dict(self) -> dict:
        return asdict(self)


def sweep_lost_renders(*, dry_run: bool = False) -> LostRenderReport:
    minutes = max(1, get_settings().render_deadline_seconds // 60)
    found = refunded = 0
    for user_id, generation_id in list(generations.iter_renders_past_deadline(now=clock.now())):
        generation = generations.get_generation(user_id, generation_id)
        if generation is None or generation.status != PROCESSING:
            continue
        found += 1
        if dry_run:
            continue
        if fail_generation(generation, reason=LOST, message=(
                f"The renderer did not answer within {minutes} minutes. Your credits are "
                "back; please try again."), processing_ms=clock.ms_since(generation.started_at)
                if generation.started_at else None):
            refunded += 1
        objects.delete_objects([keys.render_request_key(user_id, generation_id)])
    if found:
        logger.info("lost renders swept", extra={"found": found, "refunded": refunded,
                                                  "dry_run": dry_run})
    return LostRenderReport(found=found, refunded=refunded, dry_run=dry_run)
