"""A hand-built ICC v2 matrix/TRC profile with Adobe RGB (1998) primaries, and
the Adobe RGB -> sRGB conversion done independently (plain matrices), so a
test can check what lcms produced without asking lcms.
"""
from __future__ import annotations

import struct

# D50-adapted colorants and gamma of Adobe RGB (1998), as in Adobe's own profile.
_COLORANTS = {
    b"rXYZ": (0.60974, 0.31111, 0.01947),
    b"gXYZ": (0.20528, 0.62567, 0.06087),
    b"bXYZ": (0.14919, 0.06322, 0.74457),
}
_D50 = (0.9642, 1.0, 0.82491)
ADOBE_GAMMA = 563 / 256  # 2.19921875, stored as u8Fixed8


def _s15f16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(values: tuple[float, float, float]) -> bytes:
    return b"XYZ " + b"\x00" * 4 + b"".join(_s15f16(v) for v in values)


def adobe_rgb_profile() -> bytes:
    trc = b"curv" + b"\x00" * 4 + struct.pack(">IH", 1, round(ADOBE_GAMMA * 256)) + b"\x00\x00"
    text = b"Portrait test Adobe RGB\x00"
    desc = (b"desc" + b"\x00" * 4 + struct.pack(">I", len(text)) + text
            + b"\x00" * 8 + b"\x00" * 3 + b"\x00" * 67)  # empty Unicode and ScriptCode parts
    cprt = b"text" + b"\x00" * 4 + b"No copyright, test data\x00"
    tags = [(b"desc", desc), (b"cprt", cprt), (b"wtpt", _xyz(_D50)),
            *((sig, _xyz(v)) for sig, v in _COLORANTS.items()),
            (b"rTRC", trc), (b"gTRC", trc), (b"bTRC", trc)]

    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    table, body = struct.pack(">I", len(tags)), b""
    for sig, data in tags:
        data += b"\x00" * (-len(data) % 4)  # tags start on 4-byte boundaries
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = 128 + table_size + len(body)
    header = (struct.pack(">I", size) + b"lcms" + bytes([2, 0x10, 0, 0]) + b"mntr" + b"RGB "
              + b"XYZ " + b"\x00" * 12 + b"acsp" + b"\x00" * 24 + b"\x00" * 4  # rendering intent
              + b"".join(_s15f16(v) for v in _D50) + b"\x00" * 48)
    assert len(header) == 128
    return header + table + body


def adobe_to_srgb(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """Adobe RGB (1998) 8-bit -> sRGB 8-bit through XYZ (D65), the textbook way."""
    linear = [(c / 255) ** ADOBE_GAMMA for c in rgb]
    to_xyz = ((0.5767309, 0.1855540, 0.1881852),
              (0.2973769, 0.6273491, 0.0752741),
              (0.0270343, 0.0706872, 0.9911085))
    to_srgb = ((3.2404542, -1.5371385, -0.4985314),
               (-0.9692660, 1.8760108, 0.0415560),
               (0.0556434, -0.2040259, 1.0572252))
    xyz = [sum(m * c for m, c in zip(row, linear)) for row in to_xyz]
    srgb_linear = [min(1.0, max(0.0, sum(m * c for m, c in zip(row, xyz)))) for row in to_srgb]

    def encode(c: float) -> int:
        return round(255 * (12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055))

    return tuple(encode(c) for c in srgb_linear)  # type: ignore[return-value]
