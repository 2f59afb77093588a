"""Seeding the catalogue: records and skeletons written, and nothing twice."""
from __future__ import annotations

import io
from collections import Counter

from PIL import Image
from portrait.config import get_settings
from portrait.imaging.skeleton import render_skeleton_png
from portrait.services.poses.seeding import seed_pose_catalogue
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


def _facets() -> tuple[dict, dict]:
    facets = poses.pose_facets()
    return facets.categories, facets.tags


def _expected(catalogue) -> tuple[dict, dict]:
    return (dict(Counter(p.category for p in catalogue)),
            dict(Counter(t for p in catalogue for t in p.tags)))


def test_seeding_counts_facets_once_and_a_table_without_them_is_recounted(api) -> None:
    wanted = catalogue_slice()
    seed_pose_catalogue(catalogue=wanted[:40])
    assert _facets() == _expected(wanted[:40])
    seed_pose_catalogue(catalogue=wanted)  # only the poses that are new are counted in
    assert _facets() == _expected(wanted)
    seed_pose_catalogue(catalogue=wanted)
    assert _facets() == _expected(wanted)

    # A table seeded before the counters existed: the next seed counts it in full.
    aws_client("dynamodb").delete_item(TableName=get_settings().poses_table,
                                       Key={"pose_id": {"S": poses.FACETS_ID}})
    assert not poses.facets_counted() and _facets() == ({}, {})
    assert seed_pose_catalogue(catalogue=wanted).records_written == 0
    assert _facets() == _expected(wanted)


def test_a_recount_overtaken_by_a_write_counts_again(api, monkeypatch) -> None:
    wanted = catalogue_slice()[:10]
    seed_pose_catalogue(catalogue=wanted[:9])
    real_counts, calls = poses._facet_counts, []

    def counts_while_a_pose_is_added(facets):
        calls.append(1)
        if len(calls) == 1:  # a pose lands between the recount's read of the version and its put
            seed_pose_catalogue(catalogue=wanted)
        return real_counts(facets)

    monkeypatch.setattr(poses, "_facet_counts", counts_while_a_pose_is_added)
    poses.recount_facets()
    monkeypatch.undo()
    assert len(calls) > 2  # the recount, the seed's own count, the recount once more
    assert _facets() == _expected(wanted)
