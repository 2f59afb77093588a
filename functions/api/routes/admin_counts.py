"""/admin/counts/*: the counts operators ask for (admins only), from stored figures:
the record counts kept by the streams, the storage totals listed hourly with their age."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from admin_schemas import AvatarCounts, GenerationCounts, StorageCounts, UserCounts
from portrait.services.counts import reading
from schemas import api_responses
from security import BEARER, AdminClaims

router = Router()
TAGS = ["admin"]


@router.get("/admin/counts/storage", tags=TAGS, security=BEARER,
            summary="Objects and bytes by prefix, as last listed (with the listing's age)",
            responses=api_responses(401, 403))
def storage_counts(claims: AdminClaims) -> StorageCounts:
    return StorageCounts.model_validate(reading.storage_counts())


@router.get("/admin/counts/avatars", tags=TAGS, security=BEARER,
            summary="Avatars by state: current, deleted awaiting purge, pending, rejected...",
            responses=api_responses(401, 403))
def avatar_counts(claims: AdminClaims) -> AvatarCounts:
    return AvatarCounts.model_validate(reading.avatar_counts())


@router.get("/admin/counts/users", tags=TAGS, security=BEARER,
            summary="Users, and users without an avatar", responses=api_responses(401, 403))
def user_counts(claims: AdminClaims) -> UserCounts:
    return UserCounts.model_validate(reading.user_counts())


@router.get("/admin/counts/generations", tags=TAGS, security=BEARER,
            summary="Generations by state", responses=api_responses(401, 403))
def generation_counts(claims: AdminClaims) -> GenerationCounts:
    return GenerationCounts.model_validate(reading.generation_counts())
