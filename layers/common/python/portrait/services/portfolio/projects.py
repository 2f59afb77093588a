"""Portfolio projects: create, read, page, change, delete, and choose the cover.

Reads are public; only the owner changes a project (403 not_owner to anyone
else). Each write is one conditional store call; the events it means are
published from the table's stream (services.portfolio.domain_events).
"""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from portrait import clock
from portrait.config import get_settings
from portrait.errors import Forbidden, InvalidInput, NotFound
from portrait.ids import ULID_PATTERN, new_id
from portrait import metric_catalogue as M
from portrait.observability import emit
from portrait.services.cursors import Page, after_cursor, after_id
from portrait.services.portfolio.views import ProjectView, load_owner, owner_of, project_view
from portrait.store import users
from portrait.store.portfolio import media as media_store
from portrait.store.portfolio import projects as store
from portrait.store.portfolio.projects import Project
from portrait.text import MultiLine, SingleLine, is_web_url

MAX_TAGS = 20

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                  Field(examples=["Expense Tracker"]), SingleLine]
Description = Annotated[str, StringConstraints(max_length=5000),
                        Field(examples=["A simple finance app"]), MultiLine]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1,
                                       max_length=40), SingleLine]
Link = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2048),
                 Field(examples=["https://example.com"])]


def _tags(tags: list[str] | None) -> list[str] | None:
    """Trimmed and lower-cased (by Tag), then de-duplicated in the order given."""
    if tags is None:
        return None
    for tag in tags:
        if "," in tag:
            raise ValueError("a tag must not contain a comma")
    unique = list(dict.fromkeys(tags))
    if len(unique) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} different tags")
    return unique


def _link(link: str | None) -> str | None:
    if link is not None and not is_web_url(link):
        raise ValueError("must be an http or https URL, without spaces or control characters")
    return link


class ProjectCreate(BaseModel):
    """POST /projects (the portfolio clients' shape)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    title: Title
    description: Description | None = None
    tags: Annotated[list[Tag], Field(description=f"at most {MAX_TAGS}; trimmed, lower-cased, "
                                                 "de-duplicated", examples=[["react", "flask"]])] = []
    link: Link | None = None

    _checked_tags = field_validator("tags")(_tags)
    _checked_link = field_validator("link")(_link)


class ProjectUpdate(BaseModel):
    """PATCH (or PUT) /projects/{id}: only the fields sent change; null clears
    description, link or tags."""

    model_config = ConfigDict(extra="forbid", strict=True)

    title: Title | None = None
    description: Description | None = None
    tags: list[Tag] | None = None
    link: Link | None = None

    _checked_tags = field_validator("tags")(_tags)
    _checked_link = field_validator("link")(_link)

    @field_validator("title")
    @classmethod
    def _title_cannot_be_cleared(cls, title: str | None) -> str:
        if title is None:
            raise ValueError("title cannot be removed")
        return title


class CoverChoice(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    media_id: Annotated[str, Field(pattern=ULID_PATTERN.pattern, description="one of the project's "
                                                                      "ready images")]


def _not_found() -> NotFound:
    return NotFound("no such project", code="project_not_found")


def find_project(project_id: str) -> Project:
    project = store.get_project(project_id)
    if project is None:
        raise _not_found()
    return project


def owned_project(user_id: str, project_id: str) -> Project:
    """The project, if `user_id` owns it: 404 if there is none, 403 not_owner otherwise."""
    project = find_project(project_id)
    if project.user_id != user_id:
        raise Forbidden("only the project's owner may change it", code="not_owner")
    return project


def create_project(user_id: str, request: ProjectCreate) -> ProjectView:
    user = users.get_user(user_id)
    if user is None:
        raise NotFound("no such user", code="user_not_found")
    now = clock.now_iso()
    project = Project(project_id=new_id(), user_id=user_id, username=user.username,
                      title=request.title, description=request.description,
                      tags=tuple(request.tags), link=request.link, created_at=now,
                      updated_at=now, version=1)
    store.create_project(project, limit=get_settings().projects_per_user)
    emit(M.PROJECT_CREATED)
    return project_view(project, owner_of(user, user_id))


def get_project(project_id: str) -> ProjectView:
    project = find_project(project_id)
    return project_view(project, load_owner(project))


def list_user_projects(user_id: str, *, limit: int, cursor: str | None) -> Page:
    """A user's projects, newest first (an unknown user: 404, not an empty page)."""
    user = users.get_user(user_id)
    if user is None:
        raise NotFound("no such user", code="user_not_found")
    after = after_id(cursor)
    items, last = store.list_user_projects(user_id, limit=limit, after=after)
    owner = owner_of(user, user_id)
    return Page(items=[project_view(p, owner) for p in items],
                next_cursor=after_cursor(last))


def update_project(user_id: str, project_id: str, request: ProjectUpdate) -> ProjectView:
    project = owned_project(user_id, project_id)
    changes = request.model_dump(include=request.model_fields_set)
    if changes:
        project = store.update_project(project, changes, now_iso=clock.now_iso())
    return project_view(project, load_owner(project))


def delete_project(user_id: str, project_id: str) -> None:
    """The project goes now; its images go when project.deleted is consumed
    (ProjectCleanupFunction), so the reply never waits on object deletes."""
    store.delete_project(owned_project(user_id, project_id))
    emit(M.PROJECT_DELETED)


def choose_cover(user_id: str, project_id: str, choice: CoverChoice) -> ProjectView:
    """PUT /projects/{id}/thumbnail: one of the project's ready images becomes its cover."""
    owned_project(user_id, project_id)
    image = media_store.get_media(choice.media_id)
    if image is None or image.project_id != project_id:
        raise InvalidInput("the image is not one of this project's", code="media_not_in_project")
    if image.status != media_store.READY:
        raise InvalidInput("the image is not ready yet", code="media_not_ready")
    project = store.set_cover(project_id, media_id=image.media_id, key=image.thumbnail["key"],
                              now_iso=clock.now_iso(), only_if_unset=False)
    if project is None:
        raise _not_found()
    return project_view(project, load_owner(project))
