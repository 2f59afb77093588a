"""/poses and /admin/poses over API Gateway events: filters, cursor pages, previews, admin adds."""
from __future__ import annotations

from collections import Counter
from urllib.parse import quote

import pytest
from portrait.errors import NotFound
from portrait.imaging.skeleton import render_skeleton_png
from portrait.services.poses import listing as pose_service
from portrait.store import poses
from portrait.store.aws import client as aws_client

from tests.integration.api.avatar_support import member  # noqa: F401 (fixture)
from tests.integration.api.pose_support import SEEDED_CATEGORIES, seeded  # noqa: F401 (fixture)

NEW_POSE = {
    "name": "Hero stance", "category": "standing", "tags": ["full-body", "confident", "confident"],
    "keypoints": [
        [0.5, 0.16, 2], [0.5, 0.25, 2], [0.42, 0.26, 2], [0.36, 0.38, 2], [0.42, 0.5, 2],
        [0.58, 0.26, 2], [0.64, 0.38, 2], [0.58, 0.5, 2], [0.45, 0.55, 2], [0.40, 0.74, 2],
        [0.38, 0.92, 2], [0.55, 0.55, 2], [0.60, 0.74, 2], [0.62, 0.92, 2], [0.48, 0.14, 2],
        [0.52, 0.14, 2], [0.46, 0.15, 1], [0.54, 0.15, 0]],
}


def _all_pages(api, query: str, limit: int) -> list[list[dict]]:
    pages, cursor = [], None
    while True:
        suffix = f"&cursor={quote(cursor)}" if cursor else ""
        reply = api.get(f"/poses?limit={limit}{query}{suffix}")
        assert reply.status == 200, reply.body
        pages.append(reply.json()["items"])
        cursor = reply.json()["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100, "the cursor does not advance"


@pytest.mark.parametrize("query, wanted", [
    ("&category=waving", lambda p: p.category == "waving"),
    ("&tag=mirrored", lambda p: "mirrored" in p.tags),
    ("&tag=power", lambda p: "power" in p.tags),  # rare: most items read are filtered out
    ("&category=hands_on_hips&tag=half-body", lambda p: p.category == "hands_on_hips"
     and "half-body" in p.tags),
    ("", lambda p: True),
])
def test_filtered_pages_hold_every_match_once(api, seeded, query, wanted) -> None:
    pages = _all_pages(api, query, limit=7)
    ids = [item["pose_id"] for page in pages for item in page]
    assert len(ids) == len(set(ids))  # no duplicates across pages
    assert set(ids) == {p.pose_id for p in seeded if wanted(p)}  # and no gaps
    assert all(len(page) == 7 for page in pages[:-1])  # only the last page is short
    if "category=" in query:
        assert ids == sorted(ids)  # one category reads in pose id order


def test_list_items_carry_keypoints_and_a_preview(api, seeded) -> None:
    item = api.get("/poses?category=waving&limit=1").json()["items"][0]
    assert set(item) == {"pose_id", "name", "category", "tags", "keypoints", "source",
                         "created_at", "preview_url"}
    assert len(item["keypoints"]) == 18 and item["source"] == "catalogue"
    assert f"poses/{item['pose_id']}.png" in item["preview_url"]


def test_unknown_category_or_tag_is_an_empty_page(api, seeded) -> None:
    assert api.get("/poses?category=yoga").json() == {"items": [], "next_cursor": None}
    assert api.get("/poses?tag=underwater").json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("query, status, code", [
    ("?cursor=not-a-cursor", 400, "invalid_cursor"),
    ("?limit=0", 422, "invalid_request"),
    ("?limit=101", 422, "invalid_request"),
    ("?category=Waving!", 422, "invalid_request"),
])
def test_bad_listing_parameters(api, query, status, code) -> None:
    reply = api.get(f"/poses{query}")
    assert (reply.status, reply.error_code) == (status, code)


def test_one_pose_with_its_preview_url(api, seeded, monkeypatch) -> None:
    pose = seeded[3]
    reply = api.get(f"/poses/{pose.pose_id}")
    assert reply.status == 200, reply.body
    body = reply.json()
    assert (body["pose_id"], body["name"]) == (pose.pose_id, pose.name)
    assert (body["category"], body["tags"]) == (pose.category, list(pose.tags))
    assert body["keypoints"] == [list(p) for p in pose.keypoints]
    assert "X-Amz-Signature=" in body["preview_url"]  # a presigned GET without a CDN

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://cdn.example.com/")
    from portrait.config import get_settings
    get_settings.cache_clear()
    assert api.get(f"/poses/{pose.pose_id}").json()["preview_url"] == (
        f"https://cdn.example.com/poses/{pose.pose_id}.png")


def test_unknown_pose_is_404_and_a_malformed_id_422(api) -> None:
    missing = api.get("/poses/standing-relaxed-nowhere")
    assert (missing.status, missing.error_code) == (404, "pose_not_found")
    assert api.get("/poses/NOT_A_POSE").status == 422


def test_admin_adds_a_pose_and_its_skeleton_is_drawn(api, admin) -> None:
    reply = api.post("/admin/poses", NEW_POSE, token=admin["token"])
    assert reply.status == 201, reply.body
    pose = reply.json()
    assert pose["pose_id"].startswith("custom-") and pose["source"] == "admin"
    assert (pose["name"], pose["category"]) == ("Hero stance", "standing")
    assert pose["tags"] == ["confident", "full-body"]  # sorted, deduplicated
    assert pose["keypoints"][17] == [0.0, 0.0, 0] and pose["keypoints"][16] == [0.46, 0.15, 1]

    stored = poses.get_pose(pose["pose_id"])
    assert stored.source == "admin" and stored.skeleton_key == f"poses/{pose['pose_id']}.png"
    from portrait.config import get_settings
    image = aws_client("s3").get_object(Bucket=get_settings().media_bucket, Key=stored.skeleton_key)
    assert image["Body"].read() == render_skeleton_png(stored.keypoints)
    fetched = api.get(f"/poses/{pose['pose_id']}").json()
    assert {**fetched, "preview_url": None} == {**pose, "preview_url": None}  # URLs are signed anew
    listed = api.get("/poses?category=standing&tag=confident").json()["items"]
    assert [p["pose_id"] for p in listed] == [pose["pose_id"]]


def test_only_admins_add_poses(api, member) -> None:
    anonymous = api.post("/admin/poses", NEW_POSE)
    assert (anonymous.status, anonymous.error_code) == (401, "missing_token")
    user = api.post("/admin/poses", NEW_POSE, token=member["token"])
    assert (user.status, user.error_code) == (403, "admin_required")
    assert api.get("/poses?category=standing").json()["items"] == []


def test_bad_keypoints_are_refused_naming_the_point(api, admin) -> None:
    body = {**NEW_POSE, "keypoints": [list(p) for p in NEW_POSE["keypoints"]]}
    body["keypoints"][4] = [1.4, 0.5, 2]  # r_wrist out of frame
    body["keypoints"][13] = [0.95, 0.2, 2]  # l_ankle up by the shoulder: a 2x-torso shin
    reply = api.post("/admin/poses", body, token=admin["token"])
    assert (reply.status, reply.error_code) == (400, "invalid_keypoints")
    error = reply.json()["error"]
    assert "r_wrist" in error["message"]
    assert [(p["keypoint"], p["name"]) for p in error["problems"]] == [(4, "r_wrist")]

    body["keypoints"][4] = NEW_POSE["keypoints"][4]
    reply = api.post("/admin/poses", body, token=admin["token"])
    assert reply.error_code == "invalid_keypoints"
    assert [p["name"] for p in reply.json()["error"]["problems"]] == ["l_ankle"]

    short = api.post("/admin/poses", {**NEW_POSE, "keypoints": NEW_POSE["keypoints"][:17]},
                     token=admin["token"])
    assert (short.status, short.error_code) == (422, "invalid_request")
    assert short.json()["error"]["details"][0]["field"] == "body.keypoints"
    bad_v = api.post("/admin/poses", {**NEW_POSE, "keypoints": [[0.5, 0.5, 7]] * 18},
                     token=admin["token"])
    assert bad_v.status == 422 and bad_v.json()["error"]["details"][0]["field"].startswith(
        "body.keypoints.0")
    assert api.get("/poses?category=standing").json()["items"] == []


def _facets_of(poses_seeded) -> dict:
    categories = Counter(p.category for p in poses_seeded)
    tags = Counter(t for p in poses_seeded for t in p.tags)
    return {"categories": [{"name": n, "count": c} for n, c in sorted(categories.items())],
            "tags": [{"name": n, "count": c} for n, c in sorted(tags.items())]}


def test_facets_are_empty_before_any_pose(api) -> None:
    reply = api.get("/poses/facets")  # public, and not taken for a pose id
    assert reply.status == 200, reply.body
    assert reply.json() == {"categories": [], "tags": []}


def test_facets_count_the_seeded_catalogue_once(api, seeded) -> None:
    from portrait.services.poses.seeding import seed_pose_catalogue

    expected = _facets_of(seeded)
    assert [c["name"] for c in expected["categories"]] == sorted(SEEDED_CATEGORIES)
    assert api.get("/poses/facets").json() == expected
    assert seed_pose_catalogue(catalogue=seeded).records_written == 0
    assert api.get("/poses/facets").json() == expected  # seeding again counts nothing
    assert seed_pose_catalogue(catalogue=seeded, only_missing=False).records_written == len(seeded)
    assert api.get("/poses/facets").json() == expected  # nor does rewriting every pose


def test_an_admin_pose_is_counted_in_its_category_and_tags(api, admin, seeded) -> None:
    before = api.get("/poses/facets").json()
    assert api.post("/admin/poses", NEW_POSE, token=admin["token"]).status == 201
    after = api.get("/poses/facets").json()
    counts = lambda facets, kind: {f["name"]: f["count"] for f in facets[kind]}  # noqa: E731
    assert counts(after, "categories") == {**counts(before, "categories"), "standing": 1}
    tags_before = counts(before, "tags")
    assert counts(after, "tags") == {  # "confident" is sent twice, counted once
        **tags_before, "confident": tags_before.get("confident", 0) + 1,
        "full-body": tags_before["full-body"] + 1}
    assert [c["name"] for c in after["categories"]] == sorted(counts(after, "categories"))


def test_the_facets_item_is_no_pose(api, seeded) -> None:
    ids = [item["pose_id"] for page in _all_pages(api, "", limit=50) for item in page]
    assert poses.FACETS_ID not in ids and len(ids) == len(seeded)
    for query in ("&tag=mirrored", "&category=waving"):
        assert poses.FACETS_ID not in [item["pose_id"] for page in _all_pages(api, query, 50)
                                       for item in page]
    assert poses.get_pose(poses.FACETS_ID) is None
    with pytest.raises(NotFound):  # what GET /poses/_facets would be, if the route let it by
        pose_service.get_pose(poses.FACETS_ID)
    # It is not a valid pose id, though: the route refuses it before any read.
    assert api.get(f"/poses/{poses.FACETS_ID}").status == 422


def test_styles_are_listed_with_a_sample_each_that_seeding_puts_in_the_bucket(api) -> None:
    from portrait.config import get_settings
    from portrait.services.poses.styles import seed_style_samples

    reply = api.get("/styles")
    assert reply.status == 200, reply.body
    items = reply.json()["items"]
    assert [i["name"] for i in items] == ["realistic", "illustration", "anime"]
    assert all(i["title"] and i["description"] for i in items)
    keys = [i["sample_url"].split("?")[0].split("/", 3)[-1] for i in items]
    assert all(k.startswith("poses/styles/") and k.endswith(".jpg") for k in keys), keys

    bucket = get_settings().media_bucket
    assert seed_style_samples() == 3 and seed_style_samples() == 0  # only what is missing
    for item in items:
        stored = [o["Key"] for o in aws_client("s3").list_objects_v2(
            Bucket=bucket, Prefix=f"poses/styles/{item['name']}-")["Contents"]]
        assert len(stored) == 1 and stored[0] in item["sample_url"]
        body = aws_client("s3").get_object(Bucket=bucket, Key=stored[0])
        assert body["ContentType"] == "image/jpeg" and "immutable" in body["CacheControl"]


def test_the_featured_page_takes_base_poses_in_turns_across_categories(api, seeded) -> None:
    reply = api.get("/poses/featured?limit=8")
    assert reply.status == 200, reply.body
    items = reply.json()["items"]
    assert len(items) == 8
    # The categories in turns, one base pose each, front views, never a mirrored copy first.
    assert [p["category"] for p in items[:4]] == ["hands_on_hips", "waving"] * 2
    bases = [p["name"].split(":")[0] for p in items]
    assert len(set(bases)) == len(bases), bases
    assert all("front-view" in p["tags"] and "mirrored" not in p["tags"] for p in items)
    assert items[0]["preview_url"] and len(items[0]["keypoints"]) == 18


def test_the_featured_page_is_empty_before_any_pose_and_refuses_bad_limits(api) -> None:
    assert api.get("/poses/featured").json() == {"items": []}
    assert api.get("/poses/featured?limit=0").status == 422
    assert api.get("/poses/featured?limit=49").status == 422
