"""The generated catalogue: size, stable ids, valid and distinct poses, categories and tags."""
from __future__ import annotations

from collections import Counter

from portrait.poses import catalogue
from portrait.poses.base_poses import BASE_POSES
from portrait.poses.catalogue import POSE_ID_PATTERN, SHOTS, generate_catalogue
from portrait.poses.keypoints import ABSENT, validate_keypoints

CATEGORIES = {"standing", "walking", "sitting", "arms_crossed", "hands_on_hips", "waving"}


def test_at_least_800_poses_with_unique_well_formed_ids() -> None:
    poses = generate_catalogue()
    assert len(poses) >= 800
    ids = [p.pose_id for p in poses]
    assert len(set(ids)) == len(ids)
    assert all(POSE_ID_PATTERN.match(i) and len(i) <= 64 for i in ids)


def test_generation_is_deterministic_run_to_run() -> None:
    first = generate_catalogue()
    catalogue.generate_catalogue.cache_clear()
    assert generate_catalogue() == first  # ids, names, tags and keypoints alike


def test_every_pose_is_valid_and_no_two_look_alike() -> None:
    poses = generate_catalogue()
    for pose in poses:
        assert validate_keypoints(pose.keypoints) == pose.keypoints, pose.pose_id
    likeness = {tuple((round(x, 3), round(y, 3), v) for x, y, v in p.keypoints) for p in poses}
    assert len(likeness) == len(poses)


def test_categories_and_tags() -> None:
    poses = generate_catalogue()
    per_category = Counter(p.category for p in poses)
    assert CATEGORIES <= set(per_category) == {b.category for b in BASE_POSES}
    assert min(per_category.values()) >= 30
    tags = Counter(t for p in poses for t in p.tags)
    for tag in ("mirrored", "full-body", "three-quarter", "half-body", "front-view",
                "angled-view", "casual", "formal"):
        assert tags[tag] > 0, tag
    assert all(p.name and p.tags == tuple(sorted(set(p.tags))) for p in poses)


def test_mirrored_poses_say_so_in_id_name_and_tags() -> None:
    for pose in generate_catalogue():
        flipped = pose.pose_id.endswith("-mirrored")
        assert flipped == ("mirrored" in pose.tags) == pose.name.endswith(", mirrored")


def test_framings_cut_the_figure_where_they_say() -> None:
    by_shot = {shot.tag: [p for p in generate_catalogue() if shot.tag in p.tags] for shot in SHOTS}
    ankles, knees = (10, 13), (9, 12)
    assert all(any(p.keypoints[i][2] != ABSENT for i in ankles) for p in by_shot["full-body"])
    assert all(all(p.keypoints[i][2] == ABSENT for i in ankles) for p in by_shot["three-quarter"]
               if p.category not in ("kneeling", "squatting", "running"))  # feet up by the knees
    assert all(all(p.keypoints[i][2] == ABSENT for i in knees) for p in by_shot["half-body"]
               if p.category in ("standing", "waving", "arms_crossed"))
    # Every shot fills most of the frame: no figure floats small in a corner.
    for pose in generate_catalogue():
        ys = [y for _, y, v in pose.keypoints if v != ABSENT]
        assert max(ys) - min(ys) > 0.4, pose.pose_id
