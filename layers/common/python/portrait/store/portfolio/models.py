"""PynamoDB models of the portfolio tables (template.yaml: ProjectsTable, MediaTable).

Both are keyed by a ULID alone, so any id resolves with one strongly consistent
read; the `by_user` and `by_project` indexes page them newest first.
"""
from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from portrait.store.models import _Meta


class ProjectsByUser(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    project_id = UnicodeAttribute(range_key=True)


class ProjectItem(Model):
    """project_id; see portrait.store.portfolio.projects."""

    class Meta(_Meta):
        settings_field = "projects_table"

    project_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    username = UnicodeAttribute()  # the owner's account name, which never changes
    title = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    tags = UnicodeSetAttribute(null=True)  # no empty sets in DynamoDB: none is absent
    tag_order = UnicodeAttribute(null=True)  # the tags as given, comma-joined (a set has no order)
    link = UnicodeAttribute(null=True)
    thumbnail_media_id = UnicodeAttribute(null=True)  # the cover: one of the project's images
    thumbnail_key = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()  # milliseconds: the search index orders versions by it
    version = NumberAttribute()  # +1 on every write, conditioned on the one read

    by_user = ProjectsByUser()


class MediaByUser(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    media_id = UnicodeAttribute(range_key=True)


class MediaByProject(GlobalSecondaryIndex):
    """Sparse: only images of a project carry project_id."""

    class Meta:
        index_name = "by_project"
        projection = AllProjection()

    project_id = UnicodeAttribute(hash_key=True)
    media_id = UnicodeAttribute(range_key=True)


class PendingMediaIndex(GlobalSecondaryIndex):
    """Sparse: only images whose upload form waits carry pending_upload (the temp sweep)."""

    class Meta:
        index_name = "pending_uploads"
        projection = KeysOnlyProjection()

    pending_upload = UnicodeAttribute(hash_key=True)
    upload_expires_at = NumberAttribute(range_key=True)


class MediaItem(Model):
    """media_id (also the upload id of its tmp/media/ key); see portrait.store.portfolio.media."""

    class Meta(_Meta):
        settings_field = "media_table"

    media_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    project_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # pending | ready | rejected | expired
    content_type = UnicodeAttribute()  # what the form was issued for
    original_filename = UnicodeAttribute(null=True)  # display text only, never part of a key
    upload_key = UnicodeAttribute()
    upload_expires_at = NumberAttribute()
    pending_upload = UnicodeAttribute(null=True)
    # Ready images: the display copies (WebP) and the thumbnail (JPEG), and the original.
    display = MapAttribute(null=True)  # the largest copy: {key, width, height, bytes, content_type}
    sizes = MapAttribute(null=True)  # longer side -> {key, width, height, bytes, content_type}
    thumbnail = MapAttribute(null=True)  # {key, width, height, bytes, content_type}
    # {format, width, height, frames, bytes, etag}, and once kept {key, content_type,
    # storage_class}; a rejected image's has no key (its upload is not kept).
    original = MapAttribute(null=True)
    reject_reason = UnicodeAttribute(null=True)
    reject_message = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    ready_at = UnicodeAttribute(null=True)

    by_user = MediaByUser()
    by_project = MediaByProject()
    pending_uploads = PendingMediaIndex()


PORTFOLIO_MODELS: tuple[type[Model], ...] = (ProjectItem, MediaItem)
