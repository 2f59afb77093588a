"""Users and the guard items that keep usernames and emails unique.

A user is written together with `username#<name>` and `email#<address>` guard
items in one transaction, each conditioned on not existing yet: two people
racing for one name cannot both win, and no user exists without its guards.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterator

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from portrait.errors import Conflict, NotFound
from portrait.store import credits
from portrait.store.models import (
    GuardItem,
    UserItem,
    bound,
    TX_OLD,
    condition_failed,
    failed_condition_keys,
    transaction_connection,
)

PROFILE_FIELDS = ("name", "bio", "title", "contact", "social_links")


@dataclass(frozen=True)
class User:
    user_id: str
    username: str
    email: str
    password_hash: str
    role: str
    name: str
    created_at: str
    updated_at: str
    bio: str | None = None
    title: str | None = None
    contact: str | None = None
    social_links: dict[str, str] = field(default_factory=dict)
    avatar_id: str | None = None
    credits: int = 0


def _user_pk(user_id: str) -> str:
    return f"user#{user_id}"


def username_guard(username: str) -> str:
    return f"username#{username.lower()}"


def email_guard(email: str) -> str:
    return f"email#{email.lower()}"


def _from_item(item: UserItem) -> User:
    values = {name: getattr(item, name) for name in User.__dataclass_fields__}
    values["social_links"] = item.social_links.as_dict() if item.social_links else {}
    values["credits"] = int(item.credits or 0)
    return User(**values)


def insert_user(user: User) -> None:
    """Create the user (with its opening balance, `credits`, and that grant's ledger entry);
    Conflict(username_taken | email_taken) if either is claimed."""
    users, guards = bound(UserItem), bound(GuardItem)
    item = users(_user_pk(user.user_id), **asdict(user))
    username_item = guards(username_guard(user.username), user_id=user.user_id)
    email_item = guards(email_guard(user.email), user_id=user.user_id)
    try:
        with TransactWrite(connection=transaction_connection(users)) as tx:
            tx.save(item, condition=users.pk.does_not_exist(), return_values=TX_OLD)
            tx.save(username_item, condition=guards.pk.does_not_exist(), return_values=TX_OLD)
            tx.save(email_item, condition=guards.pk.does_not_exist(), return_values=TX_OLD)
            if user.credits > 0:  # the initial grant, in the ledger from the first moment
                credits.save_new_entry(tx, credits.opening_entry(user.user_id, user.credits,
                                                                 now_iso=user.created_at))
    except TransactWriteError as exc:
        taken = failed_condition_keys(exc)
        if username_item.pk in taken:
            raise Conflict("this username is taken", code="username_taken") from None
        if email_item.pk in taken:
            raise Conflict("an account with this email exists", code="email_taken") from None
        raise


def get_user(user_id: str) -> User | None:
    try:
        return _from_item(bound(UserItem).get(_user_pk(user_id), consistent_read=True))
    except UserItem.DoesNotExist:
        return None


def iter_users(*, page_size: int = 100) -> Iterator[User]:
    """Every user (a scan: for operator commands, never a request), without their guard
    items. Eventually consistent: a user written a moment ago may be missing."""
    model = bound(UserItem)
    for item in model.scan(filter_condition=model.pk.startswith("user#"), page_size=page_size):
        yield _from_item(item)


def find_user_by_login(login: str) -> User | None:
    """The user whose email (when `login` has an @) or username is `login`, any case."""
    guard_pk = email_guard(login) if "@" in login else username_guard(login)
    try:
        guard = bound(GuardItem).get(guard_pk, consistent_read=True)
    except GuardItem.DoesNotExist:
        return None
    return get_user(guard.user_id)


def update_user(user_id: str, changes: dict[str, Any]) -> User:
    """Set the given attributes (None removes one); NotFound if the user is gone."""
    users = bound(UserItem)
    actions = []
    for name, value in changes.items():
        attribute = getattr(users, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    item = users(_user_pk(user_id))
    try:
        item.update(actions=actions, condition=users.pk.exists())
    except UpdateError as exc:
        if condition_failed(exc):
            raise NotFound("no such user", code="user_not_found") from None
        raise
    return _from_item(item)
