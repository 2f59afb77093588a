"""The pose catalogue: every base pose variant shot from several camera angles, in three
framings, and mirrored. Deterministic: the same code gives the same poses and ids.

A pose id names what it is made of ("waving-hand-up-angled-knees-mirrored"), so
it stays the same across runs and releases as long as that combination exists:
re-seeding is idempotent, and a generation's pose_id keeps meaning the same pose.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from portrait.poses import POSE_ID_PATTERN  # noqa: F401 - re-exported for callers
from portrait.poses.base_poses import BASE_POSES, BasePose, Variant
from portrait.poses.figure import Framing, pose_keypoints
from portrait.poses.keypoints import Keypoint, mirrored, validate_keypoints

CATALOGUE = "catalogue"


@dataclass(frozen=True)
class View:
    slug: str
    title: str
    tag: str
    yaw: float


@dataclass(frozen=True)
class Shot:
    slug: str
    title: str
    tag: str
    framing: Framing


VIEWS = (
    View("front", "front view", "front-view", 0.0),
    View("slight", "slight angle", "slight-angle", 20.0),
    View("angled", "angled view", "angled-view", 40.0),
)
SIDE_VIEW = View("side", "side view", "side-view", 75.0)
SHOTS = (
    Shot("full", "full body", "full-body", Framing("feet", fill=0.88)),
    Shot("knees", "three-quarter", "three-quarter", Framing("knees", fill=0.9)),
    Shot("waist", "half body", "half-body", Framing("hips", fill=0.92)),
)


@dataclass(frozen=True)
class CataloguePose:
    pose_id: str
    name: str
    category: str
    tags: tuple[str, ...]
    keypoints: tuple[Keypoint, ...]


def _pose(base: BasePose, variant: Variant, view: View, shot: Shot, flip: bool) -> CataloguePose:
    points = pose_keypoints(variant.figure, yaw=view.yaw, framing=shot.framing)
    slug = f"{base.category.replace('_', '-')}-{variant.slug}-{view.slug}-{shot.slug}"
    tags = {*base.tags, *variant.tags, view.tag, shot.tag}
    if flip:
        points = tuple((round(x, 4), round(y, 4), v) for x, y, v in mirrored(points))
        slug += "-mirrored"
        tags.add("mirrored")
    name = f"{base.title}, {variant.title}: {view.title}, {shot.title}"
    name += ", mirrored" if flip else ""
    return CataloguePose(pose_id=slug, name=name, category=base.category, tags=tuple(sorted(tags)),
                         keypoints=validate_keypoints(points))


@lru_cache(maxsize=1)
def generate_catalogue() -> tuple[CataloguePose, ...]:
    """Every pose of the catalogue, in a stable order. A shot that repeats an earlier one
    to within half a pixel at 512 px (a symmetric pose mirrored) is left out."""
    poses, seen = [], set()
    for base in BASE_POSES:
        views = VIEWS + ((SIDE_VIEW,) if base.side_view else ())
        for variant in base.variants:
            for view in views:
                for shot in SHOTS:
                    for flip in (False, True):
                        pose = _pose(base, variant, view, shot, flip)
                        key = _likeness(pose.keypoints)
                        if key not in seen:
                            seen.add(key)
                            poses.append(pose)
    return tuple(poses)


def _likeness(points: tuple[Keypoint, ...]) -> tuple:
    return tuple((round(x, 3), round(y, 3), v) for x, y, v in points)
