"""What clients see of projects and images: owners' names and avatars, URLs
instead of keys. Thumbnails and display copies are public objects (a CDN URL
in production, a presigned GET locally); nothing here exposes an upload key,
and no reply carries a URL of an original (see MediaView.download_url).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from portrait.services.avatars.reading import current_links
from portrait.store import objects, users
from portrait.store.portfolio.media import READY, Media
from portrait.store.portfolio.projects import Project
from portrait.store.users import User



@dataclass(frozen=True)
class Owner:
    user_id: str
    username: str
    name: str
    avatar_url: str | None


@dataclass(frozen=True)
class ProjectView:
    project_id: str
    id: str  # the portfolio clients' name for it
    user_id: str
    username: str
    name: str
    avatar_url: str | None
    title: str
    description: str | None
    tags: list[str]
    link: str | None
    thumbnail_url: str | None
    thumbnail_media_id: str | None
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class DisplaySize:
    width: int
    height: int
    url: str | None  # None only in events without a CDN (they carry no expiring URL)


@dataclass(frozen=True)
class MediaView:
    media_id: str
    user_id: str
    project_id: str | None
    status: str
    original_filename: str | None
    mime_type: str | None
    width: int | None
    height: int | None
    bytes: int | None
    file_url: str | None  # the largest display copy
    thumbnail_url: str | None
    sizes: list[DisplaySize]  # the display copies, smallest first
    srcset: str | None  # the same, as an <img srcset> ("url 640w, url 1280w, ...")
    # The API route that redirects to the original (its owner's only), not a presigned
    # URL: presigning for every item of a list would cost a signature per image that
    # hardly anyone downloads, and put a URL of a private file in replies that get cached
    # and logged. The route signs one when it is asked, for one owner.
    download_url: str | None
    created_at: str
    updated_at: str
    ready_at: str | None
    reject_reason: str | None
    reject_message: str | None


def owner_of(user: User | None, user_id: str, username: str = "") -> Owner:
    """The owner as projects show them; an account closed meanwhile shows its username."""
    if user is None:
        return Owner(user_id=user_id, username=username, name=username, avatar_url=None)
    links = current_links(user)
    return Owner(user_id=user.user_id, username=user.username, name=user.name,
                 avatar_url=links.url if links else None)


def load_owner(project: Project) -> Owner:
    return owner_of(users.get_user(project.user_id), project.user_id, project.username)


def project_view(project: Project, owner: Owner) -> ProjectView:
    return ProjectView(
        project_id=project.project_id, id=project.project_id, user_id=project.user_id,
        username=owner.username, name=owner.name, avatar_url=owner.avatar_url,
        title=project.title, description=project.description, tags=list(project.tags),
        link=project.link,
        thumbnail_url=objects.public_url(project.thumbnail_key) if project.thumbnail_key else None,
        thumbnail_media_id=project.thumbnail_media_id, created_at=project.created_at,
        updated_at=project.updated_at)


def media_view(media: Media, *, for_owner: bool = False,
               url_of: Callable[[str], str | None] = objects.public_url) -> MediaView:
    """`for_owner`: the reply goes to the image's owner (who alone may download the
    original); public lists and other viewers get no download_url. `url_of` is
    objects.lasting_url for events (never an expiring URL)."""
    ready = media.status == READY
    display, original = media.display, media.original
    sizes = [DisplaySize(width=part["width"], height=part["height"],
                         url=url_of(part["key"]))
             for part in media.display_sizes] if ready else []
    return MediaView(
        media_id=media.media_id, user_id=media.user_id, project_id=media.project_id,
        status=media.status, original_filename=media.original_filename,
        mime_type=display.get("content_type") if ready else media.content_type,
        width=display.get("width"), height=display.get("height"),
        bytes=display.get("bytes") if ready else original.get("bytes"),
        file_url=sizes[-1].url if sizes else None,
        thumbnail_url=url_of(media.thumbnail["key"]) if ready else None,
        sizes=sizes, srcset=", ".join(f"{s.url} {s.width}w" for s in sizes if s.url) or None,
        download_url=(f"/media/{media.media_id}/original"
                      if for_owner and ready and original.get("key") else None),
        created_at=media.created_at, updated_at=media.updated_at, ready_at=media.ready_at,
        reject_reason=media.reject_reason, reject_message=media.reject_message)
