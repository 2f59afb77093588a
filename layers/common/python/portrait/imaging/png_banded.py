"""A PNG decoded a band of rows at a time, each band reduced as soon as it exists.

PNG has no draft mode, and Pillow decodes the whole frame first (a 12 MP RGB PNG is 48 MB
in Pillow's 4-bytes-a-pixel layout, before any copy). Here zlib inflates the IDAT stream
a band at a time; each band's still-filtered rows are wrapped in a small PNG of their own
(stored, not compressed: a copy and a checksum) that Pillow unfilters and decodes; the
band is reduced by the integer factor and dropped. A PNG filter only looks one row up, so
each band starts with the previous band's last row, already unfiltered (filter type 0).
Peak memory: one band and the reduced image, about 20 MB for a 12 MP PNG instead of 60;
and with ISA-L inflating (the isal package), less CPU than Pillow's whole decode.

Plain 8-bit, non-interlaced PNGs only (grey, RGB, palette, grey+alpha, RGBA); anything
else returns None and is decoded whole by Pillow.
"""
from __future__ import annotations

import io
import math
import struct
import zlib
from collections.abc import Iterator

from PIL import Image

from portrait.imaging.modes import premultiplied, resizable, unpremultiplied

try:  # ISA-L inflates about twice as fast as zlib, with zlib's interface
    from isal import isal_zlib as _inflating
except ImportError:  # pragma: no cover - the layer pins isal; zlib is the fallback
    _inflating = zlib
_INFLATE_ERRORS = (zlib.error, getattr(_inflating, "error", zlib.error))

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> bytes per pixel at 8 bits
_BAND_BYTES = 2 * 1024 * 1024  # inflated rows per band (a 4000-wide RGB band: 174 rows)


class PngDecodeError(ValueError):
    """The stream ends early or does not inflate, or the header disagrees (a ValueError,
    as Pillow's decoders raise for malformed data)."""


def decode_reduced(data: bytes, factor: int, size: tuple[int, int]) -> Image.Image | None:
    """The PNG in `data`, reduced by `factor` (as Image.reduce would; alpha premultiplied
    while averaging), in L, LA, RGB or RGBA; None if this PNG is not one this module
    decodes. `size` is what its header was checked against (validate.py): a file that
    says otherwise here is refused. Raises PngDecodeError for a truncated or corrupt
    pixel stream."""
    bands = _bands(data, size, multiple=factor)
    if bands is None:
        return None
    width, height = size
    out = None
    for top, band in bands:
        reduced = band.reduce(factor)
        if out is None:
            out = Image.new(reduced.mode, (-(-width // factor), -(-height // factor)))
        out.paste(reduced, (0, top // factor))
    return _finished(out, bands)


def decode_resized(data: bytes, out_size: tuple[int, int],
                   size: tuple[int, int]) -> Image.Image | None:
    """The PNG in `data` resized to `out_size` with Lanczos as it decodes: each band joins
    a window of rows, and the output rows whose filter support the window now covers are
    made and the rows no later output row needs are dropped. Equal to one Lanczos resize
    of the whole frame (to a level: a window edge's float rounding moves a tap), without
    the whole frame ever in memory. Otherwise as decode_reduced."""
    bands = _bands(data, size)
    if bands is None:
        return None
    width, height = size
    out_width, out_height = out_size
    scale = height / out_height
    reach = 3 * max(scale, 1.0) + 2  # Lanczos-3's support in source rows, and a row spare
    out = window = None
    window_top = made = 0
    for top, band in bands:
        if window is None:
            window, window_top = band, top
        else:
            joined = Image.new(band.mode, (width, window.height + band.height))
            joined.paste(window, (0, 0))
            joined.paste(band, (0, window.height))
            window = joined
        bottom = top + band.height
        # Output row j is centred on source row (j + 0.5) * scale: it is ready once the
        # window reaches `reach` rows below that (or the frame's last row).
        ready = out_height if bottom == height else min(
            out_height, max(made, math.floor((bottom - reach) / scale - 0.5) + 1))
        if ready > made:
            box = (0, made * scale - window_top, width, ready * scale - window_top)
            part = window.resize((out_width, ready - made), Image.Resampling.LANCZOS, box=box)
            if out is None:
                out = Image.new(part.mode, out_size)
            out.paste(part, (0, made))
            made = ready
            keep = max(window_top, math.floor((made + 0.5) * scale - reach))
            window = window.crop((0, keep - window_top, width, window.height))
            window_top = keep
    return _finished(out, bands)


class _Bands:
    """The frame's rows, a band at a time, as (first row, premultiplied resizable band)."""

    def __init__(self, header: bytes, idat: list[memoryview], extra: list[bytes],
                 exif: bytes | None, band_rows: int) -> None:
        self.header, self.idat, self.extra, self.exif = header, idat, extra, exif
        self.band_rows = band_rows

    def __iter__(self) -> Iterator[tuple[int, Image.Image]]:
        width, height = struct.unpack(">II", self.header[:8])
        stride = width * _CHANNELS[self.header[9]] + 1
        inflate = _inflating.decompressobj()
        pending = iter(self.idat)
        previous = None  # the last row of the band before, unfiltered
        done = 0
        while done < height:
            rows = min(self.band_rows, height - done)
            raw = _inflate(inflate, pending, rows * stride)
            if len(raw) < rows * stride:
                raise PngDecodeError(f"the pixel stream ends after {done + len(raw) // stride} "
                                     f"of {height} rows")
            band = _decode_band(self.header, self.extra, width, rows, raw, previous)
            previous = band.crop((0, band.height - 1, width, band.height)).tobytes()
            if band.height > rows:  # drop the previous band's row we lent the filter
                band = band.crop((0, 1, width, band.height))
            yield done, premultiplied(resizable(band))
            done += rows
        # As Pillow: once every row is there the image is whole, whatever follows.


def _bands(data: bytes, size: tuple[int, int], multiple: int = 1) -> _Bands | None:
    """The bands of a PNG this module decodes (each a multiple of `multiple` rows), or None."""
    chunks = _chunks(data)
    if chunks is None:
        return None
    header, idat, extra, exif = chunks
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if (width, height) != size:
        raise PngDecodeError(f"the header says {width} x {height}, not {size[0]} x {size[1]}")
    if depth != 8 or interlace or colour not in _CHANNELS:
        return None
    if colour == 3 and not any(chunk[4:8] == b"PLTE" for chunk in extra):
        return None  # a palette image without its palette: Pillow's path refuses it
    stride = width * _CHANNELS[colour] + 1  # each row starts with its filter type
    band_rows = max(multiple, _BAND_BYTES // stride // multiple * multiple)
    return _Bands(header, idat, extra, exif, band_rows)


def _finished(out: Image.Image, bands: _Bands) -> Image.Image:
    out = unpremultiplied(out)
    if bands.exif is not None:  # eXIf may follow the pixels, where Pillow's header read stops
        out.info["exif"] = bands.exif
    return out


def _chunks(data: bytes) -> tuple[bytes, list[memoryview], list[bytes], bytes | None] | None:
    """IHDR's payload, the IDAT payloads, the chunks a band needs (PLTE, tRNS) and the
    eXIf payload, read as Pillow reads them: IHDR first and once, PLTE and tRNS before
    the pixel data, which is one run of IDAT chunks (what comes after is not pixels).
    None for an animated PNG (its first frame may not be the IDAT image)."""
    if not data.startswith(_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    view = memoryview(data)
    offset, header, idat, extra, exif, ended = 8, None, [], [], None, False
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        payload = view[offset + 8:offset + 8 + length]
        ended = ended or bool(idat) and kind != b"IDAT"
        if ended:  # the pixel data is over: a later IDAT is not part of it
            if kind == b"eXIf":  # Pillow reads a late eXIf too
                exif = bytes(payload)
            elif kind == b"IEND":
                break
        elif kind == b"IHDR":
            if header is not None:
                raise PngDecodeError("a second IHDR chunk")
            header = bytes(payload)
        elif kind == b"IDAT":
            idat.append(payload)
        elif kind in (b"PLTE", b"tRNS"):
            extra.append(data[offset:offset + 12 + length])
        elif kind == b"eXIf":
            exif = bytes(payload)
        elif kind == b"acTL":
            return None
        elif kind == b"IEND":
            break
        offset += 12 + length
    if header is None or len(header) != 13 or not idat:
        return None
    return header, idat, extra, exif


def _inflate(inflate, pending, wanted: int) -> bytes:
    """Up to `wanted` more bytes of the pixel stream. Input left over goes back in first;
    an empty input drains what the inflater holds (ISA-L keeps output, zlib keeps input)."""
    parts, have = [], 0
    while have < wanted and not inflate.eof:
        source = inflate.unconsumed_tail or next(pending, None)  # None: no chunk left
        try:
            part = inflate.decompress(source or b"", wanted - have)
        except _INFLATE_ERRORS as exc:
            raise PngDecodeError(f"the pixel stream does not inflate: {exc}") from None
        if not part and source is None:
            break  # no input left and nothing held back: the stream is short
        parts.append(part)
        have += len(part)
    return b"".join(parts)


def _decode_band(header: bytes, extra: list[bytes], width: int, rows: int, raw: bytes,
                 previous: bytes | None) -> Image.Image:
    if previous is not None:
        raw = b"".join((b"\x00", previous, raw))
        rows += 1
    band_header = struct.pack(">II", width, rows) + header[8:]
    png = b"".join([_SIGNATURE, _chunk(b"IHDR", band_header), *extra,
                    _chunk(b"IDAT", _stored(raw), checked=False), _chunk(b"IEND", b"")])
    band = Image.open(io.BytesIO(png), formats=["PNG"])
    band.load()
    return band


def _stored(raw: bytes) -> bytes:
    """A zlib stream of `raw` in stored (uncompressed) blocks: what zlib.compress(raw, 0)
    makes, without its per-byte work (only the Adler-32 checksum is computed)."""
    view = memoryview(raw)
    parts = [b"\x78\x01"]
    for start in range(0, len(raw), 0xFFFF):
        block = view[start:start + 0xFFFF]
        final = start + 0xFFFF >= len(raw)
        parts += (struct.pack("<BHH", final, len(block), len(block) ^ 0xFFFF), block)
    parts.append(struct.pack(">I", zlib.adler32(raw)))
    return b"".join(parts)


def _chunk(kind: bytes, payload: bytes, checked: bool = True) -> bytes:
    # Pillow checks the CRC of every chunk but the pixel data's (it reads IDAT raw), so
    # the band's IDAT, megabytes long, carries none worth computing.
    crc = zlib.crc32(payload, zlib.crc32(kind)) if checked else 0
    return b"".join((struct.pack(">I", len(payload)), kind, payload, struct.pack(">I", crc)))
