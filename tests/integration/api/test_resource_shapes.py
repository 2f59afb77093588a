"""One shape per resource (issue 23): the user, the avatar, the generation, the project
and the media item read the same wherever they appear, every timestamp takes the clock's
one format, and every list pages as {items, next_cursor}. (Search hits: in
tests/integration/portfolio/test_search_api.py; every route's reply: docs/API.md and
tests/e2e/test_api_tour.py.)"""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

from portrait.store import poses
from portrait.store.poses import Pose
from tests.integration.api.avatar_support import member, processed_avatar  # noqa: F401,F811 - fixtures

ONE_FORMAT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
POSE_ID = "shapes-standing-front-full"


def _timestamps(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, value) of every field named *_at or *_until, however deep."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and (key.endswith("_at") or key.endswith("_until")):
                yield f"{path}.{key}", item
            else:
                yield from _timestamps(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _timestamps(item, f"{path}[{n}]")


def _unsigned(value: Any) -> Any:
    """`value` with presigned URLs cut at the query (each read signs anew)."""
    if isinstance(value, dict):
        return {key: _unsigned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unsigned(item) for item in value]
    if isinstance(value, str) and "X-Amz-Signature=" in value:
        return value.split("?", 1)[0]
    return value


@pytest.fixture
def pose(api) -> str:
    poses.create_pose(Pose(pose_id=POSE_ID, name="Standing", category="standing", tags=(),
                           keypoints=tuple((0.5, 0.1 + i * 0.04, 2) for i in range(18)),
                           skeleton_key=f"poses/{POSE_ID}.png", source="catalogue",
                           created_at="2026-01-01T00:00:00.000Z"))
    return POSE_ID


def test_every_reply_stamps_time_in_one_format_and_pages_in_one_shape(api, member, pose):
    token = member["token"]
    avatar_id = processed_avatar(member["user_id"])
    project = api.post("/projects", {"title": "Shapes"}, token=token).json()
    media_id = api.post("/media/uploads", {"content_type": "image/png",
                                           "project_id": project["project_id"]},
                        token=token).json()["media_id"]
    generation = api.post("/generations", {"pose_id": pose, "content_type": "image/jpeg"},
                          token=token).json()
    replies = {
        "login": api.login(member["username"]),
        "me": api.get("/me", token=token).json(),
        "avatar": api.get(f"/me/avatars/{avatar_id}", token=token).json(),
        "avatars": api.get("/me/avatars", token=token).json(),
        "project": project,
        "projects": api.get(f"/users/{member['user_id']}/projects").json(),
        "media": api.get(f"/me/media?project_id={project['project_id']}", token=token).json(),
        "media item": api.get(f"/media/{media_id}", token=token).json(),
        "generation": generation,
        "generations": api.get("/generations", token=token).json(),
    }
    replies = _unsigned(replies)
    generation, project = replies["generation"], replies["project"]
    stamps = [(name + path, text) for name, reply in replies.items()
              for path, text in _timestamps(reply)]
    assert len(stamps) > 15
    assert [s for s in stamps if not ONE_FORMAT.fullmatch(s[1])] == []
    for name in ("avatars", "projects", "media", "generations"):
        assert {"items", "next_cursor"} <= set(replies[name]), name
        assert replies[name]["items"], name
    # The same user wherever it appears; the same avatar variants wherever they appear.
    assert replies["login"]["user"]["avatar"] == replies["me"]["avatar"]
    assert replies["me"]["avatar"]["variants"] == replies["avatar"]["variants"]
    assert replies["avatars"]["items"][0]["variants"] == replies["avatar"]["variants"]
    # The same generation in its create reply, its read and the list.
    listed = replies["generations"]["items"][0]
    assert {k: v for k, v in generation.items() if k != "upload"} == listed
    # The same project in its create reply and the list; the same media item in its read
    # and its owner's list.
    assert replies["projects"]["items"][0] == project
    assert replies["media"]["items"][0] == replies["media item"]
    # The same user in the register reply, the log-in and /me (the avatar aside: a new
    # account has none until its default is drawn).
    registered = api.register()
    logged_in = api.login(registered["username"])["user"]
    assert set(registered) == set(logged_in) == set(api.get("/me", token=api.login(
        registered["username"])["access_token"]).json())
