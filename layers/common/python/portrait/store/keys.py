"""Object keys (DESIGN.md §3). Built by the server from ids it generated:
a client's file name never reaches a key. Pure functions, no AWS."""
from __future__ import annotations

import re
from dataclasses import dataclass

# Crockford base32 ULIDs, as portrait.ids makes them.
_ID = r"[0-9A-HJKMNP-TV-Z]{26}"
_TMP_KEY = re.compile(rf"^tmp/(?P<kind>avatars|media|generations)/(?P<user_id>{_ID})/(?P<upload_id>{_ID})/source$")

AVATAR_CACHE_CONTROL = "public, max-age=31536000, immutable"  # a new avatar gets a new id
EXTENSIONS = {"webp": "webp", "jpeg": "jpg"}
CONTENT_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif"}


@dataclass(frozen=True)
class TmpKey:
    kind: str
    user_id: str
    upload_id: str


def tmp_upload_key(kind: str, user_id: str, upload_id: str) -> str:
    return f"tmp/{kind}/{user_id}/{upload_id}/source"


def parse_tmp_key(key: str) -> TmpKey | None:
    """The parts of a tmp/ upload key, or None for anything we did not issue."""
    match = _TMP_KEY.match(key)
    return TmpKey(**match.groupdict()) if match else None


def avatar_prefix(user_id: str, avatar_id: str) -> str:
    return f"avatars/{user_id}/{avatar_id}/"


def avatar_variant_key(user_id: str, avatar_id: str, size: str, fmt: str) -> str:
    return f"{avatar_prefix(user_id, avatar_id)}{size}.{EXTENSIONS[fmt]}"
