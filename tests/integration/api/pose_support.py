"""Pose test helpers: a slice of the catalogue, seeded as the CLI seeds it."""
from __future__ import annotations

import pytest
from portrait.config import get_settings
from portrait.poses.catalogue import generate_catalogue
from portrait.store import keys
from portrait.store.aws import client as aws_client

# Two categories, whole (every view, framing and mirror): enough to page through
# with filters, a tenth of the time the full catalogue takes against moto.
SEEDED_CATEGORIES = ("waving", "hands_on_hips")


def catalogue_slice():
    return [p for p in generate_catalogue() if p.category in SEEDED_CATEGORIES]


def skeleton_keys() -> set[str]:
    listed = aws_client("s3").list_objects_v2(Bucket=get_settings().media_bucket,
                                              Prefix=keys.POSES_PREFIX)
    return {item["Key"] for item in listed.get("Contents", [])}


@pytest.fixture
def no_skeletons(api) -> None:
    """Nothing under poses/ (the package's moto outlives each test; tables are emptied)."""
    s3, bucket = aws_client("s3"), get_settings().media_bucket
    for key in skeleton_keys():
        s3.delete_object(Bucket=bucket, Key=key)


@pytest.fixture
def seeded(api) -> list:
    from portrait.services.poses.seeding import seed_pose_catalogue

    poses = catalogue_slice()
    seed_pose_catalogue(catalogue=poses)
    return poses
