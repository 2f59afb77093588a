"""Every pixel size Portrait makes, in one place and free of Pillow: the imaging code,
the API's views and schemas (and so the OpenAPI document) and, through the API's
replies, the web client all read them here. Adding an avatar size is one line below.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Literal, Mapping

# Avatar variants: name -> pixels a side, smallest first (replies list them in this order).
AVATAR_SIZES: Mapping[str, int] = MappingProxyType({
    "thumbnail": 64, "small": 128, "medium": 256, "large": 512, "full": 1024,
})
AVATAR_SIZE_NAMES: tuple[str, ...] = tuple(AVATAR_SIZES)
AvatarSize = Literal[AVATAR_SIZE_NAMES]  # type: ignore[valid-type]  # the names, for the API
DEFAULT_AVATAR_SIZE = "medium"

# AI portraits: quality -> pixels a side of the square output.
PORTRAIT_SIDES: Mapping[str, int] = MappingProxyType({"sd": 512, "hd": 1024})

# Portfolio images: the square thumbnail's side, and the display copies' rungs (pixels on
# the longer side, smallest first): a phone's column, a laptop's, a large or 2x screen.
# imaging.media.display_ladder says which of them a given picture gets.
MEDIA_THUMBNAIL_SIDE = 300
MEDIA_DISPLAY_SIDES: tuple[int, ...] = (640, 1280, 2048)


def avatar_sizes_text() -> str:
    """'64, 128, 256, 512 or 1024 pixels a side': the sizes as a sentence for the docs."""
    sides = [str(side) for side in AVATAR_SIZES.values()]
    return f"{', '.join(sides[:-1])} or {sides[-1]} pixels a side"
