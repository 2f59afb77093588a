"""Pure image work on bytes for the avatar pipeline: no AWS, no I/O.

    validate (probe/decode) -> prepare (square, upright, sRGB) -> variants (encode)

and identicons for default avatars. Rejections raise
portrait.errors.ImageRejected with a machine-readable reason.

The names below load on first use: importing the package (or portrait.sizes beside it)
costs no Pillow, so code that only needs a name or a size stays light.
"""
from __future__ import annotations

from importlib import import_module

_HOMES = {
    "sniff": "formats",
    "identicon_png": "identicon", "render_identicon": "identicon",
    "AVATAR_LIMITS": "validate", "AVATAR_MAX_BYTES": "validate", "DecodedSource": "validate",
    "Limits": "validate", "SourceInfo": "validate", "decode": "validate", "probe": "validate",
    "Variant": "variants", "VariantSet": "variants", "make_variants": "variants",
}
__all__ = sorted([*_HOMES, "AVATAR_SIZES"])


def __getattr__(name: str):
    if name == "AVATAR_SIZES":
        from portrait.sizes import AVATAR_SIZES

        return AVATAR_SIZES
    if name in _HOMES:
        value = getattr(import_module(f"portrait.imaging.{_HOMES[name]}"), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'portrait.imaging' has no attribute {name!r}")
