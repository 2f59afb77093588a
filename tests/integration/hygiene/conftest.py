"""Storage hygiene (the sweeps and the TTL purge) against moto, resources from template.yaml.

The sweeps take their clock as an argument (`now`), so a test moves time by
passing it. Objects of different ages in one bucket need S3's own clock at
upload time: `Bucket.put(..., at=epoch)` uploads as if at that moment (moto
stamps LastModified from its clock when the object is written, as S3 does).
"""
from __future__ import annotations

import contextlib
from datetime import datetime, timezone
from typing import Any, Iterator
from unittest import mock

import pytest
from moto import mock_aws

from portrait import clock
from portrait.config import get_settings
from portrait.ids import new_id
from portrait.store import avatars, keys, users
from portrait.store.avatars import PENDING, Avatar
from portrait.store.aws import client as aws_client
from portrait_local.openapi import load_api_module
from portrait_local.resources import create_resources
from tests.conftest import (
    apply_environment,
    empty_tables,
    function_test_environment,
    load_function_module,
    provision_signing_key,
    reset_process_caches,
)
from tests.integration.api.avatar_support import SIZES, processed_avatar, variant_key
from tests.integration.api.http_events import LambdaContext
from tests.integration.store.test_users_store import make_user

HOUR = 3600


@pytest.fixture(scope="package")
def moto_stack(template) -> Iterator[dict[str, str]]:
    env = function_test_environment(template, "SweepDeletedFunction")
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        apply_environment(patch, env)
        create_resources(template)
        provision_signing_key(template)  # the restore tests go through the API handler
        yield env
    reset_process_caches()


@contextlib.contextmanager
def s3_clock(epoch: float) -> Iterator[None]:
    """moto stamps objects written inside this block with `epoch` as LastModified."""
    stamp = datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)
    with mock.patch("moto.s3.models.utcnow", lambda: stamp):
        yield


class Hygiene:
    def __init__(self, template) -> None:
        self.template = template

    @property
    def bucket(self) -> str:
        return get_settings().media_bucket

    # ---------------------------------------------------------------- objects
    def put(self, key: str, body: bytes = b"x" * 100, *, at: float | None = None) -> str:
        with s3_clock(at) if at is not None else contextlib.nullcontext():
            aws_client("s3").put_object(Bucket=self.bucket, Key=key, Body=body)
        return key

    def keys(self, prefix: str = "") -> list[str]:
        pages = aws_client("s3").get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def empty_bucket(self) -> None:
        s3, found = aws_client("s3"), self.keys()
        for start in range(0, len(found), 1000):
            s3.delete_objects(Bucket=self.bucket, Delete={
                "Objects": [{"Key": k} for k in found[start:start + 1000]], "Quiet": True})

    # ---------------------------------------------------------------- records
    def new_user(self) -> str:
        user = make_user()
        users.insert_user(user)
        return user.user_id

    def pending_avatar(self, user_id: str, *, form_expires_at: float | None = None) -> Avatar:
        """What starting an upload leaves: a pending avatar and the key its form allows."""
        now, upload_id = clock.now(), new_id()
        expires = int(form_expires_at if form_expires_at is not None
                      else now + get_settings().upload_form_ttl_seconds)
        avatar = Avatar(user_id=user_id, avatar_id=new_id(), status=PENDING, source="upload",
                        created_at=clock.iso(now), updated_at=clock.iso(now),
                        upload_id=upload_id, content_type="image/jpeg",
                        upload_key=keys.tmp_upload_key("avatars", user_id, upload_id),
                        upload_expires_at=expires)
        avatars.create_avatar(avatar)
        return avatar

    def ready_avatar(self, user_id: str, *, at: float | None = None) -> str:
        """A processed avatar, made current (the previous one soft-deleted), with its five
        variants stored (uploaded at `at`). Returns its id."""
        avatar_id = processed_avatar(user_id)
        for size, px in SIZES.items():
            self.put(variant_key(user_id, avatar_id, size), b"w" * px, at=at)
        return avatar_id

    def avatar(self, user_id: str, avatar_id: str) -> Avatar | None:
        return avatars.get_avatar(user_id, avatar_id)

    def raw_item(self, user_id: str, avatar_id: str) -> dict[str, Any]:
        """The item as DynamoDB holds it (what a stream record's image carries)."""
        return aws_client("dynamodb").get_item(
            TableName=self.template.physical_name("AvatarsTable"), ConsistentRead=True,
            Key={"user_id": {"S": user_id}, "avatar_id": {"S": avatar_id}})["Item"]

    # ---------------------------------------------------------------- functions
    def handler(self, function_id: str):
        return load_function_module(self.template, function_id).lambda_handler

    def invoke(self, function_id: str, event: dict) -> Any:
        return self.handler(function_id)(
            event, LambdaContext(function_name=f"portrait-local-{function_id}"))


@pytest.fixture
def hygiene(moto_stack, template) -> Iterator[Hygiene]:
    get_settings.cache_clear()
    helper = Hygiene(template)
    empty_tables(template)
    helper.empty_bucket()
    yield helper
    get_settings.cache_clear()


@pytest.fixture(scope="package")
def api_module():
    return load_api_module()


@pytest.fixture
def api(hygiene, api_module):
    from tests.integration.api.conftest import Api

    return Api(api_module.lambda_handler)


@pytest.fixture
def member(api) -> dict:
    user = api.register()
    return {**user, "token": api.login(user["username"])["access_token"]}
