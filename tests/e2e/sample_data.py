"""Make, on a running local stack, what an events/ sample of an upload names: its
user (with the default avatar the stack gives every new user) and, for each
tmp/avatars/ (or tmp/media/) key in it, the pending avatar (or portfolio image)
of that upload and an image at the key.

    .venv/bin/python -m tests.e2e.sample_data events/resize-s3-upload.json [--state-dir DIR]

It runs in a process of its own: portrait reads its settings from the environment
once, and this adopts the stack's (as the `portrait` operator commands do).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from portrait_local.targets import resolve_target

ROOT = Path(__file__).resolve().parents[2]


def uploaded_keys(sample: dict) -> list[str]:
    """The S3 keys the sample's SQS messages name, read as the functions read them
    (a malformed body names none)."""
    from portrait.s3_events import created_objects

    found = []
    for record in sample["Records"]:
        try:
            found += [created.key for created in created_objects(record["body"])]
        except ValueError:  # pydantic's ValidationError is one
            continue
    return found


NOW = "2026-11-21T10:15:00Z"


def _make_users(user_ids: set[str]) -> None:
    from portrait.store import users
    from portrait.store.users import User

    for user_id in sorted(user_ids):
        if users.get_user(user_id):
            continue
        users.insert_user(User(user_id=user_id, username=f"sample_{user_id[-8:].lower()}",
                               email=f"sample.{user_id.lower()}@example.com",
                               password_hash="$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA",
                               role="user", name="Sample", created_at=NOW, updated_at=NOW))
        _wait_for_default_avatar(user_id, users)


def make_media_uploads(sample: dict) -> None:
    """The pending portfolio image of each tmp/media/ key, and a photo at the key."""
    from portrait.store import keys, objects
    from portrait.store.portfolio import media
    from tests.unit.imaging.corpus import png_alpha

    uploads = [tmp for key in uploaded_keys(sample)
               if (tmp := keys.parse_tmp_key(key)) and tmp.kind == "media"]
    _make_users({tmp.user_id for tmp in uploads})
    for tmp in uploads:
        key = keys.tmp_upload_key("media", tmp.user_id, tmp.upload_id)
        media.create_media(media.Media(
            media_id=tmp.upload_id, user_id=tmp.user_id, status=media.PENDING,
            content_type="image/png", upload_key=key, upload_expires_at=2_000_000_000,
            created_at=NOW, updated_at=NOW, original_filename="sample.png"))
        objects.put_object(key, png_alpha(), content_type="image/png")


def make_avatar_uploads(sample: dict) -> None:
    from portrait.ids import new_id
    from portrait.store import avatars, keys, objects
    from portrait.store.avatars import PENDING, Avatar
    from tests.unit.imaging.corpus import png_alpha, webp_lossy

    uploads = [tmp for key in uploaded_keys(sample)
               if (tmp := keys.parse_tmp_key(key)) and tmp.kind == "avatars"]
    now = NOW
    _make_users({tmp.user_id for tmp in uploads})
    images = [(webp_lossy(), "image/webp"), (png_alpha(), "image/png")]
    for i, tmp in enumerate(uploads):
        # As a client's upload leaves them: the record (POST /me/avatar/uploads), then the
        # image. The stack processes that upload too, on S3's own notification: the sample
        # is then its first delivery or its second, and both settle the avatar once.
        key = keys.tmp_upload_key("avatars", tmp.user_id, tmp.upload_id)
        image, content_type = images[i % len(images)]
        avatars.create_avatar(Avatar(user_id=tmp.user_id, avatar_id=new_id(), status=PENDING,
                                     source="upload", created_at=now, updated_at=now,
                                     upload_id=tmp.upload_id, upload_key=key,
                                     content_type=content_type))
        objects.put_object(key, image, content_type=content_type)


def _wait_for_default_avatar(user_id: str, users, timeout: float = 30) -> None:
    """Until the users stream has given the new user a default avatar, so that it is not
    made while the sample's upload is being switched to."""
    deadline = time.monotonic() + timeout
    while not users.get_user(user_id).avatar_id:
        if time.monotonic() > deadline:
            raise SystemExit(f"no default avatar for {user_id} after {timeout} s")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sample", type=Path)
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="the stack's state (default: .portrait/, the `make dev` stack's)")
    args = parser.parse_args()
    target = resolve_target(ROOT / "template.yaml", stack_name=None, region=None,
                            state_dir=args.state_dir)
    target.adopt_environment_of("ResizeFunction")
    sample = json.loads(args.sample.read_text())
    make_avatar_uploads(sample)
    make_media_uploads(sample)


if __name__ == "__main__":
    main()
