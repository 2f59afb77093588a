"""/media and /me/media: portfolio images, uploaded straight to S3 like avatars."""
from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from portfolio_schemas import MediaDeleted, MediaPage, MediaReply, MediaUploadStarted, OriginalLink
from portrait.services.portfolio import media
from portrait.services.portfolio.originals import original_download
from portrait.services.portfolio.media_uploads import MediaUploadRequest, start_media_upload
from schemas import ULID_PATTERN, api_responses, body_responses
from security import BEARER, OPTIONAL_BEARER, CurrentClaims, OptionalClaims

router = Router()
TAGS = ["media"]

MediaId = Annotated[str, Path(pattern=ULID_PATTERN, description="an image id (ULID)")]


@router.post("/media/uploads", status_code=201, tags=TAGS, security=BEARER,
             summary="Start an upload: a presigned S3 POST form for a portfolio image",
             responses=body_responses(400, 401, 403, 404, 429, success=201,
                                      description="The form to POST"))
def start_upload(body: MediaUploadRequest, claims: CurrentClaims) -> MediaUploadStarted:
    return MediaUploadStarted.model_validate(start_media_upload(claims["sub"], body))


@router.get("/media/<media_id>", tags=TAGS, security=OPTIONAL_BEARER,
            summary="An image: yours in any status, anyone's ready image of a project",
            responses=api_responses(401, 404))
def get_one(media_id: MediaId, claims: OptionalClaims) -> MediaReply:
    return MediaReply.model_validate(media.get_media(media_id, claims["sub"] if claims else None))


@router.get("/media/<media_id>/original", tags=TAGS, security=BEARER,
            summary="Download your image's original, as uploaded: a redirect to a short-lived URL",
            responses={**api_responses(401, 404, 409, 410, success=302), 302: {
                "description": "Found: the original is at Location (a presigned URL, minutes "
                               "long, answered with Content-Disposition: attachment)",
                "headers": {"Location": {"schema": {"type": "string"}}}, "content": {}}})
def original(media_id: MediaId, claims: CurrentClaims) -> Response[None]:
    # Never cached: the edge marks every answer to a signed-in request no-store.
    return Response(status_code=302, body=None,
                    headers={"Location": original_download(claims["sub"], media_id).url})


@router.get("/media/<media_id>/original/link", tags=TAGS, security=BEARER,
            summary="The same download as JSON: for a browser, which cannot send its token "
                    "with a plain link",
            responses=api_responses(401, 404, 409, 410))
def original_link(media_id: MediaId, claims: CurrentClaims) -> OriginalLink:
    return OriginalLink.model_validate(original_download(claims["sub"], media_id))


@router.get("/me/media", tags=TAGS, security=BEARER,
            summary="Your images, newest first (poll while they are pending)",
            responses=api_responses(400, 401, 403, 404))
def mine(claims: CurrentClaims,
         project_id: Annotated[str | None, Query(pattern=ULID_PATTERN)] = None,
         limit: Annotated[int, Query(ge=1, le=100)] = 20,
         cursor: Annotated[str | None, Query(max_length=200)] = None) -> MediaPage:
    return MediaPage.model_validate(media.list_my_media(claims["sub"], project_id=project_id,
                                                        limit=limit, cursor=cursor))


@router.delete("/media/<media_id>", tags=TAGS, security=BEARER,
               summary="Delete one of your images (record and files)",
               responses=body_responses(401, 404))
def delete(media_id: MediaId, claims: CurrentClaims) -> MediaDeleted:
    return MediaDeleted.model_validate(media.delete_media(claims["sub"], media_id))
