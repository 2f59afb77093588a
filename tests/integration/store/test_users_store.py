"""Users and their uniqueness guards, on DynamoDB Local."""
from __future__ import annotations

import dataclasses

import pytest

from portrait.errors import Conflict, NotFound
from portrait.ids import new_id
from portrait.store import users
from portrait.store.aws import client
from portrait.store.users import User

pytestmark = pytest.mark.dynamodb_local


def make_user(**overrides) -> User:
    suffix = new_id().lower()
    values = dict(user_id=new_id(), username=f"Ada_{suffix[-10:]}", email=f"ada.{suffix}@example.com",
                  password_hash="$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA", role="user",
                  name="Ada", created_at="2026-01-01T00:00:00Z", updated_at="2026-01-01T00:00:00Z")
    values.update(overrides)
    return User(**values)


def _item_exists(store_env, pk: str) -> bool:
    return "Item" in client("dynamodb").get_item(TableName=store_env["USERS_TABLE"],
                                                 Key={"pk": {"S": pk}}, ConsistentRead=True)


def test_insert_then_read_back(store_env) -> None:
    user = make_user(social_links={"github": "ada"}, bio="Hi")
    users.insert_user(user)
    assert users.get_user(user.user_id) == user
    assert users.find_user_by_login(user.username.upper()) == user
    assert users.find_user_by_login(user.email.upper()) == user
    assert users.get_user(new_id()) is None
    assert users.find_user_by_login("nobody_at_all") is None


def test_taken_username_conflicts_and_writes_nothing(store_env) -> None:
    first = make_user()
    users.insert_user(first)
    second = make_user(username=first.username.upper())
    with pytest.raises(Conflict) as caught:
        users.insert_user(second)
    assert caught.value.code == "username_taken"
    # The transaction wrote nothing: neither the user nor its (free) email guard.
    assert users.get_user(second.user_id) is None
    assert not _item_exists(store_env, users.email_guard(second.email))


def test_taken_email_conflicts(store_env) -> None:
    first = make_user()
    users.insert_user(first)
    with pytest.raises(Conflict) as caught:
        users.insert_user(make_user(email=first.email.upper()))
    assert caught.value.code == "email_taken"


def test_update_sets_and_removes_attributes(store_env) -> None:
    user = make_user(bio="old bio", title="Engineer")
    users.insert_user(user)
    updated = users.update_user(user.user_id, {"bio": None, "name": "Ada King",
                                               "social_links": {"x": "@ada"}})
    assert updated == dataclasses.replace(user, bio=None, name="Ada King", social_links={"x": "@ada"})
    assert users.get_user(user.user_id) == updated


def test_update_of_a_missing_user_is_not_found(store_env) -> None:
    with pytest.raises(NotFound):
        users.update_user(new_id(), {"name": "Ghost"})
