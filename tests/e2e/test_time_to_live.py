"""DynamoDB's Time to Live on the local stack (portrait_local.time_to_live): a soft-deleted
avatar's record is removed once its grace is over, as DynamoDB's TTL removes it, and
PurgeFunction (whose stream filter takes only the service's own deletes) deletes its
objects; a record deleted by anyone else is left to the nightly sweep."""
from __future__ import annotations

import json
import time

import pytest
import requests

from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
DEADLINE = 120  # seconds: a busy two-core machine
GRACE_OVER = "8d"  # the template's AvatarGraceSeconds is 7 days


def _deleted_default_avatar(stack: LocalStack, name: str) -> tuple[str, str]:
    """A new member whose default avatar they deleted: (user id, avatar id)."""
    auth, user_id = stack.new_member(name)
    deadline = time.monotonic() + DEADLINE  # the default avatar comes through the users stream
    while requests.get(stack.url("/me/avatar"), headers=auth, timeout=60).status_code != 200:
        assert time.monotonic() < deadline, stack.output()[-3000:]
        time.sleep(0.25)
    deleted = requests.delete(stack.url("/me/avatar"), headers=auth, timeout=60)
    assert deleted.status_code == 200, deleted.text
    return user_id, deleted.json()["avatar_id"]


def _record(stack: LocalStack, user_id: str, avatar_id: str) -> dict | None:
    table = stack.resources()["AvatarsTable"]
    return stack.aws("dynamodb").get_item(TableName=table, Key={
        "user_id": {"S": user_id}, "avatar_id": {"S": avatar_id}}).get("Item")


def _objects(stack: LocalStack, user_id: str, avatar_id: str) -> list[str]:
    listed = stack.aws("s3").list_objects_v2(Bucket=stack.resources()["MediaBucket"],
                                             Prefix=f"avatars/{user_id}/{avatar_id}/")
    return [item["Key"] for item in listed.get("Contents", [])]


def _ttl_run(stack: LocalStack, *args: str) -> dict:
    done = stack.portrait("ttl", "run", "--table", "AvatarsTable", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["expired"]


def test_an_expired_avatar_is_removed_by_ttl_and_purged_an_ordinary_delete_is_not(
        local_stack) -> None:
    expiring = _deleted_default_avatar(local_stack, "expiring")
    removed = _deleted_default_avatar(local_stack, "removed")
    assert _objects(local_stack, *expiring) and _objects(local_stack, *removed)

    # Within its grace nothing happens: TTL never deletes before expiry.
    _ttl_run(local_stack)
    assert _record(local_stack, *expiring)["status"]["S"] == "deleted"

    # An operator deletes the other record by hand: a REMOVE without the service's identity.
    user_id, avatar_id = removed
    local_stack.aws("dynamodb").delete_item(
        TableName=local_stack.resources()["AvatarsTable"],
        Key={"user_id": {"S": user_id}, "avatar_id": {"S": avatar_id}})

    assert _ttl_run(local_stack, "--ahead", GRACE_OVER)["AvatarsTable"] >= 1
    assert _record(local_stack, *expiring) is None
    deadline = time.monotonic() + DEADLINE
    while _objects(local_stack, *expiring):  # PurgeFunction, from the stream
        assert time.monotonic() < deadline, local_stack.output()[-3000:]
        time.sleep(0.25)
    # The hand-made delete came first on the same stream and was filtered out.
    assert _objects(local_stack, *removed)
    purges = [line for line in local_stack.output().splitlines()
              if "PurgeFunction" in line and "dynamodb:" in line]
    assert purges, "PurgeFunction never ran"


def test_ttl_refuses_to_run_early_or_on_a_table_without_ttl(local_stack) -> None:
    early = local_stack.portrait("ttl", "run", "--ahead=-1d")
    assert early.returncode == 2 and "cannot be negative" in early.stderr
    unknown = local_stack.portrait("ttl", "run", "--table", "ProjectsTable")
    assert unknown.returncode == 1 and "no table with TTL named ProjectsTable" in unknown.stderr
