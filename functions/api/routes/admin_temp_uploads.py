"""/admin/temp-uploads: look at and clean up abandoned direct uploads (admins only)."""
from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from admin_schemas import TempSessionRemoved, TempSweepReply, TempUploadList
from portrait.services.hygiene import temp_uploads_admin
from portrait.services.hygiene.temp_uploads_admin import DeleteAllTempUploads, TempSweepRequest
from schemas import ULID_PATTERN, api_responses, body_responses
from security import BEARER, AdminClaims

router = Router()
TAGS = ["admin"]

UploadId = Annotated[str, Path(pattern=ULID_PATTERN, description="a ULID")]


@router.get("/admin/temp-uploads", tags=TAGS, security=BEARER,
            summary="Temporary uploads (tmp/) with their age, size and owner",
            responses=api_responses(400, 401, 403))
def list_temp_uploads(claims: AdminClaims,
                      limit: Annotated[int, Query(ge=1, le=temp_uploads_admin.MAX_PAGE)] = 100,
                      cursor: Annotated[str | None, Query(max_length=2048)] = None) -> TempUploadList:
    return TempUploadList.model_validate(temp_uploads_admin.list_temp_uploads(limit=limit, cursor=cursor))


@router.post("/admin/temp-uploads/sweep", tags=TAGS, security=BEARER,
             summary="Run the temporary-upload sweep now", responses=body_responses(401, 403))
def sweep(body: TempSweepRequest, claims: AdminClaims) -> TempSweepReply:
    return TempSweepReply.model_validate(
        temp_uploads_admin.sweep_now(body, admin_user_id=claims["sub"]).as_dict())


@router.delete("/admin/temp-uploads/<upload_id>", tags=TAGS, security=BEARER,
               summary="Remove one upload session (its pending avatar expires)",
               responses=body_responses(401, 403, 404))
def delete_one(upload_id: UploadId, claims: AdminClaims) -> TempSessionRemoved:
    return TempSessionRemoved.model_validate(
        temp_uploads_admin.delete_temp_upload(upload_id, admin_user_id=claims["sub"]))


@router.delete("/admin/temp-uploads", tags=TAGS, security=BEARER,
               summary=f'Delete every temporary upload (body {{"confirm": '
                       f'"{temp_uploads_admin.CONFIRM_DELETE_ALL}"}})',
               responses=body_responses(400, 401, 403))
def delete_all(claims: AdminClaims,
               body: Annotated[DeleteAllTempUploads | None, Body()] = None) -> TempSweepReply:
    # The body is optional here so that a missing one answers 400 confirmation_required, not 422.
    return TempSweepReply.model_validate(
        temp_uploads_admin.delete_all_temp_uploads(body, admin_user_id=claims["sub"]).as_dict())
