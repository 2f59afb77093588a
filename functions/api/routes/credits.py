"""/me/credits and /admin/users/{user_id}/credits."""
from __future__ import annotations


from aws_lambda_powertools.event_handler.api_gateway import Router

from generation_schemas import CreditBalanceReply, CreditGrantReply
from portrait.services.accounts import credits
from portrait.services.accounts.credits import GrantRequest
from schemas import UserIdPath, api_responses, body_responses
from security import BEARER, AdminClaims, CurrentClaims

router = Router()
TAGS = ["credits"]


@router.get("/me/credits", tags=TAGS, security=BEARER,
            summary="Your credit balance, and what generations cost",
            responses=api_responses(401, 404))
def my_credits(claims: CurrentClaims) -> CreditBalanceReply:
    return CreditBalanceReply.model_validate(credits.credit_balance(claims["sub"]))


@router.post("/admin/users/<user_id>/credits", tags=["admin"], security=BEARER,
             summary="Grant a user credits (administrators only; recorded with your id)",
             responses=body_responses(400, 401, 403, 404))
def grant(user_id: UserIdPath, body: GrantRequest,
          claims: AdminClaims) -> CreditGrantReply:
    return CreditGrantReply.model_validate(credits.grant_credits(claims["sub"], user_id, body))
