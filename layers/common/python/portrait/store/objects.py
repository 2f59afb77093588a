"""The media bucket: presigned forms and URLs, reads, writes and deletes."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterable

from botocore.exceptions import ClientError

from portrait.config import get_settings
from portrait.store.aws import client


@dataclass(frozen=True)
class StoredObject:
    key: str
    body: bytes
    size: int
    etag: str
    content_type: str | None


class ObjectMissing(LookupError):
    pass


def _bucket() -> str:
    return get_settings().media_bucket


def presigned_upload_form(key: str, *, content_types: Iterable[str], content_type: str,
                          max_bytes: int, expires_in: int) -> dict:
    """A POST form S3 itself enforces: this exact key, 1..max_bytes, this content type.

    Only a POST policy can bound the size (a presigned PUT cannot); processors
    still re-check everything, because emulators enforce no policy at all.
    """
    if content_type not in set(content_types):
        raise ValueError(f"content type {content_type!r} is not allowed")
    return client("s3").generate_presigned_post(
        Bucket=_bucket(),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[
            {"key": key},
            ["content-length-range", 1, max_bytes],
            {"Content-Type": content_type},
        ],
        ExpiresIn=expires_in,
    )


def read_object(key: str, *, max_bytes: int) -> StoredObject:
    """The object, read whole only if it is within `max_bytes` (otherwise body is empty).

    A HEAD first, so an oversized upload is judged by its size without
    downloading it into the function's memory.
    """
    s3 = client("s3")
    try:
        head = s3.head_object(Bucket=_bucket(), Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise ObjectMissing(key) from None
        raise
    size = int(head["ContentLength"])
    body = b""
    if size <= max_bytes:
        body = s3.get_object(Bucket=_bucket(), Key=key, IfMatch=head["ETag"])["Body"].read()
    return StoredObject(key=key, body=body, size=size, etag=head["ETag"].strip('"'),
                        content_type=head.get("ContentType"))


def put_object(key: str, body: bytes, *, content_type: str, cache_control: str | None = None) -> None:
    extra = {"CacheControl": cache_control} if cache_control else {}
    client("s3").put_object(Bucket=_bucket(), Key=key, Body=body, ContentType=content_type, **extra)


def put_objects(items: Iterable[tuple[str, bytes, str]], *, cache_control: str | None = None) -> None:
    """Write (key, body, content_type) items concurrently; raises the first failure.

    A handful of small objects at ~20-50 ms each would otherwise cost as much
    as encoding them; the client is thread-safe and its pool holds 10 connections.
    """
    items = list(items)
    with ThreadPoolExecutor(max_workers=min(8, max(1, len(items))), thread_name_prefix="put") as pool:
        futures = [pool.submit(put_object, key, body, content_type=content_type,
                               cache_control=cache_control)
                   for key, body, content_type in items]
        for future in futures:
            future.result()


def delete_objects(keys: Iterable[str]) -> list[str]:
    """Delete the keys (deleting a missing key succeeds); returns the keys that failed."""
    keys = list(keys)
    failed: list[str] = []
    for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
        batch = keys[start:start + 1000]
        reply = client("s3").delete_objects(
            Bucket=_bucket(), Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
        failed += [error["Key"] for error in reply.get("Errors", [])]
    return failed


def object_url(key: str) -> str:
    """Where a client downloads the object: the public base URL (a CDN) or a presigned GET."""
    settings = get_settings()
    if settings.public_base_url:
        return f"{settings.public_base_url.rstrip('/')}/{key}"
    return client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": _bucket(), "Key": key},
        ExpiresIn=settings.download_url_ttl_seconds)
