"""Which objects are public (served by the media CDN) and which only ever presigned."""
from __future__ import annotations

import pytest

from portrait.store import objects
from portrait.store.keys import (avatar_variant_key, generation_output_key,
                                 generation_source_key, is_public_key, media_display_key,
                                 media_original_key, pose_skeleton_key, tmp_upload_key)

USER, OTHER = "01J0000000000000000000USER", "01J000000000000000000OTHER"


@pytest.mark.parametrize("key", [
    avatar_variant_key(USER, OTHER, "medium", "webp"),
    pose_skeleton_key("standing-relaxed-front-full"),
    f"media/{USER}/{OTHER}/display.webp",  # images made before the size ladder
    media_display_key(USER, OTHER, 640),
    media_display_key(USER, OTHER, 2048),
    f"media/{USER}/{OTHER}/thumb.jpg",
])
def test_avatars_poses_and_media_renditions_are_public(key) -> None:
    assert is_public_key(key)


@pytest.mark.parametrize("key", [
    generation_output_key(USER, OTHER),
    generation_source_key(USER, OTHER, "jpeg"),
    tmp_upload_key("avatars", USER, OTHER),
    tmp_upload_key("media", USER, OTHER),
    f"media/{USER}/{OTHER}/original.png",
    *(media_original_key(USER, OTHER, fmt) for fmt in ("jpeg", "png", "webp", "gif")),
    f"media/{USER}/{OTHER}/display.webp.bak",
    "xavatars/a.webp",
])
def test_uploads_originals_and_generations_are_private(key) -> None:
    assert not is_public_key(key)


def test_a_private_object_never_gets_a_public_url() -> None:
    """Refused before any setting or AWS call: the CDN could not serve it anyway."""
    with pytest.raises(ValueError, match="not a public object"):
        objects.public_url(generation_output_key(USER, OTHER))


def test_an_original_is_named_by_its_sniffed_format() -> None:
    assert media_original_key(USER, OTHER, "jpeg") == f"media/{USER}/{OTHER}/original.jpg"
    assert media_original_key(USER, OTHER, "gif") == f"media/{USER}/{OTHER}/original.gif"
