"""The pose catalogue as clients see it: listing, its facets, one pose, and poses admins add.

Reading needs no account: the catalogue holds no one's data, and the pose
picker is shown before sign-up. Every pose comes with a URL of its skeleton
image, the same picture the renderers are given as the control image.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from portrait import clock
from portrait.errors import NotFound
from portrait.ids import new_id
from portrait.poses import POSE_ID_PATTERN
from portrait.poses.keypoints import COUNT, validate_keypoints
from portrait.services import cursors
from portrait.services.cursors import Page
from portrait.store import keys, objects, poses
from portrait.store.poses import ADMIN, Pose
from portrait.text import SingleLine

CATEGORY_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"
TAG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"
# Skeletons of catalogue poses are rewritten in place by `portrait seed poses --refresh`,
# so they are cached for a day, not forever.
SKELETON_CACHE_CONTROL = "public, max-age=86400"

Tag = Annotated[str, StringConstraints(pattern=TAG_PATTERN)]
KeypointBody = tuple[float, float, Literal[0, 1, 2]]


class NewPose(BaseModel):
    """POST /admin/poses: a pose template; its keypoints are checked and its skeleton drawn."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=80), SingleLine]
    category: str = Field(pattern=CATEGORY_PATTERN, examples=["standing"])
    tags: list[Tag] = Field(default_factory=list, max_length=16)
    keypoints: list[KeypointBody] = Field(
        min_length=COUNT, max_length=COUNT,
        description="COCO-18 (OpenPose order: nose, neck, r_shoulder, r_elbow, r_wrist, "
                    "l_shoulder, l_elbow, l_wrist, r_hip, r_knee, r_ankle, l_hip, l_knee, "
                    "l_ankle, r_eye, l_eye, r_ear, l_ear), each [x, y, v]: x and y 0..1 from "
                    "the top left, v 0 absent, 1 occluded, 2 visible")


@dataclass(frozen=True)
class PoseView:
    pose_id: str
    name: str
    category: str
    tags: list[str]
    keypoints: list[list[float]]
    source: str
    created_at: str
    preview_url: str


@dataclass(frozen=True)
class FacetCount:
    name: str
    count: int


@dataclass(frozen=True)
class PoseFacets:
    categories: list[FacetCount]
    tags: list[FacetCount]



def pose_view(pose: Pose) -> PoseView:
    return PoseView(pose_id=pose.pose_id, name=pose.name, category=pose.category,
                    tags=list(pose.tags), keypoints=[list(p) for p in pose.keypoints],
                    source=pose.source, created_at=pose.created_at,
                    preview_url=objects.public_url(pose.skeleton_key))


def list_poses(*, category: str | None, tag: str | None, limit: int,
               cursor: str | None = None) -> Page[PoseView]:
    """GET /poses: one category and/or one tag, `limit` a page, with an opaque cursor."""
    after = cursors.decode_cursor(cursor, "after", pattern=POSE_ID_PATTERN) if cursor else None
    found, after = poses.list_poses(category=category, tag=tag, limit=limit, after=after)
    return Page(items=[pose_view(p) for p in found],
                    next_cursor=cursors.encode_cursor("after", after) if after else None)


def pose_facets() -> PoseFacets:
    """GET /poses/facets: every category and tag with its number of poses, by name, so a
    client can offer them all before it has loaded any poses."""
    facets = poses.pose_facets()
    return PoseFacets(categories=[FacetCount(n, c) for n, c in sorted(facets.categories.items())],
                      tags=[FacetCount(n, c) for n, c in sorted(facets.tags.items())])


def get_pose(pose_id: str) -> PoseView:
    pose = poses.get_pose(pose_id)
    if pose is None:
        raise NotFound("no such pose", code="pose_not_found")
    return pose_view(pose)


def add_pose(body: NewPose) -> PoseView:
    """POST /admin/poses: validate the keypoints (InvalidKeypoints names each bad point),
    store the skeleton, then the record, so a pose never points at a missing image."""
    from portrait.imaging.skeleton import render_skeleton_png  # Pillow only where drawn

    points = validate_keypoints(body.keypoints)
    pose_id = f"custom-{new_id().lower()}"
    pose = Pose(pose_id=pose_id, name=body.name.strip(), category=body.category,
                tags=tuple(sorted(set(body.tags))), keypoints=points,
                skeleton_key=keys.pose_skeleton_key(pose_id), source=ADMIN, created_at=clock.now_iso())
    objects.put_object(pose.skeleton_key, render_skeleton_png(points), content_type="image/png",
                       cache_control=SKELETON_CACHE_CONTROL)
    poses.create_pose(pose)
    return pose_view(pose)
