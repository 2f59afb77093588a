"""The media bucket: presigned forms and URLs, reads, writes and deletes."""
from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterable, Iterator

from botocore.exceptions import ClientError

from portrait import clock
from portrait.config import get_settings
from portrait.store import keys
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


# DeleteObjects takes at most 1000 keys, and a ListObjectsV2 page holds at most 1000.
PAGE_SIZE = 1000


@dataclass(frozen=True)
class ListedObject:
    """One entry of a bucket listing: no body, no content type (a listing has neither)."""

    key: str
    size: int
    last_modified: float  # epoch seconds


@dataclass(frozen=True)
class ObjectPage:
    objects: list[ListedObject]
    next_token: str | None  # S3's continuation token; None after the last page


class InvalidContinuation(ValueError):
    """S3 refused a continuation token (forged, or from another listing)."""


def _listed(entry: dict) -> ListedObject:
    return ListedObject(key=entry["Key"], size=int(entry.get("Size", 0)),
                        last_modified=entry["LastModified"].timestamp())


def _bucket() -> str:
    return get_settings().media_bucket


def s3_uri(key: str) -> str:
    """The object's s3:// location, as the render contract names inputs and outputs."""
    return f"s3://{_bucket()}/{key}"


def key_of_uri(uri: str) -> str:
    """The key of an s3:// location in our bucket; ValueError for anywhere else (a
    notification or request document may not point the functions at another bucket)."""
    prefix = f"s3://{_bucket()}/"
    if not uri.startswith(prefix) or len(uri) == len(prefix):
        raise ValueError(f"not a location in the media bucket: {uri[:200]!r}")
    return uri[len(prefix):]


@dataclass(frozen=True)
class SignedForm:
    url: str
    fields: dict[str, str]
    expires_at: int  # epoch seconds: the policy's own expiration, as S3 will judge it


def presigned_upload_form(key: str, *, content_types: Iterable[str], content_type: str,
                          max_bytes: int, expires_in: int) -> SignedForm:
    """A POST form S3 itself enforces: this exact key, 1..max_bytes, this content type.

    Only a POST policy can bound the size (a presigned PUT cannot); processors
    still re-check everything, because emulators enforce no policy at all.
    """
    if content_type not in set(content_types):
        raise ValueError(f"content type {content_type!r} is not allowed")
    form = client("s3").generate_presigned_post(
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
    # The expiry a client is told is read back from the signed policy: botocore
    # stamps its own clock, and on a busy host seconds can pass before it does.
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    expires_at = int(clock.epoch_of(policy["expiration"]))
    return SignedForm(url=form["url"], fields=form["fields"], expires_at=expires_at)


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


def copy_object(source: str, target: str, *, content_type: str,
                cache_control: str | None = None, if_match: str | None = None,
                storage_class: str | None = None) -> None:
    """A server-side copy within the bucket (no bytes through the function); with
    `if_match`, only of the source version that etag names."""
    extra = {name: value for name, value in (
        ("CacheControl", cache_control), ("StorageClass", storage_class),
        ("CopySourceIfMatch", f'"{if_match}"' if if_match else None)) if value}
    client("s3").copy_object(Bucket=_bucket(), Key=target, CopySource={"Bucket": _bucket(), "Key": source},
                             MetadataDirective="REPLACE", ContentType=content_type, **extra)


class ObjectChanged(RuntimeError):
    """A conditional copy found the source changed (another upload replaced it)."""


def keep_copy(source: str, target: str, *, etag: str, content_type: str,
              storage_class: str) -> None:
    """A server-side copy of exactly the version `etag` names (no bytes through the
    function), under `storage_class`, with `content_type` and no other metadata.
    ObjectChanged if the source is no longer that version; ObjectMissing if it is gone."""
    try:
        copy_object(source, target, content_type=content_type, if_match=etag,
                    storage_class=storage_class)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in ("PreconditionFailed", "412"):
            raise ObjectChanged(source) from None
        if code in ("404", "NoSuchKey", "NotFound"):
            raise ObjectMissing(source) from None
        raise


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


def iter_object_pages(prefix: str, *, start_after: str | None = None,
                      page_size: int = PAGE_SIZE) -> Iterator[list[ListedObject]]:
    """Every object under `prefix` (after the key `start_after`, to resume), one
    ListObjectsV2 page (up to `page_size`, at most 1000) at a time, in key order.

    A caller may delete a page's objects before asking for the next: the
    continuation token marks a position in key order, not a snapshot.
    """
    extra = {"StartAfter": start_after} if start_after else {}
    pages = client("s3").get_paginator("list_objects_v2").paginate(
        Bucket=_bucket(), Prefix=prefix, PaginationConfig={"PageSize": min(page_size, PAGE_SIZE)},
        **extra)
    for page in pages:
        listed = [_listed(item) for item in page.get("Contents", [])]
        if listed:
            yield listed


def delete_objects(keys: Iterable[str]) -> list[str]:
    """Delete the keys (deleting a missing key succeeds); returns the keys that failed."""
    keys = list(keys)
    failed: list[str] = []
    for start in range(0, len(keys), PAGE_SIZE):
        batch = keys[start:start + PAGE_SIZE]
        reply = client("s3").delete_objects(
            Bucket=_bucket(), Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
        failed += [error["Key"] for error in reply.get("Errors", [])]
    return failed


def list_objects_page(prefix: str, *, limit: int = PAGE_SIZE, token: str | None = None) -> ObjectPage:
    """One page of the keys under `prefix`, in key order, from S3's continuation `token`
    (for callers that hand the position to a client; iter_object_pages reads them all)."""
    params = {"Bucket": _bucket(), "Prefix": prefix, "MaxKeys": max(1, min(limit, PAGE_SIZE))}
    if token:
        params["ContinuationToken"] = token
    try:
        reply = client("s3").list_objects_v2(**params)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "InvalidArgument":
            raise InvalidContinuation(token) from None
        raise
    return ObjectPage([_listed(item) for item in reply.get("Contents", [])],
                      reply.get("NextContinuationToken") if reply.get("IsTruncated") else None)


def public_url(key: str) -> str:
    """Where a client fetches a public immutable object (keys.is_public_key: avatar variants,
    pose previews, media display images and thumbnails): the CDN when PUBLIC_BASE_URL is
    set, else a presigned GET."""
    if not keys.is_public_key(key):
        # The CDN may read only those keys: anything else would be a broken link at best.
        raise ValueError(f"{key!r} is not a public object; use private_url")
    base_url = get_settings().public_base_url
    if base_url:
        return f"{base_url.rstrip('/')}/{key}"
    return private_url(key)


def lasting_url(key: str) -> str | None:
    """A public object's URL that never expires (the CDN's), or None without a CDN:
    what a domain event may carry, since its consumers keep it."""
    base_url = get_settings().public_base_url
    return f"{base_url.rstrip('/')}/{key}" if base_url and keys.is_public_key(key) else None


def download_url(key: str, *, disposition: str, content_type: str, expires_in: int) -> str:
    """A presigned GET whose reply carries these Content-Disposition and Content-Type
    headers (S3's response-content-* overrides, signed into the URL, so nobody can change
    them): a private object saved under a chosen file name."""
    return client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": _bucket(), "Key": key,
                              "ResponseContentDisposition": disposition,
                              "ResponseContentType": content_type},
        ExpiresIn=expires_in)


def private_url(key: str) -> str:
    """A presigned GET, whatever PUBLIC_BASE_URL says: for everything that is not public
    (generation inputs and outputs, uploads, originals), which the CDN cannot read."""
    return client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": _bucket(), "Key": key},
        ExpiresIn=get_settings().download_url_ttl_seconds)
