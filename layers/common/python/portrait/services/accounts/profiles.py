"""Profiles: what a user shows about themself, and the rules for changing it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from portrait import clock
from portrait.errors import NotFound
from portrait.services.accounts.registration import Name
from portrait.services.avatars.views import AvatarLinks
from portrait.services.avatars.reading import current_links
from portrait.store import users
from portrait.store.users import User
from portrait.text import MultiLine, SingleLine, is_web_url

MAX_BIO_LENGTH = 500

# Known networks and the hosts their profile URLs live on. None: any host
# (a personal website; a Mastodon instance).
SOCIAL_NETWORKS: dict[str, tuple[str, ...] | None] = {
    "github": ("github.com",),
    "gitlab": ("gitlab.com",),
    "linkedin": ("linkedin.com",),
    "x": ("x.com", "twitter.com"),
    "instagram": ("instagram.com",),
    "facebook": ("facebook.com",),
    "youtube": ("youtube.com",),
    "dribbble": ("dribbble.com",),
    "behance": ("behance.net",),
    "bluesky": ("bsky.app",),
    "mastodon": None,
    "website": None,
}
SocialNetwork = Literal[
    "github", "gitlab", "linkedin", "x", "instagram", "facebook", "youtube", "dribbble",
    "behance", "bluesky", "mastodon", "website",
]

_HANDLE = re.compile(r"^@?[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
_MASTODON_HANDLE = re.compile(r"^@?[A-Za-z0-9_]{1,30}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def social_link_problem(network: str, value: str) -> str | None:
    """Why `value` is no handle or profile URL for `network`, or None when it is one."""
    if value.startswith(("http://", "https://")):
        return None if is_web_url(value, SOCIAL_NETWORKS[network]) else (
            f"{network}: not a URL on {', '.join(SOCIAL_NETWORKS[network] or ('the web',))}"
        )
    if network == "website":
        return "website: must be an http(s) URL"
    handle = _MASTODON_HANDLE if network == "mastodon" else _HANDLE
    return None if handle.match(value) else f"{network}: not a valid handle"


class ProfileUpdate(BaseModel):
    """PATCH /me: only the fields sent change; null clears an optional field."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)

    name: Name | None = None
    bio: Annotated[str, Field(max_length=MAX_BIO_LENGTH), MultiLine] | None = None
    title: Annotated[str, Field(max_length=100, examples=["Illustrator"]), SingleLine] | None = None
    contact: Annotated[str, Field(max_length=200, examples=["ada@studio.example"]),
                       SingleLine] | None = None
    social_links: Annotated[
        dict[SocialNetwork, Annotated[str, Field(min_length=1, max_length=300), SingleLine]],
        Field(description="network -> handle or profile URL; replaces the whole map",
              examples=[{"github": "ada", "website": "https://ada.example"}]),
    ] | None = None

    @field_validator("name")
    @classmethod
    def _name_cannot_be_cleared(cls, name: str | None) -> str:
        if name is None:
            raise ValueError("name cannot be removed")
        return name

    @field_validator("social_links")
    @classmethod
    def _known_link_formats(cls, links: dict[str, str] | None) -> dict[str, str] | None:
        problems = [p for n, v in (links or {}).items() if (p := social_link_problem(n, v))]
        if problems:
            raise ValueError("; ".join(problems))
        return links


@dataclass(frozen=True)
class Profile:
    user: User
    avatar: AvatarLinks | None  # the current avatar's URLs; None without one


def get_profile(user_id: str) -> Profile:
    """The user behind `user_id`; NotFound when there is none (the caller picks the view)."""
    user = users.get_user(user_id)
    if user is None:
        raise NotFound("no such user", code="user_not_found")
    return Profile(user=user, avatar=current_links(user))


def update_profile(user_id: str, update: ProfileUpdate) -> Profile:
    changes = update.model_dump(include=update.model_fields_set)
    if "social_links" in changes and changes["social_links"] is None:
        changes["social_links"] = {}
    changes["updated_at"] = clock.now_iso()
    user = users.update_user(user_id, changes)
    return Profile(user=user, avatar=current_links(user))
