"""Reachability probes for the health check: cheap calls the API's IAM policy allows."""
from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from portrait.store.aws import client


def _problem(exc: Exception) -> str:
    # The AWS error code says what is wrong without echoing resource names or ARNs.
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code", "ClientError")
    return type(exc).__name__


def table_problem(table_name: str) -> str | None:
    """None when the table exists and is ACTIVE, else what is wrong."""
    try:
        status = client("dynamodb").describe_table(TableName=table_name)["Table"]["TableStatus"]
    except (ClientError, BotoCoreError) as exc:
        return _problem(exc)
    return None if status == "ACTIVE" else f"table {status.lower()}"


def bucket_problem(bucket_name: str) -> str | None:
    """None when the bucket exists and we may list it, else what is wrong."""
    try:
        client("s3").head_bucket(Bucket=bucket_name)
    except (ClientError, BotoCoreError) as exc:
        return _problem(exc)
    return None
