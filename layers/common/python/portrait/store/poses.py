"""Pose records (PosesTable): the generated catalogue and the poses admins add.

Listing reads the by_category index for one category, or scans the table for
all of them (a stable order, but not a meaningful one). A tag is a filter
inside the read: DynamoDB applies a request's Limit before the filter, so the
read goes on, page by page, until it has `limit` matches or reaches the end.
Every item examined is paid for; at catalogue size (~1000 items of ~1 KB) a
whole pass costs about 125 read units, which is why there is no tag index.

How many poses each category and tag has (GET /poses/facets) is kept, not
counted: one facets item (FACETS_ID) holds a number per category and per tag,
and every write of poses adds to it in the same transaction, so the counts
never drift from the records and reading them is one GetItem. The item has no
`category`, so the index never holds it; scans and get_pose skip it. A table
seeded before the counters existed gets them from recount_facets (seeding
calls it when the item is missing).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import islice
from typing import Iterable, Mapping

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.operand import Path, Value
from pynamodb.transactions import TransactWrite

from portrait.config import get_settings
from portrait.errors import Conflict
from portrait.store.aws import client
from portrait.store.keys import POSES_PREFIX
from portrait.store.models import PoseFacetsItem, PoseItem, bound, transaction_connection

CATALOGUE, ADMIN = "catalogue", "admin"
# Items read per request when a tag filter may reject most of them (~100 KB a page).
_FILTERED_PAGE_SIZE = 100
# Not a valid pose id (POSE_ID_PATTERN), so no pose can ever take it.
FACETS_ID = "_facets"
_CATEGORY, _TAG = "c#", "t#"  # facet counter attributes: c#<category>, t#<tag>
_SOURCE = "s#"  # and s#<source>: how many poses came from the catalogue, how many from admins
_VERSION = "version"  # on the facets item: one up with every write, for recount_facets
_RECOUNT_ATTEMPTS = 5
# A transaction holds at most 100 writes: 99 poses and the facets item.
_POSES_PER_TRANSACTION = 99

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


@dataclass(frozen=True)
class Facets:
    categories: dict[str, int]  # name -> poses, names sorted
    tags: dict[str, int]


def get_pose(pose_id: str) -> Pose | None:
    if pose_id == FACETS_ID:
        return None
    try:
        return _from_item(bound(PoseItem).get(pose_id))
    except PoseItem.DoesNotExist:
        return None


def create_pose(pose: Pose) -> None:
    """One new pose, counted in the facets in the same transaction; Conflict if its id is
    taken (ids of new poses are fresh, so: never)."""
    try:
        put_poses([pose])
    except Conflict:
        raise Conflict("a pose with this id exists", code="pose_exists") from None


def put_poses(poses: Iterable[Pose], *,
              replacing: Mapping[str, tuple[str, tuple[str, ...]]] | None = None) -> int:
    """Write poses and their facet counts together, 99 poses a transaction. A pose is new
    (Conflict if its id is taken) unless `replacing` holds its id with the category and tags
    it has now, which are then counted out: pass what the table holds (pose_facets_by_id).
    Returns how many were written."""
    replacing = replacing or {}
    model = bound(PoseItem)
    pending = iter(poses)
    written = 0
    while chunk := list(islice(pending, _POSES_PER_TRANSACTION)):
        delta = _facet_counts((p.category, p.tags) for p in chunk)
        delta.update(_SOURCE + p.source for p in chunk if p.pose_id not in replacing)
        delta.subtract(_facet_counts(replacing[p.pose_id] for p in chunk
                                     if p.pose_id in replacing))
        try:
            with TransactWrite(connection=transaction_connection(model)) as tx:
                for pose in chunk:
                    key = model.pose_id
                    tx.save(_to_item(model, pose), condition=key.exists()
                            if pose.pose_id in replacing else key.does_not_exist())
                _add_to_facets(tx, delta)
        except TransactWriteError as exc:
            if _condition_failed(exc):
                raise Conflict("poses were written or removed meanwhile: read them and retry",
                               code="pose_exists") from None
            raise
        written += len(chunk)
    return written


def pose_facets() -> Facets:
    """Every category and tag with how many poses have it (one GetItem)."""
    counts = {name: int(value["N"]) for name, value in _facets_item().items() if "N" in value}
    return Facets(categories=_named(counts, _CATEGORY), tags=_named(counts, _TAG))


def pose_facets_by_id() -> dict[str, tuple[str, tuple[str, ...]]]:
    """pose id -> (category, tags) for every pose: what put_poses(replacing=) wants."""
    items = bound(PoseItem).scan(attributes_to_get=["pose_id", "category", "tags"],
                                 consistent_read=True)
    return {item.pose_id: (item.category, tuple(sorted(item.tags or ())))
            for item in items if item.pose_id != FACETS_ID}


def _facet_counts(facets: Iterable[tuple[str, Iterable[str]]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for category, tags in facets:
        counts[_CATEGORY + category] += 1
        counts.update(_TAG + tag for tag in set(tags))
    return counts


def _add_to_facets(tx: TransactWrite, delta: Counter[str]) -> None:
    # ADD creates a missing counter (and the item) at 0 first; counters are top-level
    # attributes because ADD cannot reach into a map that does not exist yet.
    actions = [Path([name]).add(Value({"N": str(n)})) for name, n in sorted(delta.items()) if n]
    if actions:
        actions.append(Path([_VERSION]).add(Value({"N": "1"})))
        tx.update(bound(PoseFacetsItem)(FACETS_ID), actions=actions)


def facets_counted() -> bool:
    """Whether the facets item exists with the per-source counters (a table seeded before
    either existed lacks them: recount_facets makes them)."""
    return any(name.startswith(_SOURCE) for name in _facets_item(consistent=True))


def catalogue_poses_stored() -> int:
    """How many catalogue poses the table holds (one GetItem on the counters)."""
    return int(_facets_item().get(_SOURCE + CATALOGUE, {}).get("N", 0))


def recount_facets() -> Facets:
    """Count every pose (a consistent scan) and store the totals as the facets item, unless a
    write moved the counters meanwhile (its version changed): then count again."""
    dynamodb, table = client("dynamodb"), get_settings().poses_table
    for _ in range(_RECOUNT_ATTEMPTS):
        version = _facets_item(consistent=True).get(_VERSION)
        items = [i for i in bound(PoseItem).scan(
            attributes_to_get=["pose_id", "category", "tags", "source"], consistent_read=True)
            if i.pose_id != FACETS_ID]
        counts = _facet_counts((i.category, i.tags or ()) for i in items)
        counts.update(_SOURCE + i.source for i in items)
        item = {"pose_id": {"S": FACETS_ID},
                _VERSION: {"N": str(int(version["N"]) + 1 if version else 1)},
                **{name: {"N": str(n)} for name, n in counts.items()}}
        if version:
            condition = {"ConditionExpression": "#v = :v",
                         "ExpressionAttributeValues": {":v": version}}
        else:
            condition = {"ConditionExpression": "attribute_not_exists(#v)"}
        try:
            dynamodb.put_item(TableName=table, Item=item,
                              ExpressionAttributeNames={"#v": _VERSION}, **condition)
        except dynamodb.exceptions.ConditionalCheckFailedException:
            continue
        return pose_facets()
    raise Conflict("poses kept changing while they were counted: try again",
                   code="pose_facets_busy")


def _facets_item(*, consistent: bool = False) -> dict:
    reply = client("dynamodb").get_item(TableName=get_settings().poses_table,
                                        Key={"pose_id": {"S": FACETS_ID}},
                                        ConsistentRead=consistent)
    return reply.get("Item", {})


def _named(counts: dict[str, int], prefix: str) -> dict[str, int]:
    return {name[len(prefix):]: n for name, n in sorted(counts.items())
            if name.startswith(prefix) and n > 0}


def _condition_failed(exc: TransactWriteError) -> bool:
    return any(reason and reason.code == "ConditionalCheckFailed"
               for reason in (exc.cancellation_reasons or []))


def existing_pose_ids() -> set[str]:
    """Every pose id in the table (keys only: one or two pages for the whole catalogue)."""
    ids = {item.pose_id for item in bound(PoseItem).scan(attributes_to_get=["pose_id"])}
    return ids - {FACETS_ID}


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
        # The facets item is the one item without a category (the index never holds it).
        poses_only = model.category.exists()
        if condition is not None:
            poses_only &= condition
        result = model.scan(filter_condition=poses_only, limit=limit, page_size=page_size,
                            last_evaluated_key=start)
    poses = [_from_item(item) for item in result]
    last = result.last_evaluated_key
    return poses, (last["pose_id"]["S"] if last else None)
