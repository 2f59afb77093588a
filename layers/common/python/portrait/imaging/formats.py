"""What kind of image a byte string is, from its magic numbers alone.

The file name and the client's Content-Type are never consulted: both are
chosen by the uploader. Only the four formats avatars accept are recognised;
anything else (SVG, HTML, BMP, TIFF, HEIC, empty) is None.
"""
from __future__ import annotations

import struct

# Our short names → Pillow's plugin names (Image.open(formats=...) takes these).
PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}
CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif"}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def sniff(data: bytes) -> str | None:
    """"jpeg", "png", "webp" or "gif" when the leading bytes say so, else None."""
    if data.startswith(b"\xff\xd8\xff"):  # SOI followed by the first marker
        return "jpeg"
    if data.startswith(_PNG_SIGNATURE):
        return "png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if len(data) >= 16 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        # RIFF alone is also WAV/AVI; the form type and a known first chunk decide.
        if data[12:16] in (b"VP8 ", b"VP8L", b"VP8X"):
            return "webp"
    return None


def webp_canvas_size(data: bytes) -> tuple[int, int] | None:
    """Width and height a WebP file declares, read from its first chunk.

    Needed before Image.open: Pillow's WebP plugin builds libwebp's animation
    decoder while opening, and that allocates two canvas-sized buffers (up to
    16383 x 16383 x 4 bytes each) before Pillow's own decompression-bomb check
    runs. For JPEG, PNG and GIF, opening reads the header only, so Pillow's
    reported size is checked before anything large exists.
    Returns None when the header is malformed.
    """
    if sniff(data) != "webp" or len(data) < 30:
        return None
    chunk = data[12:16]
    payload = data[20:]
    if chunk == b"VP8X":  # extended: 24-bit canvas width-1 and height-1
        if len(payload) < 10:
            return None
        width = int.from_bytes(payload[4:7], "little") + 1
        height = int.from_bytes(payload[7:10], "little") + 1
        return width, height
    if chunk == b"VP8 ":  # lossy: 3-byte frame tag, start code, then 14-bit sizes
        if len(payload) < 10 or payload[3:6] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", payload[6:10])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":  # lossless: signature byte, then 14-bit width-1 and height-1
        if len(payload) < 5 or payload[0] != 0x2F:
            return None
        bits = int.from_bytes(payload[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def webp_metadata(data: bytes) -> dict[str, bytes]:
    """The EXIF block, ICC profile and XMP packet a WebP carries ({"exif": ...,
    "icc_profile": ..., "xmp": ...}, each only if present), read from its RIFF chunks, as
    Pillow's plugin puts them in Image.info (getexif() reads an orientation from XMP)."""
    found: dict[str, bytes] = {}
    names = {b"EXIF": "exif", b"ICCP": "icc_profile", b"XMP ": "xmp"}  # XMP: orientation too
    offset, end = 12, min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    while offset + 8 <= end:
        kind = data[offset:offset + 4]
        length = int.from_bytes(data[offset + 4:offset + 8], "little")
        if kind in names:
            found[names[kind]] = data[offset + 8:offset + 8 + length]
        offset += 8 + length + (length & 1)  # chunks are padded to an even size
    return found


def gif_frame_count(data: bytes) -> int | None:
    """How many images a GIF holds, from its block structure alone (no pixel is decoded,
    and a sub-block costs one slice, not Pillow's two reads per sub-block in n_frames);
    None when the structure is malformed or truncated: the caller asks Pillow instead."""
    if not data.startswith((b"GIF87a", b"GIF89a")) or len(data) < 13:
        return None
    flags = data[10]
    offset = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)  # global colour table
    frames = 0
    try:
        while True:
            block = data[offset]
            if block == 0x3B:  # trailer
                return frames
            if block == 0x21:  # extension: label, then sub-blocks
                offset += 2
            elif block == 0x2C:  # image descriptor, local colour table, LZW code size
                frames += 1
                local = data[offset + 9]
                offset += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0) + 1
            else:
                return None
            while data[offset]:  # sub-blocks: a length byte, then that many bytes
                offset += data[offset] + 1
            offset += 1
    except IndexError:  # ran off the end: truncated
        return None
