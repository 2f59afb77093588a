"""A project as its events carry it (project.created / project.updated), in a module of its
own: the search index rebuild shapes every stored project the same way, and loads this,
not the whole event catalogue with every resource's view."""
from __future__ import annotations

from portrait.store import objects
from portrait.store.portfolio.projects import Project


def project_detail(project: Project) -> dict:
    """The portfolio clients' project payload (project_id, user_id, username, title,
    description, tags, thumbnail_url) and the rest of the record."""
    key = project.thumbnail_key
    return {"project_id": project.project_id, "user_id": project.user_id,
            "username": project.username, "title": project.title,
            "description": project.description, "tags": list(project.tags),
            "link": project.link, "thumbnail_url": objects.lasting_url(key) if key else None,
            "thumbnail_key": key, "thumbnail_media_id": project.thumbnail_media_id,
            "created_at": project.created_at, "updated_at": project.updated_at,
            "version": project.version}
