"""WebhookDeliveriesQueue: one message per attempt to make."""
from __future__ import annotations

import json

from portrait.config import get_settings
from portrait.store.aws import client

MAX_DELAY_SECONDS = 900  # SQS's limit; longer waits go through the sweep


def send_attempt(endpoint_id: str, delivery_id: str, *, attempt: int, user_id: str,
                 delay_seconds: int = 0) -> None:
    body = json.dumps({"endpoint_id": endpoint_id, "delivery_id": delivery_id,
                       "user_id": user_id, "attempt": attempt}, separators=(",", ":"))
    client("sqs").send_message(QueueUrl=get_settings().webhook_deliveries_queue_url,
                               MessageBody=body,
                               DelaySeconds=max(0, min(MAX_DELAY_SECONDS, int(delay_seconds))))
