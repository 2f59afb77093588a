"""/me and /users/{user_id}: profiles."""
from __future__ import annotations


from aws_lambda_powertools.event_handler.api_gateway import Router

from portrait.services.accounts import profiles
from portrait.services.accounts.profiles import ProfileUpdate
from schemas import PrivateUser, PublicUser, UserIdPath, api_responses, body_responses
from security import BEARER, CurrentClaims

router = Router()
TAGS = ["profile"]


@router.get("/me", tags=TAGS, security=BEARER, summary="Your own profile",
            responses=api_responses(401, 404))
def get_me(claims: CurrentClaims) -> PrivateUser:
    return PrivateUser.of(profiles.get_profile(claims["sub"]))


@router.patch("/me", tags=TAGS, security=BEARER, summary="Change your profile",
              responses=body_responses(401, 404))
def patch_me(body: ProfileUpdate, claims: CurrentClaims) -> PrivateUser:
    return PrivateUser.of(profiles.update_profile(claims["sub"], body))


@router.get("/users/<user_id>", tags=TAGS, summary="A user's public profile",
            responses=api_responses(404))
def get_user(user_id: UserIdPath) -> PublicUser:
    return PublicUser.of(profiles.get_profile(user_id))
