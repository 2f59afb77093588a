"""What an events/ sample needs made first, made by `portrait invoke` just before it runs
the sample, so that every sample runs on a fresh stack and in any order:

- a log-in (`POST /auth/login`): the account it logs in to, with the password it sends,
  unless that account exists;
- an S3 upload delivered through SQS (`tmp/avatars/…` or `tmp/media/…` keys): the user
  each key names, the pending avatar or portfolio image of that upload (as
  `POST /me/avatar/uploads` or `POST /media/uploads` leaves it) and an image at the key,
  unless the record exists already.

Anything else needs nothing. It runs in a process of its own (portrait reads its settings
from the environment once), given the function's environment on the target stack:

    python -m portrait_local.sample_setup EVENT.json|- [--running-stack]
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

SAMPLE_TIME = "2026-11-21T10:15:00.000Z"
# A hash no password matches: a sample upload's owner is never logged in to.
NO_PASSWORD = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA"


def needs_setup(event: Any) -> bool:
    """Whether `event` is one of the kinds this makes data for (no AWS, no settings)."""
    return _login_body(event) is not None or bool(_uploaded_keys(event))


def _login_body(event: Any) -> dict | None:
    if not isinstance(event, dict) or event.get("rawPath") != "/auth/login":
        return None
    try:
        body = json.loads(event.get("body") or "{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) and body.get("password") else None


def _uploaded_keys(event: Any) -> list[str]:
    """The tmp/ keys an SQS batch of S3 notifications names (a malformed body names none)."""
    from portrait.s3_events import created_objects

    if not isinstance(event, dict) or not isinstance(event.get("Records"), list):
        return []
    found = []
    for record in event["Records"]:
        try:
            found += [created.key for created in created_objects(record["body"])]
        except (ValueError, KeyError, TypeError):  # pydantic's ValidationError is a ValueError
            continue
    return [key for key in found if key.startswith(("tmp/avatars/", "tmp/media/"))]


def make_login_account(body: dict) -> str | None:
    """The account a log-in sample signs in to; None if it exists already."""
    from portrait.errors import Conflict, InvalidInput
    from portrait.services.accounts.registration import create_user
    from portrait.store import users

    login = str(body.get("login") or body.get("email") or "")
    if not login or users.find_user_by_login(login) is not None:
        return None
    username = login.split("@")[0] if "@" in login else login
    email = login if "@" in login else f"{login.replace('_', '.')}@example.com"
    try:
        create_user(username=username, email=email, password=str(body["password"]), name=username)
    except (Conflict, InvalidInput) as exc:
        raise SystemExit(f"cannot make the account {username!r} the sample logs in to: {exc}")
    return f"made the account {username!r} the sample logs in to"


def make_uploads(keys_named: list[str], *, running: bool) -> list[str]:
    from portrait.ids import new_id
    from portrait.store import avatars, keys, objects
    from portrait.store.avatars import PENDING, Avatar
    from portrait.store.portfolio import media

    made, settled = [], []
    uploads = [tmp for key in keys_named if (tmp := keys.parse_tmp_key(key))]
    for user_id in sorted({tmp.user_id for tmp in uploads}):
        if _make_user(user_id) and running:
            _wait_for_default_avatar(user_id)
    for n, tmp in enumerate(uploads):
        key = keys.tmp_upload_key(tmp.kind, tmp.user_id, tmp.upload_id)
        content_type, image = _image(n)
        if tmp.kind == "avatars":
            if avatars.find_by_upload(tmp.upload_id) is not None:
                continue
            avatar_id = new_id()
            avatars.create_avatar(Avatar(
                user_id=tmp.user_id, avatar_id=avatar_id, status=PENDING, source="upload",
                created_at=SAMPLE_TIME, updated_at=SAMPLE_TIME, upload_id=tmp.upload_id,
                upload_key=key, content_type=content_type))
        else:
            if media.get_media(tmp.upload_id) is not None:
                continue
            media.create_media(media.Media(
                media_id=tmp.upload_id, user_id=tmp.user_id, status=media.PENDING,
                content_type=content_type, upload_key=key, upload_expires_at=2_000_000_000,
                created_at=SAMPLE_TIME, updated_at=SAMPLE_TIME, original_filename="sample.png"))
        objects.put_object(key, image, content_type=content_type)
        made.append(f"made a pending {tmp.kind[:-1] if tmp.kind == 'avatars' else 'image'} "
                    f"and its upload at {key}")
        settled.append((tmp.user_id, avatar_id) if tmp.kind == "avatars" else tmp.upload_id)
    if running:
        # A running stack hears of the upload from the bucket itself and processes it at
        # once; the sample must not race that first delivery (a delivery that finds the
        # other still in progress is failed, to be retried), so it runs as the redelivery
        # S3 may always send: after the first has settled, changing nothing.
        for record in settled:
            _wait_until_settled(record)
        if settled:
            made.append("the stack processed them on its own notification first: the sample "
                        "runs as a redelivery")
    return made


def _wait_until_settled(record: tuple[str, str] | str, deadline_seconds: float = 120) -> None:
    """Until the avatar (user_id, avatar_id) or the portfolio image (media_id) is no
    longer pending."""
    from portrait.store import avatars
    from portrait.store.portfolio import media

    def status() -> str | None:
        found = (avatars.get_avatar(*record) if isinstance(record, tuple)
                 else media.get_media(record))
        return found.status if found else None

    deadline = time.monotonic() + deadline_seconds
    while status() == "pending":
        if time.monotonic() > deadline:
            raise SystemExit(f"{record} still pending after {deadline_seconds:.0f} s")
        time.sleep(0.2)


def _make_user(user_id: str) -> bool:
    from portrait.store import users
    from portrait.store.users import User

    if users.get_user(user_id):
        return False
    users.insert_user(User(user_id=user_id, username=f"sample_{user_id[-8:].lower()}",
                           email=f"sample.{user_id.lower()}@example.com",
                           password_hash=NO_PASSWORD, role="user", name="Sample",
                           created_at=SAMPLE_TIME, updated_at=SAMPLE_TIME))
    return True


def _wait_for_default_avatar(user_id: str, deadline_seconds: float = 120) -> None:
    """Until the users stream has given the new user its default avatar, so that the
    default is not made while the sample's upload is being made current."""
    from portrait.store import users

    deadline = time.monotonic() + deadline_seconds
    while not users.get_user(user_id).avatar_id:
        if time.monotonic() > deadline:
            raise SystemExit(f"no default avatar for {user_id} after {deadline_seconds:.0f} s")
        time.sleep(0.2)


def _image(n: int) -> tuple[str, bytes]:
    """A 400 x 300 gradient photo, PNG or WebP in turn (the samples' two upload types)."""
    from PIL import Image

    picture = Image.linear_gradient("L").resize((400, 300)).convert("RGB")
    picture = Image.merge("RGB", (picture.getchannel(0), picture.getchannel(0).rotate(90),
                                  Image.new("L", picture.size, 160)))
    kind = ("PNG", "image/png") if n % 2 else ("WEBP", "image/webp")
    out = io.BytesIO()
    picture.save(out, kind[0])
    return kind[1], out.getvalue()


def prepare(event: Any, *, running: bool) -> list[str]:
    """Make what `event` needs; one line per thing made."""
    body = _login_body(event)
    if body is not None:
        made = make_login_account(body)
        return [made] if made else []
    return make_uploads(_uploaded_keys(event), running=running)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("event", help="the sample's file ('-': stdin)")
    parser.add_argument("--running-stack", action="store_true",
                        help="a running stack: wait for the default avatar it gives each new "
                             "user, and for its own processing of each upload")
    args = parser.parse_args(argv)
    text = sys.stdin.read() if args.event == "-" else Path(args.event).read_text()
    for line in prepare(json.loads(text),
                        running=args.running_stack):
        print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
