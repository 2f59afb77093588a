"""Registration and profile rules (pydantic models, no AWS)."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from portrait.services.accounts.registration import Registration, normalize_email
from portrait.services.accounts.profiles import ProfileUpdate, social_link_problem

GOOD = {"username": "Ada.L-1_", "email": " Ada@Example.COM ", "password": "correct horse battery",
        "name": "Ada"}


def test_registration_normalises_email_and_keeps_username() -> None:
    registration = Registration(**GOOD)
    assert registration.email == "ada@example.com"
    assert registration.username == "Ada.L-1_"


@pytest.mark.parametrize("email", ["ada@example.com", "a.b+tag@sub.example.co", "x@b.io"])
def test_valid_emails(email) -> None:
    assert normalize_email(email) == email.lower()


@pytest.mark.parametrize("email", ["", "ada", "ada@", "@example.com", "ada@example", "a b@example.com",
                                   "ada@@example.com", "ada@-bad.com", "ada@example.c",
                                   "a" * 65 + "@example.com", "ada@" + "a" * 250 + ".com"])
def test_invalid_emails(email) -> None:
    with pytest.raises(ValueError):
        normalize_email(email)


@pytest.mark.parametrize("change, field", [
    ({"username": "ab"}, "username"),
    ({"username": "a" * 33}, "username"),
    ({"username": "ada@home"}, "username"),  # an @ would make it look like an email at login
    ({"password": "ada.l-1_"}, "password"),
    ({"password": "ada@example.com"}, "password"),
    ({"name": "x" * 101}, "name"),
    ({"role": "admin"}, "role"),
])
def test_registration_rejections_name_the_field(change, field) -> None:
    with pytest.raises(ValidationError) as caught:
        Registration(**{**GOOD, **change})
    assert field in [e["loc"][0] for e in caught.value.errors()]


@pytest.mark.parametrize("network, value", [
    ("github", "ada"), ("github", "https://github.com/ada"), ("linkedin", "https://www.linkedin.com/in/ada"),
    ("x", "@ada_l"), ("x", "https://twitter.com/ada"), ("mastodon", "@ada@hachyderm.io"),
    ("mastodon", "https://hachyderm.io/@ada"), ("website", "https://ada.example/portfolio"),
    ("bluesky", "ada.bsky.social"),
])
def test_valid_social_links(network, value) -> None:
    assert social_link_problem(network, value) is None


@pytest.mark.parametrize("network, value", [
    ("github", "https://github.com.evil.example/ada"), ("github", "https://evilgithub.com/ada"),
    ("github", "ftp://github.com/ada"), ("github", "https://user:pw@github.com/ada"),
    ("github", "two words"), ("github", "<script>"), ("website", "ada"),
    ("mastodon", "ada"), ("x", "-starts-with-dash"),
])
def test_invalid_social_links(network, value) -> None:
    assert social_link_problem(network, value)


def test_profile_update_keeps_track_of_what_was_sent() -> None:
    update = ProfileUpdate(bio=None, title="  Painter  ")
    assert update.model_fields_set == {"bio", "title"}
    assert update.title == "Painter"
    with pytest.raises(ValidationError):
        ProfileUpdate(name=None)
    with pytest.raises(ValidationError):
        ProfileUpdate(social_links={"friendster": "ada"})
