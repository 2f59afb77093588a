"""Seeding the catalogue: records and skeletons written, and nothing twice."""
from __future__ import annotations

import io

from PIL import Image
from portrait.config import get_settings
from portrait.imaging.skeleton import render_skeleton_png
from portrait.services.pose_seeding import seed_pose_catalogue
from portrait.store import keys, poses
from portrait.store.aws import client as aws_client
from portrait.store.models import PoseItem, bound

from tests.integration.api.pose_support import (  # noqa: F401
    catalogue_slice,
    no_skeletons,
    skeleton_keys,
)


def test_seeding_writes_each_pose_and_its_skeleton_once(api, no_skeletons) -> None:
    wanted = catalogue_slice()
    report = seed_pose_catalogue(catalogue=wanted)
    written = (report.catalogue, report.records_written, report.skeletons_written)
    assert written == (len(wanted),) * 3
    assert skeleton_keys() == {keys.pose_skeleton_key(p.pose_id) for p in wanted}
    assert poses.existing_pose_ids() == {p.pose_id for p in wanted}

    sample = wanted[7]
    stored = poses.get_pose(sample.pose_id)
    assert (stored.name, stored.category, stored.tags, stored.keypoints) == (
        sample.name, sample.category, sample.tags, sample.keypoints)
    assert (stored.source, stored.skeleton_key) == ("catalogue", f"poses/{sample.pose_id}.png")
    obj = aws_client("s3").get_object(Bucket=get_settings().media_bucket, Key=stored.skeleton_key)
    assert obj["ContentType"] == "image/png"
    body = obj["Body"].read()
    assert body == render_skeleton_png(sample.keypoints)
    assert Image.open(io.BytesIO(body)).size == (512, 512)

    again = seed_pose_catalogue(catalogue=wanted)
    assert (again.records_written, again.skeletons_written) == (0, 0)


def test_seeding_fills_in_what_went_missing_and_refresh_rewrites_all(api, no_skeletons) -> None:
    wanted = catalogue_slice()
    seed_pose_catalogue(catalogue=wanted)
    lost_record, lost_image = wanted[0], wanted[-1]
    bound(PoseItem).get(lost_record.pose_id).delete()
    aws_client("s3").delete_object(Bucket=get_settings().media_bucket,
                                   Key=keys.pose_skeleton_key(lost_image.pose_id))

    repaired = seed_pose_catalogue(catalogue=wanted)
    assert (repaired.records_written, repaired.skeletons_written) == (1, 1)
    assert poses.get_pose(lost_record.pose_id) is not None
    assert keys.pose_skeleton_key(lost_image.pose_id) in skeleton_keys()

    refreshed = seed_pose_catalogue(catalogue=wanted, only_missing=False)
    assert (refreshed.records_written, refreshed.skeletons_written) == (len(wanted),) * 2
