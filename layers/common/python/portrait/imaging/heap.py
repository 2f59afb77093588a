"""Hand the C heap's free pages back to the kernel around a transparent image's encodes.

glibc keeps what a thread frees in that thread's arena and returns only the top of an
arena to the kernel. After a transparent source's decode and first resize about 30 MB
of freed pages stay resident, and libwebp's lossless alpha coder (about 20 bytes a
pixel) then grows the heap beyond them; in a warm Lambda the next image's decode piles
on what the coder left. malloc_trim(0) releases every whole free page of every arena,
so it runs twice per transparent image: before the encodes and after them.

Measured (12 MP RGBA PNG, avatar variants, peak RSS above the interpreter): 62-63 -> 57
MB for one image, 83 -> 67 MB over five in one process (the bench's transparent photo:
75 -> 59 and 122 -> 70). The encoders fault the pages in again: about 2-4 % more CPU on
transparent avatars, which opaque ones (well within their bound) do not pay. Portfolio
images do not use it: their 2000 px transparent display alone takes libwebp 60 MB, so
the bound is out of reach there, and the faults cost 5-6 % of their CPU. A
process-wide MALLOC_ARENA_MAX=1 saved as much for one image but cost every image 4-9 %
more CPU (the two encoder threads contend for one arena); Lambda bills the
milliseconds, not the megabytes used.
"""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    import ctypes  # here: only transparent images come this way (~3 ms of a cold start)

    try:
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # glibc only
    except (OSError, TypeError):  # pragma: no cover - Windows: CDLL(None) is a TypeError
        return None
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return the heap's free pages to the kernel; False where there is no glibc."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
