"""Portfolio images from the form to ready (or rejected), through the real bucket
notifications and ThumbnailFunction, and their removal."""
from __future__ import annotations

import io
import json

from PIL import Image

from portrait.config import get_settings
from portrait.store.portfolio import media as media_store
from tests.conftest import load_function_module
from tests.integration.api.http_events import LambdaContext
from tests.integration.portfolio.conftest import jpeg, png_with_alpha


def _image(portfolio, url_or_key: str) -> Image.Image:
    return Image.open(io.BytesIO(portfolio.object(url_or_key)))


def test_three_uploads_two_ready_one_rejected_and_the_first_ready_is_the_cover(portfolio) -> None:
    ada = portfolio.member()
    project_id = portfolio.project(ada)["project_id"]
    photo = portfolio.upload(ada, jpeg(800, 600, orientation=6, gps=True), project_id=project_id)
    assert portfolio.thumbnail()["batchItemFailures"] == []
    alpha = portfolio.upload(ada, png_with_alpha(), project_id=project_id,
                             content_type="image/png", filename="C:\\fakepath\\logo.png")
    broken = portfolio.upload(ada, jpeg()[:500], project_id=project_id, filename="broken.jpg")
    assert portfolio.thumbnail()["batchItemFailures"] == []

    ready = portfolio.get(f"/media/{photo['media_id']}", token=ada["token"]).json()
    assert ready["status"] == "ready" and ready["mime_type"] == "image/webp"
    assert (ready["width"], ready["height"]) == (600, 800)  # orientation 6 applied: upright
    assert ready["original_filename"] == "photo.jpg"
    record = media_store.get_media(photo["media_id"])
    display, thumb = (_image(portfolio, record.display["key"]),
                      _image(portfolio, record.thumbnail["key"]))
    assert display.format == "WEBP" and display.size == (600, 800)
    assert thumb.format == "JPEG" and thumb.size == (300, 300)
    for image in (display, thumb):  # no EXIF (GPS, orientation), no XMP, no ICC profile
        assert not image.getexif() and "xmp" not in image.info and "icc_profile" not in image.info

    png = portfolio.get(f"/media/{alpha['media_id']}", token=ada["token"]).json()
    assert png["status"] == "ready" and png["original_filename"] == "logo.png"
    rejected = portfolio.get(f"/media/{broken['media_id']}", token=ada["token"]).json()
    assert (rejected["status"], rejected["reject_reason"]) == ("rejected", "corrupt")
    assert rejected["file_url"] is None

    assert portfolio.keys("tmp/media/") == []
    project = portfolio.get(f"/projects/{project_id}").json()
    assert project["thumbnail_media_id"] == photo["media_id"]
    listed = portfolio.get(f"/projects/{project_id}/media").json()["items"]
    assert {m["media_id"] for m in listed} == {photo["media_id"], alpha["media_id"]}


def test_the_same_notification_twice_changes_nothing(portfolio) -> None:
    ada = portfolio.member()
    portfolio.upload(ada, jpeg())
    records = portfolio.notifications()
    assert portfolio.thumbnail(records)["batchItemFailures"] == []
    first = _without_urls(portfolio.get("/me/media", token=ada["token"]).json()["items"])
    assert portfolio.thumbnail(records)["batchItemFailures"] == []
    again = _without_urls(portfolio.get("/me/media", token=ada["token"]).json()["items"])
    assert "X-Amz-" not in json.dumps(first)  # no signed URL left to differ by the second
    assert again == first and [m["status"] for m in first] == ["ready"]


def _without_urls(value):
    """`value` without its presigned URLs, at any depth (an item's `*_url` fields, its
    `srcset` and each of its `sizes`' `url`): they carry the second they were signed, so
    two reads a second apart differ there. The records are what must not change."""
    if isinstance(value, list):
        return [_without_urls(v) for v in value]
    if isinstance(value, dict):
        return {k: _without_urls(v) for k, v in value.items()
                if k not in ("url", "srcset") and not k.endswith("_url")}
    return value


def test_others_cannot_attach_media_to_a_project_nor_see_unattached_images(portfolio) -> None:
    ada, eve = portfolio.member(), portfolio.member()
    project_id = portfolio.project(ada)["project_id"]
    refused = portfolio.post("/media/uploads", {"content_type": "image/jpeg",
                                                "project_id": project_id}, token=eve["token"])
    assert refused.status == 403 and refused.json()["error"]["code"] == "not_owner"
    loose = portfolio.upload(ada, jpeg())
    attached = portfolio.upload(ada, jpeg(), project_id=project_id)
    portfolio.thumbnail()
    assert portfolio.get(f"/media/{loose['media_id']}", token=eve["token"]).status == 404
    assert portfolio.get(f"/media/{loose['media_id']}").status == 404
    assert portfolio.get(f"/media/{attached['media_id']}").status == 200
    assert portfolio.delete(f"/media/{attached['media_id']}", token=eve["token"]).status == 404


def test_unsupported_types_are_refused_before_any_form(portfolio) -> None:
    ada = portfolio.member()
    reply = portfolio.post("/media/uploads", {"content_type": "image/svg+xml"}, token=ada["token"])
    assert reply.status == 422
    assert reply.json()["error"]["code"] == "unsupported_content_type"


def test_uploads_are_rate_limited(portfolio, monkeypatch) -> None:
    monkeypatch.setenv("MEDIA_UPLOADS_PER_MINUTE", "2")
    get_settings.cache_clear()
    ada = portfolio.member()
    for _ in range(2):
        assert portfolio.post("/media/uploads", {"content_type": "image/png"},
                              token=ada["token"]).status == 201
    refused = portfolio.post("/media/uploads", {"content_type": "image/png"}, token=ada["token"])
    assert refused.status == 429 and int(refused.headers["retry-after"]) >= 1


def test_choosing_a_cover_and_deleting_it(portfolio) -> None:
    ada = portfolio.member()
    project_id = portfolio.project(ada)["project_id"]
    first = portfolio.upload(ada, jpeg(), project_id=project_id)
    second = portfolio.upload(ada, png_with_alpha(), project_id=project_id,
                              content_type="image/png")
    portfolio.thumbnail()
    chosen = portfolio.put(f"/projects/{project_id}/thumbnail", {"media_id": second["media_id"]},
                           token=ada["token"])
    assert chosen.status == 200 and chosen.json()["thumbnail_media_id"] == second["media_id"]
    record = media_store.get_media(second["media_id"])
    deleted = portfolio.delete(f"/media/{second['media_id']}", token=ada["token"])
    assert deleted.json() == {"media_id": second["media_id"], "status": "deleted"}
    assert portfolio.get(f"/projects/{project_id}").json()["thumbnail_url"] is None
    assert not set(record.keys) & set(portfolio.keys("media/"))
    assert media_store.get_media(second["media_id"]) is None
    other = portfolio.put(f"/projects/{project_id}/thumbnail", {"media_id": second["media_id"]},
                          token=ada["token"])
    assert other.status == 400 and other.json()["error"]["code"] == "media_not_in_project"
    assert media_store.get_media(first["media_id"]).status == "ready"


def _project_deleted_message(project_id: str) -> dict:
    event = {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
             "detail-type": "project.deleted", "source": "portrait", "account": "123456789012",
             "time": "2026-12-02T12:00:00Z", "region": "us-east-1", "resources": [],
             "detail": {"project_id": project_id, "user_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
                        "version": 3, "updated_at": "2026-12-02T12:00:00.000Z"}}
    return {"messageId": "m1", "receiptHandle": "r1", "body": json.dumps(event),
            "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
            "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:cleanup",
            "awsRegion": "us-east-1"}


def test_deleting_a_project_removes_its_media_even_when_the_event_comes_twice(portfolio) -> None:
    ada = portfolio.member()
    project_id = portfolio.project(ada)["project_id"]
    for _ in range(2):
        portfolio.upload(ada, jpeg(), project_id=project_id)
    portfolio.upload(ada, jpeg(), project_id=None)  # not the project's: stays
    portfolio.thumbnail()
    # Each 640 x 480 photo: its original, one display copy (its own size) and a thumbnail.
    assert len(portfolio.keys("media/")) == 9
    assert portfolio.delete(f"/projects/{project_id}", token=ada["token"]).status == 200
    cleanup = load_function_module(portfolio.template, "ProjectCleanupFunction").lambda_handler
    for _ in range(2):  # at least once: the second delivery finds nothing left
        reply = cleanup({"Records": [_project_deleted_message(project_id)]},
                        LambdaContext(function_name="portrait-local-ProjectCleanupFunction"))
        assert reply["batchItemFailures"] == []
    left = portfolio.get("/me/media", token=ada["token"]).json()["items"]
    assert [m["project_id"] for m in left] == [None]
    assert portfolio.keys("media/") == sorted(media_store.get_media(left[0]["media_id"]).keys)


def test_an_upload_for_a_project_deleted_meanwhile_leaves_nothing(portfolio) -> None:
    ada = portfolio.member()
    project_id = portfolio.project(ada)["project_id"]
    form = portfolio.upload(ada, jpeg(), project_id=project_id)
    assert portfolio.delete(f"/projects/{project_id}", token=ada["token"]).status == 200
    portfolio.thumbnail()
    assert media_store.get_media(form["media_id"]) is None
    assert portfolio.keys() == []
