"""Which lane a generation's photo goes down: the priority queue (paid for, more
concurrency) or the standard one.

S3 notifies one queue per prefix and the key cannot say "priority" (docs/ARCHITECTURE.md
§3 fixes it), so the router reads the generation. Anything it cannot place (a
generation that is gone, a key we never issued) takes the standard lane, where
the processor drops it the way it drops any such upload. Forwarding twice is
harmless: the processor is idempotent on bucket + key + etag.
"""
from __future__ import annotations

from portrait.config import get_settings
from portrait import metric_catalogue as M
from portrait.observability import count_by, logger
from portrait.store import generations, keys, queues

PRIORITY, STANDARD = "priority", "standard"


def route_generation_upload(key: str, body: str) -> str:
    """Forward `body` (the S3 notification of the upload at `key`) to its lane; returns the lane."""
    settings = get_settings()
    tmp = keys.parse_tmp_key(key)
    generation = (generations.get_generation(tmp.user_id, tmp.upload_id)
                  if tmp and tmp.kind == "generations" else None)
    lane = PRIORITY if generation is not None and generation.priority else STANDARD
    url = (settings.priority_generations_queue_url if lane == PRIORITY
           else settings.standard_generations_queue_url)
    if not url:  # a deploy without the router's variables: fail loudly, the message waits
        raise RuntimeError(f"no queue URL for the {lane} lane (set {lane.upper()}_GENERATIONS_QUEUE_URL)")
    queues.send(url, body)
    count_by(M.GENERATION_ROUTED, lane=lane)
    logger.info("generation upload routed", extra={"key": key, "lane": lane})
    return lane
