"""Pure image work on bytes for the avatar pipeline: no AWS, no I/O.

    validate (probe/decode) -> prepare (square, upright, sRGB) -> variants (encode)

and identicons for default avatars. Rejections raise
portrait.errors.ImageRejected with a machine-readable reason.
"""
from portrait.imaging.formats import sniff
from portrait.imaging.identicon import identicon_png, render_identicon
from portrait.imaging.validate import (
    AVATAR_LIMITS,
    AVATAR_MAX_BYTES,
    DecodedSource,
    Limits,
    SourceInfo,
    decode,
    probe,
)
from portrait.imaging.variants import AVATAR_SIZES, Variant, VariantSet, make_variants

__all__ = [
    "AVATAR_LIMITS",
    "AVATAR_MAX_BYTES",
    "AVATAR_SIZES",
    "DecodedSource",
    "Limits",
    "SourceInfo",
    "Variant",
    "VariantSet",
    "decode",
    "identicon_png",
    "make_variants",
    "probe",
    "render_identicon",
    "sniff",
]
