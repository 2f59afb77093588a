"""A validated upload re-encoded with nothing but its pixels: the copy we keep.

Re-encoding is the only dependable way to drop every metadata block (EXIF
with GPS, XMP, IPTC, comments, ICC): the pixels are decoded, turned upright
and into sRGB, and written by an encoder that is given no metadata at all.
A JPEG stays a JPEG (a PNG of a photo is several times larger); everything
else becomes a PNG (lossless, and it keeps transparency).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from portrait.imaging.faces import PHOTO_SIDE, Face, find_faces
from portrait.imaging.formats import CONTENT_TYPES
from portrait.imaging.prepare import upright_srgb
from portrait.imaging.validate import AVATAR_LIMITS, Limits, SourceInfo, decode

_JPEG_QUALITY = 92  # visually lossless for a photo that feeds a model


@dataclass(frozen=True)
class StrippedImage:
    body: bytes
    format: str  # "jpeg" | "png"
    content_type: str
    width: int  # upright
    height: int
    source: SourceInfo
    faces: tuple[Face, ...] | None = None  # on the upright pixels, when asked for


def stripped_copy(data: bytes, limits: Limits = AVATAR_LIMITS, *,
                  with_faces: bool = False) -> StrippedImage:
    """Validate `data` (ImageRejected with the reason if refused) and re-encode it
    upright, in sRGB, at full size, with no metadata; `with_faces`: and find its faces
    (faces.py, at PHOTO_SIDE: every face that matters, a group photo's too)."""
    source = decode(data, limits)
    image = upright_srgb(source, max(source.info.width, source.info.height))
    faces = tuple(find_faces(image, side=PHOTO_SIDE)) if with_faces else None
    fmt = "jpeg" if source.info.format == "jpeg" and image.mode == "RGB" else "png"
    out = io.BytesIO()
    if fmt == "jpeg":
        image.save(out, "JPEG", quality=_JPEG_QUALITY, optimize=True)
    else:
        image.save(out, "PNG", optimize=False, compress_level=6)
    return StrippedImage(body=out.getvalue(), format=fmt, content_type=CONTENT_TYPES[fmt],
                         width=image.width, height=image.height, source=source.info,
                         faces=faces)
