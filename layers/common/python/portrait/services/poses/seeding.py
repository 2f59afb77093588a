"""Loading the generated catalogue into the store: `portrait seed poses`, and the local
stack at start-up.

Skeletons are written before records, so a record always has its image even
if a seed is cut short; a second run then writes only what is missing (one
listing of poses/ and one keys-only scan tell what is there), so seeding is
idempotent and a restart costs next to nothing. only_missing=False rewrites
everything, for when the generator changed poses that keep their ids.

The facet counts (GET /poses/facets) move in the same transactions as the
records: new poses are counted in, and a rewritten pose's old category and
tags are counted out as its new ones are counted in, so seeding twice, or
refreshing, never counts a pose twice. A table seeded before the counters
existed is counted once, in full, after the writes.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import islice
from typing import Callable, Sequence

from portrait import clock
from portrait.imaging.skeleton import render_skeleton_png
from portrait.observability import logger
from portrait.poses.catalogue import CataloguePose, generate_catalogue
from portrait.services.poses.listing import SKELETON_CACHE_CONTROL
from portrait.store import keys, objects, poses
from portrait.store.poses import CATALOGUE, Pose

# Drawing holds the GIL (~1.5 ms a skeleton); the threads are for overlapping it with
# the S3 round trips, which dominate. boto3's pool has 10 connections.
_WRITERS = 6
# Records go in transactions of up to 99 (store.poses); progress is reported per chunk.
_RECORDS_PER_CHUNK = 99
# (stage, done, total): stage is "skeletons" or "records"
ProgressReport = Callable[[str, int, int], None]
# A pose's keypoints -> its skeleton PNG.
SkeletonDrawer = Callable[[Sequence[Sequence[float]]], bytes]
# Drawing is deterministic, so a process that seeds again (a retry, --refresh after a
# partial seed, the tests) draws each pose once: ~4 ms each, 928 poses.
_draw_once: SkeletonDrawer = lru_cache(maxsize=1024)(render_skeleton_png)


@dataclass(frozen=True)
class SeedReport:
    catalogue: int  # poses the generator produced
    records_written: int
    skeletons_written: int
    seconds: float


def seed_pose_catalogue(*, only_missing: bool = True,
                        catalogue: Sequence[CataloguePose] | None = None,
                        progress: ProgressReport | None = None,
                        draw: SkeletonDrawer = _draw_once) -> SeedReport:
    """Write the catalogue's skeletons and records (`catalogue`: a subset, for tests);
    `progress` hears how far each stage got, counting what was already there. `draw`
    makes a skeleton's PNG (the local stack passes one that keeps them on disk)."""
    progress = progress or (lambda stage, done, total: None)
    started = time.monotonic()
    catalogue = generate_catalogue() if catalogue is None else catalogue
    have_images: set[str] = set()
    have_records: set[str] = set()
    replacing: dict[str, tuple[str, tuple[str, ...]]] = {}
    counted = poses.facets_counted()
    if only_missing:
        have_images = poses.existing_skeleton_keys()
        have_records = poses.existing_pose_ids()
    else:
        replacing = poses.pose_facets_by_id()
    created_at = clock.now_iso()
    records = [Pose(pose_id=p.pose_id, name=p.name, category=p.category, tags=p.tags,
                    keypoints=p.keypoints, skeleton_key=keys.pose_skeleton_key(p.pose_id),
                    source=CATALOGUE, created_at=created_at) for p in catalogue]
    images = [r for r in records if r.skeleton_key not in have_images]
    with ThreadPoolExecutor(max_workers=_WRITERS, thread_name_prefix="skeleton") as pool:
        for done, _ in enumerate(pool.map(partial(_write_skeleton, draw), images), start=1):
            # map re-raises the first failure here
            progress("skeletons", len(records) - len(images) + done, len(records))
    missing = [r for r in records if r.pose_id not in have_records]
    already, written = len(records) - len(missing), 0
    chunks = iter(missing)
    while chunk := list(islice(chunks, _RECORDS_PER_CHUNK)):
        written += poses.put_poses(chunk, replacing=replacing)
        progress("records", already + written, len(records))
    if not counted and (have_records or replacing):
        poses.recount_facets()
    report = SeedReport(catalogue=len(catalogue), records_written=written,
                        skeletons_written=len(images), seconds=round(time.monotonic() - started, 2))
    logger.info("pose catalogue seeded", extra={"report": report.__dict__})
    return report


def _write_skeleton(draw: SkeletonDrawer, pose: Pose) -> None:
    objects.put_object(pose.skeleton_key, draw(pose.keypoints),
                       content_type="image/png", cache_control=SKELETON_CACHE_CONTROL)
