"""Creating accounts: the registration rules and the one place users are made.

The API's register route and the `portrait admin create-user` command both end
here, so an administrator is held to the same username, email and password
rules as anyone else.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from portrait import clock
from portrait.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    Passwords,
    password_policy_violation,
)
from portrait.auth.roles import ROLES, USER
from portrait.config import get_settings
from portrait.errors import InvalidInput
from portrait.ids import new_id
from portrait import metric_catalogue as M
from portrait.observability import emit
from portrait.store import users
from portrait.store.users import User
from portrait.text import SingleLine

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,32}$"
# Pragmatic, not RFC 5322: one @, no spaces, a dotted domain of valid labels.
_EMAIL = re.compile(
    r"^[^@\s]{1,64}@(?=.{4,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)

Username = Annotated[str, Field(pattern=USERNAME_PATTERN, examples=["ada_l"],
                                description="3-32 of A-Z a-z 0-9 _ . -; unique in any case")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                 Field(examples=["Ada Lovelace"]), SingleLine]


def normalize_email(value: str) -> str:
    value = value.strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("not a valid email address")
    return value


Email = Annotated[str, Field(max_length=254, examples=["ada@example.com"],
                             description="compared case-insensitively"),
                  AfterValidator(normalize_email)]


class Registration(BaseModel):
    # No blanket whitespace stripping: a password is used exactly as typed.
    model_config = ConfigDict(extra="forbid", strict=True)

    username: Username
    email: Annotated[Email, Field(description="unique, compared case-insensitively")]
    password: Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH,
                                   description="8-128 characters, not the username or email")]
    # Optional: a client that sends only {username, email, password} gets its username as
    # display name (set by _name_defaults_to_username; the factory only marks it optional).
    name: Annotated[Name, Field(default_factory=str,
                                description="display name; the username when left out")]

    @field_validator("password")
    @classmethod
    def _password_policy(cls, password: str, info: ValidationInfo) -> str:
        # Fields validate in order, so username and email are in info.data when they are valid.
        problem = password_policy_violation(
            password, username=info.data.get("username", ""), email=info.data.get("email", "")
        )
        if problem:
            raise ValueError(problem)
        return password

    @model_validator(mode="after")
    def _name_defaults_to_username(self) -> Self:
        if "name" not in self.model_fields_set:
            self.name = self.username
        return self


@lru_cache(maxsize=4)
def _passwords(time_cost: int, memory_kib: int, parallelism: int) -> Passwords:
    return Passwords(time_cost=time_cost, memory_kib=memory_kib, parallelism=parallelism)


def passwords() -> Passwords:
    """The hasher for the current settings (kept per process: it holds the dummy hash)."""
    s = get_settings()
    return _passwords(s.password_hash_time_cost, s.password_hash_memory_kib, s.password_hash_parallelism)



def register_user(registration: Registration, *, role: str = USER) -> User:
    """Create an account; Conflict (username_taken | email_taken) if either is claimed."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}", code="invalid_role")
    now = clock.now_iso()
    user = User(
        user_id=new_id(),
        username=registration.username,
        email=registration.email,
        password_hash=passwords().hash(registration.password),
        role=role,
        name=registration.name,
        created_at=now,
        updated_at=now,
        credits=get_settings().initial_credits,  # granted in the transaction that creates the user
    )
    users.insert_user(user)
    emit(M.USER_REGISTERED)
    return user


def create_user(*, username: str, email: str, password: str, name: str, role: str = USER) -> User:
    """register_user for callers outside the API (the admin CLI): same rules, plain arguments."""
    try:
        registration = Registration(username=username, email=email, password=password, name=name)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidInput(problems) from None
    return register_user(registration, role=role)
