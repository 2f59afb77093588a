"""Pose listing on DynamoDB Local: a request's Limit counts items examined before the tag
filter, and a page cut short resumes after its last item, as the real engine does it."""
from __future__ import annotations

import pytest
from portrait.ids import new_id
from portrait.store import poses
from portrait.store.poses import Pose

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
