"""Read the containers of encoded outputs, to prove what they hold and what not."""
from __future__ import annotations

import io
import struct

from PIL import Image


def webp_chunks(data: bytes) -> list[bytes]:
    """The RIFF chunk ids of a WebP file, in order."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP", "not a WebP file"
    assert struct.unpack("<I", data[4:8])[0] + 8 == len(data), "RIFF size disagrees with the file"
    chunks, offset = [], 12
    while offset < len(data):
        kind, size = data[offset:offset + 4], struct.unpack("<I", data[offset + 4:offset + 8])[0]
        chunks.append(kind)
        offset += 8 + size + (size & 1)
    return chunks


def webp_vp8x_flags(data: bytes) -> int | None:
    """VP8X feature flags (ICC 0x20, alpha 0x10, EXIF 0x08, XMP 0x04, animation 0x02)."""
    return data[20] if data[12:16] == b"VP8X" else None


def jpeg_markers(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, first bytes of payload) for each segment before the scan data."""
    assert data[:2] == b"\xff\xd8", "not a JPEG file"
    markers, offset = [], 2
    while offset < len(data):
        assert data[offset] == 0xFF, f"lost sync at {offset}"
        marker = data[offset + 1]
        size = struct.unpack(">H", data[offset + 2:offset + 4])[0]
        markers.append((marker, data[offset + 4:offset + 4 + 12]))
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        offset += 2 + size
    return markers


def assert_no_metadata(body: bytes, fmt: str, planted: tuple[bytes, ...] = ()) -> None:
    if fmt == "webp":
        chunks = webp_chunks(body)
        assert set(chunks) <= {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}, chunks
        flags = webp_vp8x_flags(body)
        if flags is not None:
            assert flags & (0x20 | 0x08 | 0x04) == 0, f"VP8X announces metadata: {flags:#x}"
    else:
        for marker, payload in jpeg_markers(body):
            # APP0 (JFIF) and APP14 (Adobe colour transform) are not metadata; every
            # other APPn (EXIF/XMP in APP1, ICC in APP2, IPTC in APP13) and COM are.
            assert marker not in {0xE1, 0xE2, 0xED, 0xFE}, (hex(marker), payload)
            assert not (0xE3 <= marker <= 0xEF and marker != 0xEE), (hex(marker), payload)
    for needle in (b"Exif\x00\x00", b"http://ns.adobe.com/xap", b"ICC_PROFILE", *planted):
        assert needle not in body, needle
    with Image.open(io.BytesIO(body)) as image:
        found = {"exif", "xmp", "icc_profile", "XML:com.adobe.xmp"} & image.info.keys()
        assert not found, found
        assert len(image.getexif()) == 0
