"""GET /poses/featured: the pose gallery's first page, in one request.

The catalogue lists in pose id order: its first page would be two dozen camera angles of
one pose. The featured page shows the variety instead: a few front views of every
category, one of each base pose (its name before the colon, "Waving, hand up"), the
unmirrored one where there is one, taken in turns across the categories; then the other
views and framings. The web client asked for this page one request per category; the
server now makes those reads itself (a query each, on the category index).
"""
from __future__ import annotations

import math

from portrait.services.poses.listing import PoseView, list_poses, pose_facets

# A category's front views come in runs of up to six per base pose (three framings,
# mirrored or not): reading 6 * (n - 1) + 1 of them reaches its n-th base pose.
FRONT_VIEWS_PER_BASE = 6
FRONT_VIEW = "front-view"


def featured_poses(limit: int) -> list[PoseView]:
    facets = pose_facets()
    categories = [facet.name for facet in facets.categories if facet.count][:limit]
    if not categories:
        return []
    front_views = any(facet.name == FRONT_VIEW and facet.count for facet in facets.tags)
    rounds = math.ceil(limit / len(categories))
    per_category = min(100, FRONT_VIEWS_PER_BASE * (rounds - 1) + 1)
    lists = [list_poses(category=name, tag=FRONT_VIEW if front_views else None,
                        limit=per_category).items for name in categories]
    split = [distinct_first(poses) for poses in lists]
    return interleave([firsts for firsts, _ in split] + [rest for _, rest in split],
                      limit, len(split))


def distinct_first(poses: list[PoseView]) -> tuple[list[PoseView], list[PoseView]]:
    """One pose of each base pose (the unmirrored one where there is one), and the rest."""
    firsts: dict[str, PoseView] = {}
    rest: list[PoseView] = []
    for pose in poses:
        base = pose.name.split(":")[0]
        held = firsts.get(base)
        if held is None:
            firsts[base] = pose
        elif "mirrored" in held.tags and "mirrored" not in pose.tags:
            firsts[base] = pose
            rest.append(held)
        else:
            rest.append(pose)
    return list(firsts.values()), rest


def interleave(lists: list[list[PoseView]], count: int, size: int) -> list[PoseView]:
    """Up to `count` items: one from each list of a group in turn, a group of `size`
    lists at a time (the distinct base poses of every category, then the rest)."""
    taken: list[PoseView] = []
    for start in range(0, len(lists), size):
        group = lists[start:start + size]
        depth = max((len(items) for items in group), default=0)
        for i in range(depth):
            for items in group:
                if i < len(items) and len(taken) < count:
                    taken.append(items[i])
    return taken
