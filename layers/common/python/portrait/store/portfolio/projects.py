"""Project records: one item per project, and the owner's project count beside it.

Creating and deleting a project move the owner's `project_count` in the same
transaction, so the per-user cap holds under any concurrency. Every change
adds one to `version` and is conditioned on the version the caller read (or,
for the cover, on the cover itself), so no update is lost and the stream's
images tell each change apart.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from portrait.errors import Conflict, NotFound
from portrait.store.models import (UserItem, bound, condition_failed, transaction_condition_failed,
                                   transaction_connection)
from portrait.store.portfolio.models import ProjectItem


@dataclass(frozen=True)
class Project:
    project_id: str
    user_id: str
    username: str
    title: str
    created_at: str
    updated_at: str
    version: int
    description: str | None = None
    tags: tuple[str, ...] = ()
    link: str | None = None
    thumbnail_media_id: str | None = None
    thumbnail_key: str | None = None


class ProjectChanged(Conflict):
    """The project changed between our read and our write (another request won)."""

    code = "project_changed"


class ProjectLimitReached(Conflict):
    code = "project_limit_reached"


def _ordered_tags(tags: set[str] | None, order: str | None) -> tuple[str, ...]:
    if not tags:
        return ()
    given = [t for t in (order or "").split(",") if t in tags]
    return tuple(given + sorted(tags - set(given)))


def from_item(item: ProjectItem) -> Project:
    return Project(
        project_id=item.project_id, user_id=item.user_id, username=item.username,
        title=item.title, created_at=item.created_at, updated_at=item.updated_at,
        version=int(item.version), description=item.description,
        tags=_ordered_tags(item.tags, item.tag_order), link=item.link,
        thumbnail_media_id=item.thumbnail_media_id, thumbnail_key=item.thumbnail_key)


def from_image(image: dict[str, Any]) -> Project:
    """A project from a stream image, as Powertools deserialises it (sets, Decimals)."""
    values = {name: image.get(name) for name in Project.__dataclass_fields__}
    values["tags"] = _ordered_tags(set(image.get("tags") or ()), image.get("tag_order"))
    values["version"] = int(image.get("version") or 0)
    return Project(**values)


def _tag_attributes(tags: tuple[str, ...]) -> dict[str, Any]:
    # Tags never contain commas (services.portfolio.projects validates them).
    return {"tags": set(tags) or None, "tag_order": ",".join(tags) or None}


def _user(model: type[UserItem], user_id: str) -> UserItem:
    return model(f"user#{user_id}")


def create_project(project: Project, *, limit: int) -> None:
    """Store a new project and count it; ProjectLimitReached when the owner has `limit`."""
    projects, users = bound(ProjectItem), bound(UserItem)
    values = {k: v for k, v in project.__dict__.items() if k != "tags" and v is not None}
    item = projects(**values, **_tag_attributes(project.tags))
    under_limit = users.project_count.does_not_exist() | (users.project_count < limit)
    try:
        with TransactWrite(connection=transaction_connection(projects)) as tx:
            tx.save(item, condition=projects.project_id.does_not_exist())
            tx.update(_user(users, project.user_id), actions=[users.project_count.add(1)],
                      condition=users.pk.exists() & under_limit)
    except TransactWriteError as exc:
        reasons = [r.code if r else None for r in exc.cancellation_reasons or []]
        if "ConditionalCheckFailed" in reasons:
            # PynamoDB may reorder the items; the project id is new, so the user failed.
            raise ProjectLimitReached(f"you have {limit} projects, the most one account "
                                      "may keep; delete one first") from None
        raise


def get_project(project_id: str) -> Project | None:
    try:
        return from_item(bound(ProjectItem).get(project_id, consistent_read=True))
    except ProjectItem.DoesNotExist:
        return None


def list_user_projects(user_id: str, *, limit: int, after: str | None
                       ) -> tuple[list[Project], str | None]:
    """Newest first (project ids are ULIDs), after the project id `after`; the index is
    eventually consistent, so a project created a moment ago may be missing."""
    start = ({"user_id": {"S": user_id}, "project_id": {"S": after}} if after else None)
    result = bound(ProjectItem).by_user.query(user_id, scan_index_forward=False, limit=limit,
                                              last_evaluated_key=start)
    items = [from_item(item) for item in result]
    last = result.last_evaluated_key
    return items, (last["project_id"]["S"] if last else None)


def iter_all_projects(*, page_size: int = 100) -> Iterator[Project]:
    for item in bound(ProjectItem).scan(page_size=page_size):
        yield from_item(item)


def count_projects() -> int:
    """Exact (Model.count() without a key reads DescribeTable's count, hours stale)."""
    return sum(1 for _ in bound(ProjectItem).scan(attributes_to_get=["project_id"]))


def update_project(project: Project, changes: dict[str, Any], *, now_iso: str) -> Project:
    """Apply `changes` (None removes an attribute) to the version read; ProjectChanged
    if it moved on meanwhile, NotFound if it is gone."""
    projects = bound(ProjectItem)
    if "tags" in changes:
        changes = {**{k: v for k, v in changes.items() if k != "tags"},
                   **_tag_attributes(tuple(changes["tags"] or ()))}
    actions = [getattr(projects, name).remove() if value is None
               else getattr(projects, name).set(value) for name, value in changes.items()]
    actions += [projects.updated_at.set(now_iso), projects.version.add(1)]
    item = projects(project.project_id)
    try:
        item.update(actions=actions, condition=projects.version == project.version)
    except UpdateError as exc:
        if condition_failed(exc):
            if get_project(project.project_id) is None:
                raise NotFound("no such project", code="project_not_found") from None
            raise ProjectChanged("the project changed meanwhile; read it again") from None
        raise
    return from_item(item)


def set_cover(project_id: str, *, media_id: str, key: str, now_iso: str,
              only_if_unset: bool) -> Project | None:
    """The project's cover becomes this image; None if the project is gone or (with
    `only_if_unset`) already has a cover."""
    projects = bound(ProjectItem)
    condition = projects.project_id.exists()
    if only_if_unset:
        condition &= projects.thumbnail_media_id.does_not_exist()
    item = projects(project_id)
    try:
        item.update(actions=[projects.thumbnail_media_id.set(media_id),
                             projects.thumbnail_key.set(key), projects.updated_at.set(now_iso),
                             projects.version.add(1)], condition=condition)
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return from_item(item)


def clear_cover(project_id: str, *, media_id: str, now_iso: str) -> bool:
    """Remove the cover if it is still this image; False otherwise."""
    projects = bound(ProjectItem)
    try:
        projects(project_id).update(
            actions=[projects.thumbnail_media_id.remove(), projects.thumbnail_key.remove(),
                     projects.updated_at.set(now_iso), projects.version.add(1)],
            condition=projects.thumbnail_media_id == media_id)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def delete_project(project: Project) -> None:
    """Remove the project (the version read) and uncount it, in one transaction."""
    projects, users = bound(ProjectItem), bound(UserItem)
    try:
        with TransactWrite(connection=transaction_connection(projects)) as tx:
            tx.delete(projects(project.project_id), condition=projects.version == project.version)
            tx.update(_user(users, project.user_id), actions=[users.project_count.add(-1)],
                      condition=users.project_count > 0)
    except TransactWriteError as exc:
        if transaction_condition_failed(exc):
            raise ProjectChanged("the project changed meanwhile; read it again") from None
        raise
