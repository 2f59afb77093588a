"""Portfolio images as the API serves them (their removal: media_removal.py).

An image is its owner's; anyone may see a ready image that belongs to a
project (projects are public), and nobody else learns that any other image
exists (404, as for any id that is not yours).
"""
from __future__ import annotations

from dataclasses import dataclass

from portrait.errors import NotFound
from portrait import metric_catalogue as M
from portrait.observability import emit
from portrait.services.cursors import Page, after_cursor, after_id
from portrait.services.portfolio.media_removal import remove_media
from portrait.services.portfolio.projects import find_project, owned_project
from portrait.services.portfolio.views import MediaView, media_view
from portrait.store.portfolio import media as store
from portrait.store.portfolio.media import READY, Media



def _not_found() -> NotFound:
    return NotFound("no such image", code="media_not_found")


def get_media(media_id: str, viewer_id: str | None) -> MediaView:
    """The owner sees any status; anyone else only a ready image of a project."""
    media = store.get_media(media_id)
    if media is None:
        raise _not_found()
    if media.user_id != viewer_id and not (media.project_id and media.status == READY):
        raise _not_found()
    return media_view(media, for_owner=media.user_id == viewer_id)


def _page(items: list[Media], last: str | None, *, for_owner: bool = False) -> Page:
    return Page(items=[media_view(m, for_owner=for_owner) for m in items],
                next_cursor=after_cursor(last))


def _after(cursor: str | None) -> str | None:
    return after_id(cursor)


def list_project_media(project_id: str, *, limit: int, cursor: str | None) -> Page:
    """A project's ready images, newest first (public)."""
    find_project(project_id)
    return _page(*store.list_project_media(project_id, limit=limit, after=_after(cursor),
                                           status=READY))


def list_my_media(user_id: str, *, project_id: str | None, limit: int,
                  cursor: str | None) -> Page:
    """Your images of any status, newest first; with `project_id`, that project's only."""
    if project_id is None:
        return _page(*store.list_user_media(user_id, limit=limit, after=_after(cursor)),
                     for_owner=True)
    owned_project(user_id, project_id)
    return _page(*store.list_project_media(project_id, limit=limit, after=_after(cursor)),
                 for_owner=True)


@dataclass(frozen=True)
class Removed:
    media_id: str
    status: str = "deleted"


def delete_media(user_id: str, media_id: str) -> Removed:
    """DELETE /media/{id}: the owner's image, record and objects; a project whose cover
    it was loses its cover."""
    media = store.get_media(media_id)
    if media is None or media.user_id != user_id:
        raise _not_found()
    remove_media(media)
    emit(M.MEDIA_DELETED)
    return Removed(media_id)
