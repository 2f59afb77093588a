"""The media CDN (CloudFront): invalidating objects that must stop being served before
their max-age runs out (a revoked share link's image)."""
from __future__ import annotations

import uuid

from portrait.config import get_settings
from portrait.observability import logger
from portrait.store.aws import client


def invalidate(keys: list[str]) -> str | None:
    """Ask the CDN to drop these keys; the invalidation's id, or None with no CDN. Never
    raises: the objects' own max-age is the backstop, and the caller's change stands."""
    distribution = get_settings().media_distribution_id
    if not distribution or not keys:
        return None
    try:
        reply = client("cloudfront").create_invalidation(
            DistributionId=distribution,
            InvalidationBatch={"Paths": {"Quantity": len(keys), "Items": [f"/{k}" for k in keys]},
                               # Unique per call (drawn now, never at init): a retry of
                               # the same revocation is a new request, which is harmless.
                               "CallerReference": uuid.uuid4().hex})
    except Exception:  # noqa: BLE001 - see the docstring
        logger.warning("CDN invalidation failed; the objects expire from caches with their "
                       "max-age", extra={"keys": keys}, exc_info=True)
        return None
    return reply["Invalidation"]["Id"]
