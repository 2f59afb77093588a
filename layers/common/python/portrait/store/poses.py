"""Pose records (PosesTable): the generated catalogue and the poses admins add.

Listing reads the by_category index for one category, or scans the table for
all of them (a stable order, but not a meaningful one). A tag is a filter
inside the read: DynamoDB applies a request's Limit before the filter, so the
read goes on, page by page, until it has `limit` matches or reaches the end.
Every item examined is paid for; at catalogue size (~1000 items of ~1 KB) a
whole pass costs about 125 read units, which is why there is no tag index.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from pynamodb.exceptions import PutError

from portrait.config import get_settings
from portrait.errors import Conflict
from portrait.store.aws import client
from portrait.store.keys import POSES_PREFIX
from portrait.store.models import PoseItem, bound, condition_failed

CATALOGUE, ADMIN = "catalogue", "admin"
# Items read per request when a tag filter may reject most of them (~100 KB a page).
_FILTERED_PAGE_SIZE = 100

Keypoint = tuple[float, float, int]


@dataclass(frozen=True)
class Pose:
    pose_id: str
    name: str
    category: str
    tags: tuple[str, ...]
    keypoints: tuple[Keypoint, ...]
    skeleton_key: str
    source: str  # catalogue | admin
    created_at: str


def _from_item(item: PoseItem) -> Pose:
    return Pose(pose_id=item.pose_id, name=item.name, category=item.category,
                tags=tuple(sorted(item.tags or ())),
                keypoints=tuple((float(x), float(y), int(v)) for x, y, v in item.keypoints),
                skeleton_key=item.skeleton_key, source=item.source, created_at=item.created_at)


def _to_item(model: type[PoseItem], pose: Pose) -> PoseItem:
    return model(pose.pose_id, name=pose.name, category=pose.category,
                 tags=set(pose.tags) or None, keypoints=[list(p) for p in pose.keypoints],
                 skeleton_key=pose.skeleton_key, source=pose.source, created_at=pose.created_at)


def get_pose(pose_id: str) -> Pose | None:
    try:
        return _from_item(bound(PoseItem).get(pose_id))
    except PoseItem.DoesNotExist:
        return None


def create_pose(pose: Pose) -> None:
    """One new pose; Conflict if its id is taken (ids of new poses are fresh, so: never)."""
    model = bound(PoseItem)
    try:
        _to_item(model, pose).save(condition=model.pose_id.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            raise Conflict("a pose with this id exists", code="pose_exists") from None
        raise


def put_poses(poses: Iterable[Pose]) -> int:
    """Write (or overwrite) poses with BatchWriteItem, 25 a request, unprocessed items
    retried by PynamoDB. Returns how many were written."""
    model = bound(PoseItem)
    count = 0
    with model.batch_write() as batch:
        for pose in poses:
            batch.save(_to_item(model, pose))
            count += 1
    return count


def existing_pose_ids() -> set[str]:
    """Every pose id in the table (keys only: one or two pages for the whole catalogue)."""
    return {item.pose_id for item in bound(PoseItem).scan(attributes_to_get=["pose_id"])}


def existing_skeleton_keys() -> set[str]:
    """Every key under poses/ (one listing page per 1000 skeletons)."""
    pages = client("s3").get_paginator("list_objects_v2").paginate(
        Bucket=get_settings().media_bucket, Prefix=POSES_PREFIX)
    return {entry["Key"] for page in pages for entry in page.get("Contents", ())}


def list_poses(*, category: str | None, tag: str | None, limit: int,
               after: str | None = None) -> tuple[list[Pose], str | None]:
    """Up to `limit` poses after the pose id `after` (in this listing's order), and the pose
    id to continue after, or None at the end. A page is short only at the end."""
    model = bound(PoseItem)
    condition = model.tags.contains(tag) if tag else None
    # With a filter the request's Limit counts items examined, not matches: read in
    # larger pages. PynamoDB stops at `limit` matches, mid-page if need be, and then
    # reports the last item returned as the place to resume.
    page_size = max(limit, _FILTERED_PAGE_SIZE) if tag else limit
    if category:
        start = {"category": {"S": category}, "pose_id": {"S": after}} if after else None
        result = model.by_category.query(category, filter_condition=condition, limit=limit,
                                         page_size=page_size, last_evaluated_key=start)
    else:
        start = {"pose_id": {"S": after}} if after else None
        result = model.scan(filter_condition=condition, limit=limit, page_size=page_size,
                            last_evaluated_key=start)
    poses = [_from_item(item) for item in result]
    last = result.last_evaluated_key
    return poses, (last["pose_id"]["S"] if last else None)
