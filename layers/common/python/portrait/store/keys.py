"""Object keys (docs/ARCHITECTURE.md §3). Built by the server from ids it generated:
a client's file name never reaches a key. Pure functions, no AWS."""
from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

# Crockford base32 ULIDs, as portrait.ids makes them.
_ID = r"[0-9A-HJKMNP-TV-Z]{26}"
TMP_PREFIX = "tmp/"  # direct uploads wait here until processed or swept
TMP_KINDS = ("avatars", "media", "generations")
_TMP_KEY = re.compile(rf"^tmp/(?P<kind>{'|'.join(TMP_KINDS)})/(?P<user_id>{_ID})/(?P<upload_id>{_ID})/source$")

# A new avatar (or portfolio image) gets a new id, so its objects never change.
AVATAR_CACHE_CONTROL = MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"
EXTENSIONS = {"webp": "webp", "jpeg": "jpg"}
CONTENT_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif"}


@dataclass(frozen=True)
class TmpKey:
    kind: str
    user_id: str
    upload_id: str


def tmp_upload_key(kind: str, user_id: str, upload_id: str) -> str:
    return f"{tmp_session_prefix(kind, user_id, upload_id)}source"


def tmp_session_prefix(kind: str, user_id: str, upload_id: str) -> str:
    """Everything one upload session put under tmp/ (today only its source)."""
    return f"{TMP_PREFIX}{kind}/{user_id}/{upload_id}/"


def parse_tmp_key(key: str) -> TmpKey | None:
    """The parts of a tmp/ upload key, or None for anything we did not issue."""
    match = _TMP_KEY.match(key)
    return TmpKey(**match.groupdict()) if match else None


_OWNED_KEY = re.compile(rf"^(?P<area>avatars|media)/(?P<user_id>{_ID})/(?P<owner_id>{_ID})/[^/]+$")
# The areas whose objects belong to a record (an avatar, a media item), swept for orphans.
OWNED_AREAS = ("avatars", "media")


@dataclass(frozen=True)
class OwnedKey:
    """avatars/{user_id}/{avatar_id}/... or media/{user_id}/{media_id}/...: the record it belongs to."""

    area: str
    user_id: str
    owner_id: str


def parse_owned_key(key: str) -> OwnedKey | None:
    """Whose object this is, or None for a key we never build (nothing can own it)."""
    match = _OWNED_KEY.match(key)
    return OwnedKey(**match.groupdict()) if match else None


def avatar_prefix(user_id: str, avatar_id: str) -> str:
    return f"avatars/{user_id}/{avatar_id}/"


def avatar_variant_key(user_id: str, avatar_id: str, size: str, fmt: str) -> str:
    return f"{avatar_prefix(user_id, avatar_id)}{size}.{EXTENSIONS[fmt]}"


def media_prefix(user_id: str, media_id: str) -> str:
    return f"media/{user_id}/{media_id}/"


def media_display_key(user_id: str, media_id: str, longer_side: int) -> str:
    """One display copy (WebP), named by its longer side: public, like the thumbnail
    (PUBLIC_KEY_PATTERNS). Images made before the size ladder have one display.webp."""
    return f"{media_prefix(user_id, media_id)}display-{int(longer_side)}.webp"


def media_original_key(user_id: str, media_id: str, fmt: str) -> str:
    """The upload as it came, byte for byte: private (never in PUBLIC_KEY_PATTERNS), its
    extension from the sniffed format (jpeg, png, webp, gif), never from the client."""
    return f"{media_prefix(user_id, media_id)}original.{EXTENSIONS.get(fmt, fmt)}"


def media_thumbnail_key(user_id: str, media_id: str) -> str:
    return f"{media_prefix(user_id, media_id)}thumb.jpg"


def generation_prefix(user_id: str, generation_id: str) -> str:
    return f"generations/{user_id}/{generation_id}/"


def generation_output_key(user_id: str, generation_id: str) -> str:
    return f"{generation_prefix(user_id, generation_id)}output.png"


def generation_source_key(user_id: str, generation_id: str, fmt: str) -> str:
    """The input photo kept beside the output, metadata stripped (fmt: png | jpeg)."""
    return f"{generation_prefix(user_id, generation_id)}input.{EXTENSIONS.get(fmt, fmt)}"


# The render contract's objects (portrait.rendering.contract), shaped as a SageMaker
# asynchronous endpoint keeps them: the request document (its InputLocation), the
# output (S3OutputPath/<inference id>.out) and the failure body (S3FailurePath/
# <inference id>-error.out). Each is deleted once its generation is settled; the
# bucket's lifecycle rule expires anything left under renders/ after 7 days.
RENDERS_PREFIX = "renders/"
RENDER_OUTPUT_PREFIX = f"{RENDERS_PREFIX}output/"
RENDER_FAILURE_PREFIX = f"{RENDERS_PREFIX}failures/"
_RENDER_REQUEST_KEY = re.compile(rf"^{RENDERS_PREFIX}requests/(?P<user_id>{_ID})/(?P<generation_id>{_ID})\.json$")


def render_request_key(user_id: str, generation_id: str) -> str:
    return f"{RENDERS_PREFIX}requests/{user_id}/{generation_id}.json"


def parse_render_request_key(key: str) -> tuple[str, str] | None:
    """(user_id, generation_id) of a request document's key; None for any other key."""
    match = _RENDER_REQUEST_KEY.match(key)
    return (match["user_id"], match["generation_id"]) if match else None


def render_output_key(inference_id: str) -> str:
    return f"{RENDER_OUTPUT_PREFIX}{inference_id}.out"


def render_failure_key(inference_id: str) -> str:
    return f"{RENDER_FAILURE_PREFIX}{inference_id}-error.out"


POSES_PREFIX = "poses/"


def pose_skeleton_key(pose_id: str) -> str:
    """The pose's skeleton (control image). Pose ids are slugs we validated: [a-z0-9-]."""
    return f"{POSES_PREFIX}{pose_id}.png"


# A portrait shared by a public link: a copy under a key named by the link's share_id
# (the sha256 of its token: as unguessable as the link), deleted when the link is revoked.
SHARED_PREFIX = "shared/"
SHARED_CACHE_CONTROL = "public, max-age=300"  # a revoked link's image leaves caches in 5 min


def shared_image_key(share_id: str) -> str:
    return f"{SHARED_PREFIX}{share_id}/portrait.png"


# A style preset's sample portrait (public like the skeletons; a pose id has no "/").
STYLE_SAMPLES_PREFIX = f"{POSES_PREFIX}styles/"


def style_sample_key(style: str, digest: str) -> str:
    return f"{STYLE_SAMPLES_PREFIX}{style}-{digest}.jpg"


# The public immutable objects: what the media CDN may serve (template.yaml's MediaBucketPolicy
# grants CloudFront exactly these patterns). Everything else (uploads, media originals,
# generation inputs and outputs) is private: presigned GETs only.
PUBLIC_KEY_PATTERNS = ("avatars/*", "poses/*", "media/*/display.webp", "media/*/display-*.webp",
                       "media/*/thumb.jpg", "shared/*")


def is_public_key(key: str) -> bool:
    """True for a key the media CDN serves (`*` matches "/" too, as in a policy's Resource)."""
    return any(fnmatchcase(key, pattern) for pattern in PUBLIC_KEY_PATTERNS)
