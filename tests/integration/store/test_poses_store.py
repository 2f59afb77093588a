"""Pose listing on DynamoDB Local: a request's Limit counts items examined before the tag
filter, and a page cut short resumes after its last item, as the real engine does it. And
the facet counters, written in the same transactions as the poses they count."""
from __future__ import annotations

import pytest
from portrait.errors import Conflict
from portrait.ids import new_id
from portrait.store import poses
from portrait.store.poses import FACETS_ID, Pose

pytestmark = pytest.mark.dynamodb_local

KEYPOINTS = tuple((0.5, 0.1 + i * 0.04, 2) for i in range(18))


@pytest.fixture
def category(store_env) -> str:
    """A category of its own (the tables are shared by the session's tests): 40 poses,
    every third tagged `rare`, all of them `common`."""
    name = f"test_{new_id().lower()}"
    poses.put_poses(
        Pose(pose_id=f"{name.replace('_', '-')}-{i:03d}", name=f"Pose {i}", category=name,
             tags=("common", "rare") if i % 3 == 0 else ("common",), keypoints=KEYPOINTS,
             skeleton_key=f"poses/x-{i}.png", source="catalogue", created_at="2027-01-01T00:00:00Z")
        for i in range(40))
    return name


def _pages(category: str, tag: str | None, limit: int) -> list[list[str]]:
    pages, after = [], None
    while True:
        found, after = poses.list_poses(category=category, tag=tag, limit=limit, after=after)
        pages.append([p.pose_id for p in found])
        if after is None:
            return pages


@pytest.mark.parametrize("tag, expected", [(None, 40), ("common", 40), ("rare", 14)])
def test_pages_are_full_until_the_end_and_hold_each_pose_once(category, tag, expected) -> None:
    pages = _pages(category, tag, limit=6)
    ids = [i for page in pages for i in page]
    assert len(ids) == len(set(ids)) == expected
    assert ids == sorted(ids)
    assert all(len(page) == 6 for page in pages[:-1])


def test_a_record_reads_back_as_written(category) -> None:
    pose = poses.get_pose(f"{category.replace('_', '-')}-003")
    assert pose.tags == ("common", "rare") and pose.keypoints == KEYPOINTS
    assert poses.get_pose("no-such-pose") is None


def _poses(category: str, tags: tuple[str, ...], count: int, start: int = 0) -> list[Pose]:
    return [Pose(pose_id=f"{category.replace('_', '-')}-{i:03d}", name=f"Pose {i}",
                 category=category, tags=tags, keypoints=KEYPOINTS, skeleton_key=f"poses/y-{i}.png",
                 source="catalogue", created_at="2027-01-01T00:00:00Z")
            for i in range(start, start + count)]


def _counts(category: str, tag: str) -> tuple[int | None, int | None]:
    facets = poses.pose_facets()
    return facets.categories.get(category), facets.tags.get(tag)


def test_facets_count_poses_across_transactions(store_env) -> None:
    name = f"test_{new_id().lower()}"
    tag = name.replace("_", "-")
    assert _counts(name, tag) == (None, None)
    # 150 poses: two transactions, each adding its own totals.
    assert poses.put_poses(_poses(name, (tag, "common"), 150)) == 150
    assert _counts(name, tag) == (150, 150)
    facets = poses.pose_facets()
    assert list(facets.categories) == sorted(facets.categories)
    assert list(facets.tags) == sorted(facets.tags)


def test_a_pose_that_exists_is_refused_and_counted_once(store_env) -> None:
    name = f"test_{new_id().lower()}"
    tag = name.replace("_", "-")
    existing = _poses(name, (tag,), 3)
    poses.put_poses(existing)
    with pytest.raises(Conflict):
        poses.create_pose(existing[1])
    with pytest.raises(Conflict):  # one taken id cancels its whole transaction
        poses.put_poses(_poses(name, (tag,), 2, start=2))
    assert _counts(name, tag) == (3, 3)
    assert poses.get_pose(f"{tag}-003") is None


def test_replacing_counts_the_old_facets_out(store_env) -> None:
    old, new = f"test_{new_id().lower()}", f"test_{new_id().lower()}"
    old_tag, new_tag = old.replace("_", "-"), new.replace("_", "-")
    written = _poses(old, (old_tag,), 4)
    poses.put_poses(written)
    moved = [Pose(**{**p.__dict__, "category": new, "tags": (new_tag,)}) for p in written[:3]]
    replacing = {p.pose_id: (p.category, p.tags) for p in written[:3]}
    assert poses.put_poses(moved, replacing=replacing) == 3
    assert _counts(old, old_tag) == (1, 1)
    assert _counts(new, new_tag) == (3, 3)
    assert {k: v for k, v in poses.pose_facets_by_id().items() if k in replacing} == {
        p.pose_id: (new, (new_tag,)) for p in moved}


def test_the_facets_item_is_never_a_pose(category) -> None:
    assert poses.pose_facets().categories.get(category) == 40
    assert FACETS_ID not in poses.existing_pose_ids()
    assert FACETS_ID not in poses.pose_facets_by_id()
    assert poses.get_pose(FACETS_ID) is None
    for tag in (None, "common"):
        pages, after = [], None
        while True:
            found, after = poses.list_poses(category=None, tag=tag, limit=50, after=after)
            pages.append([p.pose_id for p in found])
            if after is None:
                break
        ids = [i for page in pages for i in page]
        assert FACETS_ID not in ids and len(ids) == len(set(ids))
        assert all(len(page) == 50 for page in pages[:-1])
        assert {f"{category.replace('_', '-')}-{i:03d}" for i in range(40)} <= set(ids)
