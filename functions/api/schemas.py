"""Reply shapes of the HTTP API (request bodies are the services' own models)."""
from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, ConfigDict, Field, computed_field

from admin_schemas import StorageCounts
from avatar_schemas import CurrentAvatar
from portrait.auth.roles import ROLES
from portrait.services.accounts.profiles import Profile
from portrait.services.accounts.sessions import Session

if TYPE_CHECKING:  # the type only: handlers reach records through services
    from portrait.store.users import User

# Ids in paths are the ULIDs the API hands out: anything else can name nothing.
ULID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
UserIdPath = Annotated[str, Path(pattern=ULID_PATTERN, description="a user id (ULID)")]

class PublicUser(BaseModel):
    """What anyone may see about a user: no email, no role, no balance."""

    model_config = ConfigDict(from_attributes=True)

    user_id: str
    username: str
    name: str
    bio: str | None = None
    title: str | None = None
    contact: str | None = None
    social_links: dict[str, str] = Field(default_factory=dict)
    avatar_id: str | None = None
    avatar: CurrentAvatar | None = Field(None, description="the current avatar's URLs (medium as `url`)")
    created_at: str

    @computed_field(description="the same as user_id, for clients that read `id`")
    @property
    def id(self) -> str:
        return self.user_id

    @classmethod
    def of(cls, profile: Profile) -> Self:
        return cls.model_validate({**asdict(profile.user), "avatar": profile.avatar})


class PrivateUser(PublicUser):
    """What a user sees about themself."""

    email: str
    role: Literal[ROLES]  # type: ignore[valid-type]
    credits: int = 0
    updated_at: str


class RegisterReply(BaseModel):
    """The new account: the user as login and /me answer it, under `user`; `user_id` and
    `message` beside it for the clients that read only those (seed 002's)."""

    user: PrivateUser
    user_id: str = Field(description="the same as user.user_id")
    message: str = Field("account created", examples=["account created"])

    @classmethod
    def of(cls, account: User) -> Self:
        # No avatar yet: the default one is drawn once the new user reaches the table's stream.
        user = PrivateUser.of(Profile(user=account, avatar=None))
        return cls(user=user, user_id=user.user_id)


class TokenPair(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    access_token: str
    refresh_token: str
    token_type: str = Field(examples=["Bearer"])
    expires_in: int = Field(description="seconds until the access token expires")


class LoginReply(TokenPair):
    user: PrivateUser

    @classmethod
    def of(cls, session: Session) -> Self:
        tokens = TokenPair.model_validate(session).model_dump()
        return cls(**tokens, user=PrivateUser.of(Profile(user=session.user, avatar=session.avatar)))


class RefreshTokenBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    refresh_token: str = Field(min_length=16, max_length=128)


class Message(BaseModel):
    message: str


class Claims(BaseModel):
    """The verified claims of an access token."""

    model_config = ConfigDict(extra="allow")

    sub: str
    role: Literal[ROLES]  # type: ignore[valid-type]
    iss: str
    aud: str | list[str]
    iat: int
    exp: int


class Jwk(BaseModel):
    kty: Literal["EC"]
    crv: Literal["P-256"]
    x: str
    y: str
    kid: str
    alg: Literal["ES256"]
    use: Literal["sig"]


class Jwks(BaseModel):
    keys: list[Jwk]


class CatalogueProgress(BaseModel):
    seeded: int = Field(description="Catalogue poses stored so far", examples=[300])
    expected: int = Field(description="Poses in the whole catalogue", examples=[928])
    complete: bool = Field(description="whether every catalogue pose is stored")


class Health(BaseModel):
    status: Literal["ok", "fail"]
    version: str = Field(description="The deployed code's version", examples=["0.1.0"])
    checks: dict[str, str] = Field(description='check -> "ok", "skipped" or what failed')
    catalogue: CatalogueProgress | None = Field(
        None, description="How much of the pose catalogue is stored (null when the table "
                          "cannot be read)")
    storage: StorageCounts | None = Field(
        None, description="Objects and bytes by prefix as last listed (hourly), with the "
                          "listing's time and age (null when the counts cannot be read)")


class ErrorDetail(BaseModel):
    code: str = Field(examples=["invalid_request"])
    message: str
    details: list[dict[str, Any]] | None = None
    balance: int | None = Field(None, description="402 only: your balance, unchanged")
    cost: int | None = Field(None, description="402 only: what the request would have cost")


class ErrorReply(BaseModel):
    error: ErrorDetail


_ERROR_DESCRIPTIONS = {
    400: "Invalid input, or a body that is not valid JSON (invalid_json)",
    401: "Missing, invalid or expired credentials",
    402: "Not enough credits (the balance and the cost are in the error)",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict (`conflict`: another request changed the record meanwhile; retry)",
    410: "Gone",
    415: "The body is not JSON (send Content-Type: application/json)",
    422: "Request validation failed",
    429: "Rate limited (see Retry-After)",
    503: "Not configured or unavailable",
}


def body_responses(*error_statuses: int, success: int = 200,
                   description: str = "Successful Response") -> dict[int, OpenAPIResponse]:
    """api_responses for a POST, PUT, PATCH or DELETE: the edge (edge.py) may also refuse
    its body, as not JSON (415) or JSON it will not read (400 invalid_json), and a write
    that keeps losing a race to another request answers 409 conflict (retryable)."""
    return api_responses(400, 409, 415, *error_statuses, success=success,
                         description=description)


def api_responses(*error_statuses: int, success: int = 200,
                  description: str = "Successful Response") -> dict[int, OpenAPIResponse]:
    """OpenAPI responses of a route: its success (schema from the return annotation)
    and the errors it can answer, always including our shape of the 422."""
    responses: dict[int, OpenAPIResponse] = {success: {"description": description}}
    for status in sorted({422, *error_statuses}):
        responses[status] = {
            "description": _ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"model": ErrorReply}},
        }
    return responses
