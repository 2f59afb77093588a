"""/me/avatar, /me/avatars, /users/{user_id}/avatar and /avatars/default.

Uploads go straight to S3 with the presigned form POST /me/avatar/uploads
returns; the processor makes the avatar current, and the client polls
GET /me/avatars/{avatar_id} meanwhile.
"""
from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import TypeAdapter

from avatar_schemas import AvatarDetail, AvatarHistory, CurrentAvatar, DeletedAvatar, UploadStarted
from portrait.services.avatars import changes as avatar_changes
from portrait.services.avatars import uploads as avatar_uploads
from portrait.services.avatars import reading as avatars
from portrait.services.avatars.uploads import UploadRequest
from portrait.sizes import DEFAULT_AVATAR_SIZE as DEFAULT_SIZE
from portrait.sizes import AvatarSize, avatar_sizes_text
from schemas import ULID_PATTERN, UserIdPath, api_responses, body_responses
from security import BEARER, CurrentClaims

router = Router()
TAGS = ["avatars"]

AvatarId = Annotated[str, Path(pattern=ULID_PATTERN, description="a ULID")]
UserId = UserIdPath
Size = Annotated[AvatarSize, Query(description=avatar_sizes_text())]
# The placeholder only changes with a deploy: a day fresh, then revalidated in the background.
_PLACEHOLDER_CACHE = "public, max-age=86400, stale-while-revalidate=604800"
_DELETED = TypeAdapter(DeletedAvatar)


@router.post("/me/avatar/uploads", status_code=201, tags=TAGS, security=BEARER,
             summary="Start an upload: a presigned S3 POST form for a new avatar",
             responses=body_responses(400, 401, 429, success=201, description="The form to POST"))
def start_upload(body: UploadRequest, claims: CurrentClaims) -> UploadStarted:
    return UploadStarted.model_validate(avatar_uploads.start_avatar_upload(claims["sub"], body))


@router.get("/me/avatar", tags=TAGS, security=BEARER, summary="Your current avatar's URLs",
            responses=api_responses(401, 404))
def get_current(claims: CurrentClaims, size: Size = DEFAULT_SIZE) -> CurrentAvatar:
    return CurrentAvatar.model_validate(avatars.current_avatar(claims["sub"], size))


@router.delete("/me/avatar", tags=TAGS, security=BEARER,
               summary="Delete your current avatar (restorable for the grace period)",
               responses=body_responses(401, 404, 409, 429, description="The deleted avatar"))
def delete_current(claims: CurrentClaims) -> AvatarDetail:
    return AvatarDetail.model_validate(avatar_changes.delete_current_avatar(claims["sub"]))


@router.post("/me/avatar/default", status_code=201, tags=TAGS, security=BEARER,
             summary="Replace your avatar with a freshly generated default",
             responses=body_responses(401, 409, 429, success=201, description="The new avatar"))
def regenerate_default(claims: CurrentClaims) -> AvatarDetail:
    return AvatarDetail.model_validate(avatar_changes.regenerate_default_avatar(claims["sub"]))


@router.get("/me/avatars", tags=TAGS, security=BEARER,
            summary="Your avatars, newest first: current, pending, rejected and restorable",
            responses=api_responses(400, 401))
def history(claims: CurrentClaims, limit: Annotated[int, Query(ge=1, le=100)] = 20,
            cursor: Annotated[str | None, Query(max_length=200)] = None) -> AvatarHistory:
    return AvatarHistory.model_validate(avatars.avatar_history(claims["sub"], limit=limit, cursor=cursor))


@router.get("/me/avatars/<avatar_id>", tags=TAGS, security=BEARER,
            summary="One of your avatars (poll it after uploading)", responses=api_responses(401, 404))
def get_one(avatar_id: AvatarId, claims: CurrentClaims) -> AvatarDetail:
    return AvatarDetail.model_validate(avatars.get_avatar(claims["sub"], avatar_id))


@router.delete("/me/avatars/<avatar_id>", tags=TAGS, security=BEARER,
               summary="Delete one of your avatars (a ready one is restorable for the grace period)",
               responses=body_responses(401, 404, 409, 429, description=(
                   "A ready avatar: soft-deleted (status deleted, with restorable_until). A rejected "
                   "or expired one: its record removed (status removed)")))
def delete_one(avatar_id: AvatarId, claims: CurrentClaims) -> DeletedAvatar:
    return _DELETED.validate_python(avatar_changes.delete_avatar(claims["sub"], avatar_id))


@router.post("/me/avatars/<avatar_id>/restore", tags=TAGS, security=BEARER,
             summary="Make a deleted avatar current again, within the grace period",
             responses=body_responses(401, 404, 409, 410, description="The restored avatar"))
def restore(avatar_id: AvatarId, claims: CurrentClaims) -> AvatarDetail:
    return AvatarDetail.model_validate(avatar_changes.restore_avatar(claims["sub"], avatar_id))


@router.get("/users/<user_id>/avatar", tags=TAGS,
            summary="Redirect to a user's avatar image (or the placeholder): usable as <img src>",
            responses={**api_responses(404, success=302), 302: {
                "description": "Found: the image is at Location",
                "headers": {"Location": {"schema": {"type": "string"}}}, "content": {}}})
def user_avatar(user_id: UserId, size: Size = DEFAULT_SIZE) -> Response[None]:
    redirect = avatars.public_avatar_location(user_id, size)
    return Response(status_code=302, body=None, headers={
        "Location": redirect.location, "Cache-Control": f"public, max-age={redirect.max_age}"})


@router.get("/avatars/default", tags=TAGS, summary="The placeholder avatar (PNG)",
            responses={**api_responses(), 200: {"description": "A neutral silhouette", "content": {
                "image/png": {"schema": {"type": "string", "format": "binary"}}}}})
def default_image(size: Size = DEFAULT_SIZE):  # no return annotation: bytes are not validated as JSON
    return Response(status_code=200, content_type="image/png", body=avatars.default_avatar_image(size),
                    headers={"Cache-Control": _PLACEHOLDER_CACHE})
