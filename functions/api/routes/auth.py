"""/auth: register, login, refresh, logout, verify."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from portrait.services.accounts import registration as accounts

from portrait.services.accounts import sessions
from portrait.services.accounts.registration import Registration
from portrait.services.accounts.sessions import Credentials
from schemas import (Claims, LoginReply, Message, RefreshTokenBody, RegisterReply, TokenPair,
                     api_responses, body_responses)
from security import BEARER, CurrentClaims

router = Router()
TAGS = ["auth"]


@router.post("/auth/register", status_code=201, tags=TAGS, summary="Create an account",
             responses=body_responses(409, success=201, description="The new account"))
def register(body: Registration) -> RegisterReply:
    return RegisterReply.of(accounts.register_user(body))


@router.post("/auth/login", tags=TAGS, summary="Log in with username or email",
             responses=body_responses(401, 429, 503))
def login(body: Credentials) -> LoginReply:
    return LoginReply.of(sessions.login(body))


@router.post("/auth/refresh", tags=TAGS, summary="Rotate a refresh token for a new pair",
             responses=body_responses(401, 503))
def refresh(body: RefreshTokenBody) -> TokenPair:
    return TokenPair.model_validate(sessions.refresh_session(body.refresh_token))


@router.post("/auth/logout", tags=TAGS, summary="Revoke the session of a refresh token",
             responses=body_responses())
def logout(body: RefreshTokenBody) -> Message:
    sessions.logout(body.refresh_token)
    return Message(message="logged out")


@router.get("/auth/verify", tags=TAGS, security=BEARER, summary="The verified claims of an access token",
            responses=api_responses(401, 503))
def verify(claims: CurrentClaims) -> Claims:
    return Claims(**claims)
