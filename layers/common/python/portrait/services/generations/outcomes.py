"""How a generation ends without a portrait: failed (by its processor) or expired
(by the temp sweep, its photo never processed), refunded in both cases.

The refund is the store's one conditional transaction, so whoever gets there
first refunds and everyone after them (a redelivered event, a second sweep,
the sweep racing a late processor) changes nothing.
"""
from __future__ import annotations

from portrait import clock
from portrait import metric_catalogue as M
from portrait.observability import count_by, emit, logger

from portrait.store import generations
from portrait.store.generations import EXPIRED, FAILED, PENDING, REFUNDABLE, Generation


def fail_generation(generation: Generation, *, reason: str, message: str,
                    processing_ms: int | None = None) -> bool:
    """processing (or pending) → failed, refunded; False if it had settled already."""
    return _settle(generation, status=FAILED, reason=reason, message=message,
                   processing_ms=processing_ms, expected=REFUNDABLE)


def expire_generation(user_id: str, generation_id: str, *, input_arrived: bool,
                      dry_run: bool = False) -> bool:
    """The temp sweep's hook: a generation whose photo never came (input_arrived=False:
    still pending) or came and was never processed (True: a tmp/ object past the
    sweep's age, pending or stuck processing) → expired, refunded. In a dry run,
    whether it would be."""
    generation = generations.get_generation(user_id, generation_id)
    expected = REFUNDABLE if input_arrived else (PENDING,)
    if generation is None or generation.status not in expected or generation.refunded_at:
        return False
    if dry_run:
        return True
    reason = "input_not_processed" if input_arrived else "input_never_arrived"
    return _settle(generation, status=EXPIRED, reason=reason, expected=expected,
                   message="the photo was not received in time; the credits were refunded")


def _settle(generation: Generation, *, status: str, reason: str, message: str,
            expected: tuple[str, ...], processing_ms: int | None = None) -> bool:
    changed = generations.refund(generation, status=status, reason=reason, message=message,
                                 now_iso=clock.iso(clock.now()), processing_ms=processing_ms,
                                 expected=expected)
    if not changed:
        logger.info("generation already settled; no refund", extra={
            "generation_id": generation.generation_id, "wanted": status})
        return False
    # generation.failed comes from the generations stream, once the refund committed.
    count_by(M.GENERATION_FAILED, reason=reason)
    emit(M.CREDITS_REFUNDED, generation.credits_charged)
    logger.info("generation refunded", extra={"generation_id": generation.generation_id,
                                              "user_id": generation.user_id, "status": status,
                                              "reason": reason, "detail": message})
    return True
