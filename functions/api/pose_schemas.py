"""Reply shapes of the pose routes (built from portrait.services.poses.listing' views)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PoseReply(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    pose_id: str = Field(examples=["waving-hand-up-angled-knees-mirrored"])
    name: str
    category: str = Field(examples=["waving"])
    tags: list[str] = Field(examples=[["angled-view", "casual", "three-quarter"]])
    keypoints: list[list[float]] = Field(
        description="18 x [x, y, v], COCO-18 order; x and y 0..1 from the top left, "
                    "v 0 absent, 1 occluded, 2 visible")
    source: Literal["catalogue", "admin"]
    created_at: str
    preview_url: str = Field(description="the skeleton image (PNG, 512 px): OpenPose-style "
                                         "coloured limbs on black")


class PoseList(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    items: list[PoseReply]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null at the "
                                                "end (a page before it may be empty)")


class FeaturedPoses(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    items: list[PoseReply] = Field(description="front views of one base pose each, every "
                                               "category in turn; then other views")


class FacetCount(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str = Field(examples=["waving"])
    count: int = Field(ge=0, description="poses with this category or tag")


class PoseFacetsReply(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    categories: list[FacetCount] = Field(description="every category with poses, by name")
    tags: list[FacetCount] = Field(description="every tag with poses, by name")


class StyleReply(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: Literal["realistic", "illustration", "anime"] = Field(
        description="pass as `style` to POST /generations")
    title: str = Field(examples=["Realistic"])
    description: str
    sample_url: str = Field(description="a sample portrait in this style (JPEG, 512 px)")


class StyleList(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    items: list[StyleReply]
