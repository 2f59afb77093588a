"""Send a message to a queue known by its ARN, as AWS services do for rule targets,
dead-letter queues and destinations (they hold ARNs, SQS wants URLs)."""
from __future__ import annotations

import threading
from typing import Any

from botocore.exceptions import ClientError


class QueueNotFound(LookupError):
    """No queue has that ARN (a target or dead-letter queue that does not exist)."""


class QueueSender:
    def __init__(self, sqs: Any) -> None:
        self.sqs = sqs
        self._urls: dict[str, str] = {}
        self._lock = threading.Lock()  # boto3 clients are thread-safe; the cache is not

    def url(self, arn: str) -> str:
        with self._lock:
            if arn in self._urls:
                return self._urls[arn]
        parts = arn.split(":")
        if len(parts) != 6 or parts[2] != "sqs":
            raise QueueNotFound(f"{arn} is not a queue ARN")
        try:
            url = self.sqs.get_queue_url(QueueName=parts[5],
                                         QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
        except ClientError as exc:
            if "NonExistentQueue" in exc.response.get("Error", {}).get("Code", ""):
                raise QueueNotFound(f"no queue {arn}") from None
            raise
        with self._lock:
            self._urls[arn] = url
        return url

    def send(self, arn: str, body: str, *, attributes: dict[str, str | int] | None = None,
             group_id: str | None = None, deduplication_id: str | None = None) -> str:
        """Send `body`; returns the message id. Attributes: int values are Numbers."""
        kwargs: dict[str, Any] = {"QueueUrl": self.url(arn), "MessageBody": body}
        if attributes:
            kwargs["MessageAttributes"] = {
                name: {"DataType": "Number" if isinstance(value, int) else "String",
                       "StringValue": str(value)} for name, value in attributes.items()}
        if group_id:
            kwargs["MessageGroupId"] = group_id
            if deduplication_id:
                kwargs["MessageDeduplicationId"] = deduplication_id
        return self.sqs.send_message(**kwargs)["MessageId"]
