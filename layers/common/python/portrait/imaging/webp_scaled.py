"""A still WebP decoded straight to a smaller size, by libwebp itself (shrink-on-load).

Pillow has no draft mode for WebP: it decodes the whole canvas through libwebp's
animation decoder, which holds two canvas-sized RGBA buffers besides Pillow's own
image (a 4096 x 4096 WebP: about 200 MB, and 330 ms of CPU). libwebp can scale while
it decodes (WebPDecoderOptions.use_scaling, an area-averaging rescaler), as libvips
does for its thumbnails. This module calls that through ctypes on the libwebp that
Pillow's wheel ships (pillow.libs/), so there is no second copy of the library.

Returns None whenever it cannot help (no such library, an animation, an unknown ABI):
the caller then decodes with Pillow as before. Struct layouts: libwebp's decode.h,
decoder ABI 0x0209, unchanged through 0x0210 (libwebp 1.6, in Pillow 13's wheel);
libwebp checks only the major byte. A lossless (VP8L) file is still decoded at full
size inside libwebp before scaling; a lossy one never is.
"""
from __future__ import annotations

import ctypes
import glob
import os
from functools import lru_cache

import PIL
from PIL import Image

_ABI = 0x0209
_MODE_RGB, _MODE_RGBA = 0, 1
# VP8StatusCode values that mean the file itself is bad; any other failure (out of
# memory, a parameter this libwebp refuses, an unsupported feature) hands it to Pillow.
_BITSTREAM_ERROR, _NOT_ENOUGH_DATA = 3, 7
_BAD_FILE = (_BITSTREAM_ERROR, _NOT_ENOUGH_DATA)


class _Features(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("has_alpha", ctypes.c_int),
                ("has_animation", ctypes.c_int), ("format", ctypes.c_int),
                ("pad", ctypes.c_uint32 * 5)]


class _RGBA(ctypes.Structure):
    _fields_ = [("rgba", ctypes.c_void_p), ("stride", ctypes.c_int), ("size", ctypes.c_size_t)]


class _YUVA(ctypes.Structure):
    _fields_ = [("y", ctypes.c_void_p), ("u", ctypes.c_void_p), ("v", ctypes.c_void_p),
                ("a", ctypes.c_void_p), ("y_stride", ctypes.c_int), ("u_stride", ctypes.c_int),
                ("v_stride", ctypes.c_int), ("a_stride", ctypes.c_int),
                ("y_size", ctypes.c_size_t), ("u_size", ctypes.c_size_t),
                ("v_size", ctypes.c_size_t), ("a_size", ctypes.c_size_t)]


class _Buffer(ctypes.Union):
    _fields_ = [("RGBA", _RGBA), ("YUVA", _YUVA)]


class _Output(ctypes.Structure):
    _fields_ = [("colorspace", ctypes.c_int), ("width", ctypes.c_int), ("height", ctypes.c_int),
                ("is_external_memory", ctypes.c_int), ("u", _Buffer),
                ("pad", ctypes.c_uint32 * 4), ("private_memory", ctypes.c_void_p)]


class _Options(ctypes.Structure):
    _fields_ = [(name, ctypes.c_int) for name in (
        "bypass_filtering", "no_fancy_upsampling", "use_cropping", "crop_left", "crop_top",
        "crop_width", "crop_height", "use_scaling", "scaled_width", "scaled_height",
        "use_threads", "dithering_strength", "flip", "alpha_dithering_strength")] + [
        ("pad", ctypes.c_uint32 * 5)]


class _Config(ctypes.Structure):
    _fields_ = [("input", _Features), ("output", _Output), ("options", _Options)]


@lru_cache(maxsize=1)
def _libwebp() -> ctypes.CDLL | None:
    wheel_libs = os.path.join(os.path.dirname(os.path.dirname(PIL.__file__)), "pillow.libs")
    for path in sorted(glob.glob(os.path.join(wheel_libs, "libwebp-*.so*"))):
        try:
            lib = ctypes.CDLL(path)
            lib.WebPInitDecoderConfigInternal.argtypes = [ctypes.POINTER(_Config), ctypes.c_int]
            lib.WebPGetFeaturesInternal.argtypes = [ctypes.c_char_p, ctypes.c_size_t,
                                                    ctypes.POINTER(_Features), ctypes.c_int]
            lib.WebPDecode.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(_Config)]
            return lib
        except (OSError, AttributeError):
            continue
    return None


class WebPDecodeError(ValueError):
    """libwebp refused the bitstream: truncated or corrupt (a ValueError, as Pillow's
    decoders raise for malformed data)."""


def decode_scaled(data: bytes, size: tuple[int, int]) -> Image.Image | None:
    """The still WebP in `data` decoded at `size` (RGBA if it has alpha, else RGB), or None
    when libwebp is not reachable here or the file is animated. Raises WebPDecodeError."""
    lib = _libwebp()
    if lib is None:
        return None
    config = _Config()
    if not lib.WebPInitDecoderConfigInternal(ctypes.byref(config), _ABI):
        return None
    status = lib.WebPGetFeaturesInternal(data, len(data), ctypes.byref(config.input), _ABI)
    if status in _BAD_FILE:
        raise WebPDecodeError(f"libwebp status {status} reading the features")
    if status != 0 or config.input.has_animation:
        return None
    alpha = bool(config.input.has_alpha)
    mode, channels = ("RGBA", 4) if alpha else ("RGB", 3)
    width, height = size
    pixels = ctypes.create_string_buffer(width * height * channels)
    config.options.use_scaling, config.options.scaled_width = 1, width
    config.options.scaled_height = height
    config.output.colorspace = _MODE_RGBA if alpha else _MODE_RGB
    config.output.is_external_memory = 1
    config.output.u.RGBA.rgba = ctypes.cast(pixels, ctypes.c_void_p)
    config.output.u.RGBA.stride = width * channels
    config.output.u.RGBA.size = len(pixels)
    status = lib.WebPDecode(data, len(data), ctypes.byref(config))
    if status in _BAD_FILE:
        detail = "truncated" if status == _NOT_ENOUGH_DATA else "a bitstream error"
        raise WebPDecodeError(f"libwebp could not decode the image: {detail}")
    if status != 0:
        return None
    return Image.frombuffer(mode, size, pixels, "raw", mode, 0, 1)
