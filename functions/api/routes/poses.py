"""/poses (anyone may browse the catalogue), /styles (the style presets a portrait may
take) and /admin/poses (administrators add poses)."""
from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from portrait.poses import POSE_ID_PATTERN
from portrait.services.poses import listing as poses
from portrait.services.poses.featured import featured_poses
from portrait.services.poses.listing import CATEGORY_PATTERN, TAG_PATTERN, NewPose
from portrait.services.poses.styles import list_styles
from pose_schemas import FeaturedPoses, PoseFacetsReply, PoseList, PoseReply, StyleList
from schemas import api_responses, body_responses
from security import BEARER, AdminClaims

router = Router()
TAGS = ["poses"]

PoseId = Annotated[str, Path(pattern=POSE_ID_PATTERN.pattern, description="from GET /poses")]
Category = Annotated[str | None, Query(pattern=CATEGORY_PATTERN, examples=["hands_on_hips"])]
Tag = Annotated[str | None, Query(pattern=TAG_PATTERN, examples=["full-body"])]


@router.get("/poses", tags=TAGS, responses=api_responses(400),
            summary="The pose catalogue, by category and tag, a page at a time")
def list_poses(category: Category = None, tag: Tag = None,
               limit: Annotated[int, Query(ge=1, le=100)] = 24,
               cursor: Annotated[str | None, Query(max_length=200)] = None) -> PoseList:
    return PoseList.model_validate(poses.list_poses(category=category, tag=tag, limit=limit,
                                                    cursor=cursor))


# Declared before /poses/<pose_id>; "featured" and "facets" would match the pose id pattern.
@router.get("/poses/featured", tags=TAGS,
            summary="The gallery's first page: distinct base poses, in turns across categories")
def featured(limit: Annotated[int, Query(ge=1, le=48)] = 24) -> FeaturedPoses:
    return FeaturedPoses.model_validate({"items": featured_poses(limit)})


@router.get("/poses/facets", tags=TAGS,
            summary="Every category and tag, with how many poses each has")
def pose_facets() -> PoseFacetsReply:
    return PoseFacetsReply.model_validate(poses.pose_facets())


@router.get("/poses/<pose_id>", tags=TAGS, summary="One pose, with its skeleton image's URL",
            responses=api_responses(404))
def get_pose(pose_id: PoseId) -> PoseReply:
    return PoseReply.model_validate(poses.get_pose(pose_id))


@router.get("/styles", tags=TAGS, summary="The style presets, each with a sample portrait")
def styles() -> StyleList:
    return StyleList.model_validate({"items": list_styles()})


@router.post("/admin/poses", status_code=201, tags=["admin", *TAGS], security=BEARER,
             summary="Add a pose: its keypoints are checked and its skeleton drawn",
             responses=body_responses(400, 401, 403, success=201, description="The new pose"))
def add_pose(body: NewPose, claims: AdminClaims) -> PoseReply:
    return PoseReply.model_validate(poses.add_pose(body))
