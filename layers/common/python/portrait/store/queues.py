"""SQS sends (the generation router's forwarding)."""
from __future__ import annotations

from portrait.store.aws import client


def send(queue_url: str, body: str) -> str:
    """Send one message; returns its id."""
    return client("sqs").send_message(QueueUrl=queue_url, MessageBody=body)["MessageId"]
