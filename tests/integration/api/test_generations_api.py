"""/generations and the credit routes over API Gateway events: charging, 402 and 404,
ownership, admin grants, history pages."""
from __future__ import annotations

import pytest

from portrait.services.accounts.registration import create_user
from portrait.services.generations import sharing
from portrait.store import generations as generation_store
from portrait.store import poses
from portrait.store.poses import Pose
from tests.integration.api.avatar_support import member, other_member  # noqa: F401 - fixtures

POSE_ID = "standing-relaxed-front-full"
KEYPOINTS = tuple((0.5, 0.1 + i * 0.04, 2) for i in range(18))


@pytest.fixture
def pose(api) -> str:
    poses.create_pose(Pose(pose_id=POSE_ID, name="Standing", category="standing", tags=("casual",),
                           keypoints=KEYPOINTS, skeleton_key=f"poses/{POSE_ID}.png",
                           source="catalogue", created_at="2026-01-01T00:00:00Z"))
    return POSE_ID


@pytest.fixture
def many_starts(api, monkeypatch) -> None:
    """Room for more starts in a minute than the default limit (10)."""
    from portrait.config import get_settings

    monkeypatch.setenv("GENERATION_STARTS_PER_MINUTE", "50")
    get_settings.cache_clear()


@pytest.fixture
def admin(api) -> dict:
    user = create_user(username="credits_admin", email="credits-admin@example.com",
                       password="a long admin passphrase", name="Root", role="admin")
    return {"user_id": user.user_id,
            "token": api.login("credits_admin", "a long admin passphrase")["access_token"]}


def _start(api, token: str, pose_id: str = POSE_ID, **body):
    return api.post("/generations", {"pose_id": pose_id, "content_type": "image/jpeg", **body},
                    token=token)


def _credits(api, token: str) -> int:
    reply = api.get("/me/credits", token=token)
    assert reply.status == 200, reply.body
    return reply.json()["balance"]


def test_a_new_member_has_the_initial_grant_and_sees_the_prices(api, member):
    reply = api.get("/me/credits", token=member["token"])
    assert reply.json() == {"user_id": member["user_id"], "balance": 100,
                            "prices": {"base": 5, "hd": 2, "priority": 3}}
    assert api.get("/me", token=member["token"]).json()["credits"] == 100


def test_starting_charges_and_returns_the_photo_form(api, member, pose):
    reply = _start(api, member["token"], quality="hd", priority=True)
    assert reply.status == 201, reply.body
    started = reply.json()
    generation = {k: v for k, v in started.items() if k != "upload"}
    assert (generation["status"], generation["credits_charged"], generation["quality"]) == (
        "pending", 10, "hd")
    assert generation["output_format"] == "png"
    # One generation shape: what POST answers (beside its form) is what GET answers.
    polled = api.get(f"/generations/{generation['generation_id']}", token=member["token"]).json()
    assert polled == generation
    key = f"tmp/generations/{member['user_id']}/{generation['generation_id']}/source"
    assert started["upload"]["fields"]["key"] == key
    assert started["upload"]["max_bytes"] == 5 * 1024 * 1024
    assert _credits(api, member["token"]) == 90


def test_too_few_credits_answers_402_with_the_balance_unchanged(api, member, pose, many_starts):
    for _ in range(9):  # 9 x 10, leaving 10
        assert _start(api, member["token"], quality="hd", priority=True).status == 201
    assert _start(api, member["token"], quality="hd").status == 201  # 7, leaving 3
    reply = _start(api, member["token"])
    assert reply.status == 402
    assert reply.json()["error"] == {"code": "insufficient_credits", "balance": 3, "cost": 5,
                                     "message": "this generation costs 5 credits; you have 3"}
    assert _credits(api, member["token"]) == 3
    history = api.get("/generations?limit=100", token=member["token"]).json()
    assert history["total"] == len(history["items"]) == 10


def test_an_unknown_pose_answers_404_and_costs_nothing(api, member, pose):
    reply = _start(api, member["token"], pose_id="no-such-pose")
    assert (reply.status, reply.error_code) == (404, "pose_not_found")
    assert _credits(api, member["token"]) == 100


def test_a_bad_content_type_answers_422_naming_the_field(api, member, pose):
    reply = _start(api, member["token"], content_type="image/svg+xml")
    assert (reply.status, reply.error_code) == (422, "unsupported_content_type")
    assert reply.json()["error"]["details"][0]["field"] == "body.content_type"


def test_someone_elses_generation_answers_404_on_every_route(api, member, other_member, pose):
    theirs = _start(api, other_member["token"]).json()["generation_id"]
    for method in (api.get, api.delete):
        reply = method(f"/generations/{theirs}", token=member["token"])
        assert (reply.status, reply.error_code) == (404, "generation_not_found"), method
    assert api.get(f"/generations/{theirs}", token=other_member["token"]).status == 200
    assert api.get("/generations", token=member["token"]).json()["items"] == []


def test_delete_waits_for_a_settled_generation_then_removes_it(api, member, pose):
    generation_id = _start(api, member["token"]).json()["generation_id"]
    assert api.delete(f"/generations/{generation_id}", token=member["token"]).status == 409
    generation = generation_store.get_generation(member["user_id"], generation_id)
    generation_store.refund(generation, status="failed", reason="model_error", message="x",
                            now_iso="2027-01-01T00:00:00Z")
    reply = api.delete(f"/generations/{generation_id}", token=member["token"])
    assert reply.status == 200, reply.body
    assert api.get(f"/generations/{generation_id}", token=member["token"]).status == 404
    stats = api.get("/generations/stats", token=member["token"]).json()
    assert stats == {"total": 1, "completed": 0, "failed": 1, "average_processing_seconds": 0.0,
                     "credits_used": 0}


def test_a_completed_generations_photo_and_output_are_presigned_even_with_a_cdn(
        api, member, pose, monkeypatch):
    """The CDN may read only public immutable objects: a generation's input and output are
    private, so their URLs are presigned GETs whatever PUBLIC_BASE_URL says."""
    from portrait.config import get_settings

    generation_id = _start(api, member["token"]).json()["generation_id"]
    user_id = member["user_id"]
    assert generation_store.claim(user_id, generation_id, etag="e", now_iso="2027-01-01T00:00:00Z")
    assert generation_store.submit_render(
        user_id, generation_id, etag="e", source_key=f"generations/{user_id}/{generation_id}/input.jpg",
        render_id=generation_id, deadline=1798761600, now_iso="2027-01-01T00:00:00Z")
    assert generation_store.complete(
        user_id, generation_id, output_key=f"generations/{user_id}/{generation_id}/output.png",
        output={"width": 512}, processing_ms=900, now_iso="2027-01-01T00:00:01Z")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://cdn.example.com")
    get_settings.cache_clear()

    reply = api.get(f"/generations/{generation_id}", token=member["token"])
    assert reply.status == 200, reply.body
    body = reply.json()
    for name, file in (("output_url", "output.png"), ("input_url", "input.jpg")):
        url = body[name]
        assert "cdn.example.com" not in url and "X-Amz-Signature=" in url, name
        assert f"/generations/{user_id}/{generation_id}/{file}?" in url, name


def test_history_pages_newest_first_with_the_total(api, member, pose, many_starts):
    made = [_start(api, member["token"]).json()["generation_id"] for _ in range(5)]
    first = api.get("/generations?limit=2", token=member["token"]).json()
    assert [g["generation_id"] for g in first["items"]] == made[::-1][:2]
    assert set(first) == {"items", "next_cursor", "total"}  # the one list shape, and the total
    assert first["total"] == 5 and first["next_cursor"]
    seen = [g["generation_id"] for g in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.get(f"/generations?limit=2&cursor={cursor}", token=member["token"]).json()
        seen += [g["generation_id"] for g in page["items"]]
        cursor = page["next_cursor"]
    assert seen == made[::-1]
    bad = api.get("/generations?cursor=bm90LW91cnM", token=member["token"])
    assert (bad.status, bad.error_code) == (400, "invalid_cursor")


def test_admins_grant_credits_and_members_cannot(api, member, admin, structured_logs):
    path = f"/admin/users/{member['user_id']}/credits"
    body = {"amount": 25, "reason": "make-good for a failed render"}
    denied = api.post(path, body, token=member["token"])
    assert (denied.status, denied.error_code) == (403, "admin_required")
    assert _credits(api, member["token"]) == 100

    granted = api.post(path, body, token=admin["token"])
    assert granted.status == 200, granted.body
    assert granted.json()["balance"] == 125 and granted.json()["granted_by"] == admin["user_id"]
    assert _credits(api, member["token"]) == 125
    logged = [r for r in structured_logs() if r.get("message") == "credits granted"]
    assert logged and logged[-1]["admin_user_id"] == admin["user_id"]

    for amount in (0, -5):
        assert api.post(path, {**body, "amount": amount}, token=admin["token"]).status == 422
    too_much = api.post(path, {**body, "amount": 10_001}, token=admin["token"])
    assert (too_much.status, too_much.error_code) == (400, "grant_too_large")
    nobody = api.post("/admin/users/01J00000000000000000000000/credits", body, token=admin["token"])
    assert nobody.status == 404


def _completed(api, member) -> str:
    """A generation carried to completed, its output in the bucket."""
    from portrait.config import get_settings
    from portrait.store.aws import client as aws_client

    generation_id = _start(api, member["token"]).json()["generation_id"]
    user_id, output_key = member["user_id"], f"generations/{member['user_id']}/{generation_id}/output.png"
    assert generation_store.claim(user_id, generation_id, etag="e", now_iso="2027-01-01T00:00:00Z")
    aws_client("s3").put_object(Bucket=get_settings().media_bucket, Key=output_key,
                                Body=b"\x89PNG\r\n\x1a\nportrait", ContentType="image/png")
    assert generation_store.complete(user_id, generation_id, output_key=output_key,
                                     output={"width": 512, "height": 512}, processing_ms=900,
                                     now_iso="2027-01-01T00:00:01Z")
    return generation_id


def _shared_keys() -> list[str]:
    from portrait.config import get_settings
    from portrait.store.aws import client as aws_client

    listed = aws_client("s3").list_objects_v2(Bucket=get_settings().media_bucket, Prefix="shared/")
    return [item["Key"] for item in listed.get("Contents", [])]


def test_a_portrait_is_shared_by_a_link_that_a_new_one_replaces_and_revoking_stops(
        api, member, other_member, pose):
    pending = _start(api, member["token"]).json()["generation_id"]
    refused = api.post(f"/generations/{pending}/share", {}, token=member["token"])
    assert (refused.status, refused.json()["error"]["code"]) == (409, "generation_not_completed")

    generation_id = _completed(api, member)
    made = api.post(f"/generations/{generation_id}/share", {}, token=member["token"])
    assert made.status == 201, made.body
    link = made.json()["share_url"]
    assert link.startswith("https://") and "/s?t=" in link
    token = link.rsplit("=", 1)[1]
    assert len(token) == 32 and _shared_keys() == [f"shared/{sharing.share_id_of(token)}/portrait.png"]
    assert api.get(f"/generations/{generation_id}", token=member["token"]).json()["shared_at"]
    # Someone else cannot share it (404, as for a missing one).
    assert api.post(f"/generations/{generation_id}/share", {}, token=other_member["token"]).status == 404

    page = api.get(f"/s?t={token}")  # no token: public
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert '<meta property="og:title" content="A portrait: Standing">' in page.body
    assert f"shared/{sharing.share_id_of(token)}/portrait.png" in page.body
    assert 'name="twitter:card" content="summary_large_image"' in page.body
    assert "<script" not in page.body
    # Its own policy: images may load (from the CDN or a presigned URL), nothing else.
    assert page.headers["content-security-policy"].startswith("default-src 'none'; img-src")

    renewed = api.post(f"/generations/{generation_id}/share", {}, token=member["token"]).json()
    new_token = renewed["share_url"].rsplit("=", 1)[1]
    assert api.get(f"/s?t={token}").status == 404  # the old link stops at once
    assert api.get(f"/s?t={new_token}").status == 200
    assert _shared_keys() == [f"shared/{sharing.share_id_of(new_token)}/portrait.png"]

    revoked = api.delete(f"/generations/{generation_id}/share", token=member["token"])
    assert revoked.status == 200 and revoked.json()["message"] == "link revoked"
    gone = api.get(f"/s?t={new_token}")
    assert gone.status == 404 and "revoked" in gone.body
    assert _shared_keys() == [] and api.get("/s?t=not-a-token").status == 404
    assert api.get(f"/generations/{generation_id}", token=member["token"]).json()["shared_at"] is None


def test_deleting_a_shared_portrait_removes_its_link(api, member, pose):
    generation_id = _completed(api, member)
    token = api.post(f"/generations/{generation_id}/share", {}, token=member["token"]).json()[
        "share_url"].rsplit("=", 1)[1]
    assert api.delete(f"/generations/{generation_id}", token=member["token"]).status == 200
    assert api.get(f"/s?t={token}").status == 404 and _shared_keys() == []
    assert generation_store.find_shared(sharing.share_id_of(token)) is None


def test_revoking_a_link_invalidates_its_image_on_the_media_cdn(api, member, pose, monkeypatch):
    from portrait.config import get_settings
    from portrait.store.aws import client as aws_client

    cloudfront = aws_client("cloudfront")
    distribution = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": "portrait-test", "Comment": "media", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "media", "DomainName": "media.s3.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "media", "ViewerProtocolPolicy": "https-only",
                                 "MinTTL": 0, "ForwardedValues": {"QueryString": False,
                                                                  "Cookies": {"Forward": "none"}}}},
    )["Distribution"]["Id"]
    monkeypatch.setenv("MEDIA_DISTRIBUTION_ID", distribution)
    get_settings.cache_clear()

    generation_id = _completed(api, member)
    token = api.post(f"/generations/{generation_id}/share", {}, token=member["token"]).json()[
        "share_url"].rsplit("=", 1)[1]
    assert cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"][
        "Quantity"] == 0  # a first link withdraws nothing
    assert api.delete(f"/generations/{generation_id}/share", token=member["token"]).status == 200
    [invalidation] = cloudfront.list_invalidations(DistributionId=distribution)[
        "InvalidationList"]["Items"]
    paths = cloudfront.get_invalidation(DistributionId=distribution, Id=invalidation["Id"])[
        "Invalidation"]["InvalidationBatch"]["Paths"]["Items"]
    assert paths == [f"/shared/{sharing.share_id_of(token)}/portrait.png"]
