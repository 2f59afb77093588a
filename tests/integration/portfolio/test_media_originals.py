"""Originals kept (issue 23, item 6): the upload stays, byte for byte and private, under
media/{user}/{media}/original.{ext}; the display copies are made from it on the size
ladder; its owner downloads it through GET /media/{id}/original; deleting the image or its
project removes every object."""
from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import requests
from PIL import Image

from portrait.store import keys
from portrait.store.aws import client as aws_client
from portrait.store.portfolio import media as media_store
from tests.conftest import load_function_module
from tests.integration.api.http_events import LambdaContext
from tests.integration.portfolio.conftest import jpeg, png_with_alpha
from tests.integration.portfolio.test_media_pipeline import _project_deleted_message


def _head(portfolio, key: str) -> dict:
    return aws_client("s3").head_object(Bucket=portfolio.bucket, Key=key)


def _ready(portfolio, member: dict, body: bytes, **upload) -> dict:
    form = portfolio.upload(member, body, **upload)
    assert portfolio.thumbnail()["batchItemFailures"] == []
    reply = portfolio.get(f"/media/{form['media_id']}", token=member["token"]).json()
    assert reply["status"] == "ready", reply
    return reply


def test_the_original_is_kept_as_uploaded_and_the_copies_come_in_three_sizes(portfolio) -> None:
    ada = portfolio.member()
    photo = jpeg(3000, 2000, gps=True)  # EXIF with GPS: kept in the original, nowhere else
    # The client calls it a PNG: the key's extension and the type come from the bytes.
    reply = _ready(portfolio, ada, photo, content_type="image/png", filename="Été.png")
    user_id, media_id = ada["user_id"], reply["media_id"]

    original_key = f"media/{user_id}/{media_id}/original.jpg"
    assert portfolio.object(original_key) == photo  # byte for byte, metadata and all
    head = _head(portfolio, original_key)
    assert head["StorageClass"] == "STANDARD_IA" and head["ContentType"] == "image/jpeg"
    assert "CacheControl" not in head  # not a public, cacheable object
    assert not keys.is_public_key(original_key)

    assert [(s["width"], s["height"]) for s in reply["sizes"]] == [
        (640, 427), (1280, 853), (2048, 1365)]
    assert reply["file_url"] == reply["sizes"][-1]["url"]
    assert (reply["width"], reply["height"]) == (2048, 1365)
    assert reply["srcset"] == ", ".join(f"{s['url']} {s['width']}w" for s in reply["sizes"])
    assert reply["download_url"] == f"/media/{media_id}/original"
    for side in (640, 1280, 2048):
        key = keys.media_display_key(user_id, media_id, side)
        copy = Image.open(io.BytesIO(portfolio.object(key)))
        assert copy.format == "WEBP" and max(copy.size) == side and not copy.getexif()
        assert keys.is_public_key(key)
    assert set(portfolio.keys("media/")) == {
        original_key, keys.media_thumbnail_key(user_id, media_id),
        *(keys.media_display_key(user_id, media_id, side) for side in (640, 1280, 2048))}
    assert portfolio.keys("tmp/") == []  # the upload's own key is gone: it was copied


def test_a_small_picture_gets_its_own_size_once(portfolio) -> None:
    ada = portfolio.member()
    reply = _ready(portfolio, ada, png_with_alpha(900, 600), content_type="image/png")
    assert [(s["width"], s["height"]) for s in reply["sizes"]] == [(640, 427), (900, 600)]
    assert portfolio.keys(f"media/{ada['user_id']}/{reply['media_id']}/original.png")


def test_the_same_s3_event_twice_changes_nothing(portfolio) -> None:
    ada = portfolio.member()
    form = portfolio.upload(ada, jpeg(1600, 1200))
    records = portfolio.notifications()
    assert portfolio.thumbnail(records)["batchItemFailures"] == []
    record, objects_once = media_store.get_media(form["media_id"]), _objects(portfolio)
    # Again, as SQS redelivers it; and once more with Powertools' memory of it gone (its
    # record expired), so the service's own check on the status is what holds.
    assert portfolio.thumbnail(records)["batchItemFailures"] == []
    _forget_idempotency(portfolio)
    assert portfolio.thumbnail(records)["batchItemFailures"] == []
    assert media_store.get_media(form["media_id"]) == record
    assert _objects(portfolio) == objects_once


def _objects(portfolio) -> dict[str, tuple[str, str]]:
    """Every object's key -> (ETag, LastModified): a rewrite shows in either."""
    listed = aws_client("s3").list_objects_v2(Bucket=portfolio.bucket)
    return {item["Key"]: (item["ETag"], str(item["LastModified"]))
            for item in listed.get("Contents", [])}


def _forget_idempotency(portfolio) -> None:
    table = portfolio.template.physical_name("IdempotencyTable")
    dynamodb = aws_client("dynamodb")
    for item in dynamodb.scan(TableName=table)["Items"]:
        dynamodb.delete_item(TableName=table, Key={"id": item["id"]})


def test_the_owner_downloads_the_original_others_cannot(portfolio) -> None:
    ada, eve = portfolio.member(), portfolio.member()
    project_id = portfolio.project(ada)["project_id"]
    photo = jpeg(800, 600)
    media_id = _ready(portfolio, ada, photo, project_id=project_id,
                      filename="café à Paris.jpg")["media_id"]

    reply = portfolio.get(f"/media/{media_id}/original", token=ada["token"])
    # The location is the owner's and expires in minutes: never cached anywhere.
    assert reply.status == 302 and reply.headers["cache-control"] == "no-store"
    location = reply.headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert query["response-content-disposition"] == [
        'attachment; filename="cafe a Paris.jpg"; '
        "filename*=UTF-8''caf%C3%A9%20%C3%A0%20Paris.jpg"]
    assert query["response-content-type"] == ["image/jpeg"]
    assert int(query["X-Amz-Expires"][0]) == 300  # minutes, not the hour of other links
    download = requests.get(location, timeout=10)  # what the browser then fetches
    assert download.status_code == 200 and download.content == photo
    assert download.headers["content-disposition"].startswith("attachment; ")

    link = portfolio.get(f"/media/{media_id}/original/link", token=ada["token"]).json()
    assert (link["filename"], link["content_type"], link["bytes"]) == (
        "café à Paris.jpg", "image/jpeg", len(photo))

    # The image is public (a project's), its original is not: 404 as for any id not yours.
    assert portfolio.get(f"/media/{media_id}", token=eve["token"]).status == 200
    assert portfolio.get(f"/media/{media_id}", token=eve["token"]).json()["download_url"] is None
    assert portfolio.get(f"/projects/{project_id}/media").json()["items"][0]["download_url"] is None
    for path in (f"/media/{media_id}/original", f"/media/{media_id}/original/link"):
        refused = portfolio.get(path, token=eve["token"])
        assert refused.status == 404 and refused.json()["error"]["code"] == "media_not_found"
        assert portfolio.get(path).status == 401
    missing = portfolio.get("/media/01ARZ3NDEKTSV4RRFFQ69G5FAV/original", token=ada["token"])
    assert missing.status == 404


def test_an_image_not_ready_has_no_original_to_download(portfolio) -> None:
    ada = portfolio.member()
    pending = portfolio.upload(ada, jpeg())["media_id"]
    reply = portfolio.get(f"/media/{pending}/original", token=ada["token"])
    assert reply.status == 409 and reply.json()["error"]["code"] == "media_not_ready"
    portfolio.notifications()  # left unprocessed

    broken = portfolio.upload(ada, jpeg()[:500])["media_id"]
    portfolio.thumbnail()
    reply = portfolio.get(f"/media/{broken}/original", token=ada["token"])
    assert reply.status == 409 and reply.json()["error"]["code"] == "media_not_ready"
    assert portfolio.keys("media/") == []  # a rejected upload is not kept


def test_an_image_made_before_originals_were_kept_says_so(portfolio) -> None:
    ada = portfolio.member()
    media_id = _ready(portfolio, ada, jpeg())["media_id"]
    record = media_store.get_media(media_id)
    # What the pipeline left before this change: no original's key, one display.webp.
    legacy = {k: v for k, v in record.original.items()
              if k not in ("key", "content_type", "storage_class")}
    media_store.bound(media_store.MediaItem)(media_id).update(actions=[
        media_store.MediaItem.original.set(legacy), media_store.MediaItem.sizes.remove()])
    reply = portfolio.get(f"/media/{media_id}/original", token=ada["token"])
    assert reply.status == 410 and reply.json()["error"]["code"] == "original_not_kept"
    shown = portfolio.get(f"/media/{media_id}", token=ada["token"]).json()
    assert shown["download_url"] is None and len(shown["sizes"]) == 1
    assert shown["file_url"] == shown["sizes"][0]["url"]


def test_deleting_the_image_removes_the_original_and_every_size(portfolio) -> None:
    ada = portfolio.member()
    media_id = _ready(portfolio, ada, jpeg(2500, 1800))["media_id"]
    assert len(portfolio.keys("media/")) == 5  # original, three sizes, thumbnail
    assert portfolio.delete(f"/media/{media_id}", token=ada["token"]).status == 200
    assert portfolio.keys("media/") == []
    assert portfolio.get(f"/media/{media_id}/original", token=ada["token"]).status == 404


def test_deleting_the_project_removes_its_originals_and_sizes(portfolio) -> None:
    ada = portfolio.member()
    project_id = portfolio.project(ada)["project_id"]
    _ready(portfolio, ada, jpeg(2500, 1800), project_id=project_id)
    _ready(portfolio, ada, png_with_alpha(), project_id=project_id, content_type="image/png")
    assert len(portfolio.keys("media/")) == 5 + 3
    assert portfolio.delete(f"/projects/{project_id}", token=ada["token"]).status == 200
    cleanup = load_function_module(portfolio.template, "ProjectCleanupFunction").lambda_handler
    reply = cleanup({"Records": [_project_deleted_message(project_id)]},
                    LambdaContext(function_name="portrait-local-ProjectCleanupFunction"))
    assert reply["batchItemFailures"] == []
    assert portfolio.keys("media/") == []


def test_an_image_deleted_while_it_was_processed_leaves_no_original(portfolio,
                                                                    monkeypatch) -> None:
    """DELETE /media/{id} between the read and the switch to ready: what the processor
    wrote has no owner, and goes at once (not a month of Standard-IA until the sweep)."""
    from portrait.services.portfolio import media_processing

    ada = portfolio.member()
    form = portfolio.upload(ada, jpeg(1600, 1200))
    settle = media_store.settle

    def deleted_first(media_id, **changes):
        assert portfolio.delete(f"/media/{media_id}", token=ada["token"]).status == 200
        return settle(media_id, **changes)

    monkeypatch.setattr(media_processing.store, "settle", deleted_first)
    assert portfolio.thumbnail()["batchItemFailures"] == []
    assert media_store.get_media(form["media_id"]) is None
    assert portfolio.keys() == []


def test_an_image_made_ready_while_it_was_deleted_leaves_nothing(portfolio, monkeypatch) -> None:
    """The other order: DELETE /media/{id} reads the pending image (no objects yet), the
    processor makes it ready, then the delete runs. The record goes only as it was read,
    so the delete reads it again and removes the original and copies with it."""
    from portrait.services.portfolio import media as media_service

    ada = portfolio.member()
    form = portfolio.upload(ada, jpeg(1600, 1200))
    delete_record = media_store.delete_record

    def processed_first(media_id, **condition):
        if media_store.get_media(media_id).status == "pending":
            assert portfolio.thumbnail()["batchItemFailures"] == []
        return delete_record(media_id, **condition)

    monkeypatch.setattr(media_service.store, "delete_record", processed_first)
    assert portfolio.delete(f"/media/{form['media_id']}", token=ada["token"]).status == 200
    assert media_store.get_media(form["media_id"]) is None
    assert portfolio.keys() == []
