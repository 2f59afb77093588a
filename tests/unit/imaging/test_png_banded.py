"""A large PNG decoded a band at a time (portrait.imaging.png_banded) must give exactly
what Pillow's whole decode and reduce() give, for every kind of PNG it takes."""
from __future__ import annotations

import io
import struct

import pytest
from PIL import Image, ImageChops

from portrait.errors import ImageRejected
from portrait.imaging import png_banded
from portrait.imaging.validate import decode

from .corpus import encode, exif_with, quadrants


@pytest.fixture(autouse=True)
def small_bands(monkeypatch):
    """Bands of a few rows, so a small test image crosses many band edges."""
    monkeypatch.setattr(png_banded, "_BAND_BYTES", 3000)


def photo_like(width: int, height: int) -> Image.Image:
    """Smooth gradients, sharp edges and noise: every PNG filter type gets used."""
    size = (width, height)
    colours = Image.merge("RGB", [Image.linear_gradient("L").resize(size),
                                  Image.radial_gradient("L").resize(size),
                                  Image.effect_noise(size, 40)])
    return Image.blend(quadrants(width, height).effect_spread(5), colours, 0.5)


def sources() -> dict[str, Image.Image]:
    rgb = photo_like(301, 203)
    rgba = rgb.convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(rgb.size).point(lambda v: 255 * (v // 32 % 2)))
    keyed = rgb.copy()
    keyed.info["transparency"] = rgb.getpixel((0, 0))
    palette_transparent = rgb.quantize(64)
    palette_transparent.info["transparency"] = 3
    return {"RGB": rgb, "RGBA": rgba, "L": rgb.convert("L"), "LA": rgba.convert("LA"),
            "P": rgb.quantize(200), "P+tRNS": palette_transparent, "RGB+tRNS": keyed}


def whole(data: bytes, factor: int) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    if image.mode == "P":
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    elif image.has_transparency_data and image.mode in ("L", "RGB"):
        image = image.convert("LA" if image.mode == "L" else "RGBA")
    return image.reduce(factor)


def png_of(kind: str) -> tuple[bytes, tuple[int, int]]:
    source = sources()[kind]
    params = {"transparency": source.info["transparency"]} if "transparency" in source.info else {}
    return encode(source, "PNG", **params), source.size


def difference(banded: Image.Image, expected: Image.Image) -> int:
    """The largest difference of any channel, in what shows: a clear pixel's colour
    is not part of it, so images with alpha are compared premultiplied."""
    assert banded.mode == expected.mode and banded.size == expected.size
    premultiplied = {"RGBA": "RGBa", "LA": "La"}.get(banded.mode)
    if premultiplied:
        banded, expected = banded.convert(premultiplied), expected.convert(premultiplied)
    extrema = ImageChops.difference(banded, expected).getextrema()
    return max(high for _, high in (extrema if isinstance(extrema[0], tuple) else [extrema]))


@pytest.mark.parametrize("kind", list(sources()))
@pytest.mark.parametrize("factor", [2, 3])
def test_bands_equal_the_whole_decode_reduced(kind, factor):
    data, size = png_of(kind)
    assert difference(png_banded.decode_reduced(data, factor, size), whole(data, factor)) == 0


def whole_resized(data: bytes, size: tuple[int, int]) -> Image.Image:
    image = whole(data, 1)
    straight = image.mode
    premultiplied = {"RGBA": "RGBa", "LA": "La"}.get(straight)
    if premultiplied:
        image = image.convert(premultiplied)
    return image.resize(size, Image.Resampling.LANCZOS).convert(straight)


@pytest.mark.parametrize("kind", list(sources()))
@pytest.mark.parametrize("out_size", [(154, 104), (100, 67), (280, 189)])
def test_bands_resized_as_they_decode_equal_one_lanczos_of_the_whole(kind, out_size):
    data, size = png_of(kind)
    banded = png_banded.decode_resized(data, out_size, size)
    assert banded.size == out_size
    # Each window's filter weights are computed afresh: a tap's rounding may move one level.
    assert difference(banded, whole_resized(data, out_size)) <= 1


def test_exif_after_the_pixels_is_kept():
    data = encode(photo_like(200, 100), "PNG")
    exif = exif_with(6).tobytes()
    end = data.rindex(b"IEND") - 4
    chunk = png_banded._chunk(b"eXIf", exif)
    with_exif = data[:end] + chunk + data[end:]
    assert png_banded.decode_reduced(with_exif, 2, (200, 100)).getexif().get(0x0112) == 6


@pytest.mark.parametrize("variant", ["interlaced", "16-bit", "4-bit palette", "animated"])
def test_pngs_it_does_not_take_are_left_to_pillow(variant):
    source = photo_like(120, 80)
    if variant == "interlaced":
        data = _interlaced(source)
    elif variant == "16-bit":
        data = encode(source.convert("I;16"), "PNG")
    elif variant == "4-bit palette":
        data = encode(source.quantize(16), "PNG")
    else:
        out = io.BytesIO()
        source.save(out, "PNG", save_all=True, append_images=[source.rotate(90)])
        data = out.getvalue()
    assert png_banded.decode_reduced(data, 2, source.size) is None


def _interlaced(image: Image.Image) -> bytes:
    """Pillow cannot write Adam7: flip the interlace byte of IHDR (and its CRC)."""
    data = bytearray(encode(image, "PNG"))
    header = bytes(data[16:29])[:12] + b"\x01"
    data[16:33] = png_banded._chunk(b"IHDR", header)[8:]
    return bytes(data)


def test_a_truncated_stream_is_an_error_not_a_short_image():
    data = encode(photo_like(300, 200), "PNG")
    start = data.index(b"IDAT") + 4
    cut = data[: start + (len(data) - start) // 2]
    with pytest.raises(png_banded.PngDecodeError):
        png_banded.decode_reduced(cut + png_banded._chunk(b"IEND", b""), 2, (300, 200))


def test_decode_takes_the_banded_path_when_the_caller_needs_it_smaller():
    data = encode(photo_like(400, 300), "PNG", exif=exif_with(3))
    assert decode(data).scale == 1 and decode(data).image.size == (400, 300)
    assert decode(data, at_least=200).scale == 1  # 300 // 200: no integer reduction
    source = decode(data, at_least=100)
    assert source.scale == 3 and source.image.size == (134, 100)
    assert source.info.mode == "RGB" and source.image.getexif().get(0x0112) == 3
    truncated = data[: len(data) * 2 // 3]
    with pytest.raises(ImageRejected) as caught:
        decode(truncated, at_least=100)
    assert caught.value.reason == "corrupt"


def test_isal_inflates_when_installed():
    assert png_banded._inflating.__name__ in ("isal.isal_zlib", "zlib")
    pytest.importorskip("isal")
    assert png_banded._inflating.__name__ == "isal.isal_zlib"


def _with_chunk_before_iend(data: bytes, chunk: bytes) -> bytes:
    end = data.rindex(b"IEND") - 4
    return data[:end] + chunk + data[end:]


def test_a_second_header_after_the_pixels_cannot_claim_a_larger_image():
    """Found in review: a late IHDR of 64 x 100000 would have been decoded as such,
    past the size checks made on the first one."""
    data = encode(photo_like(64, 64), "PNG")
    doubled = data[:33] + png_banded._chunk(b"IHDR", data[16:29]) + data[33:]
    with pytest.raises(png_banded.PngDecodeError):  # two headers before the pixels
        png_banded.decode_reduced(doubled, 2, (64, 64))
    late = png_banded._chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 100000, 8, 2, 0, 0, 0))
    # As Pillow reads it: what follows the pixel data is not the image's header.
    assert png_banded.decode_reduced(_with_chunk_before_iend(data, late), 2,
                                     (64, 64)).size == (32, 32)
    with pytest.raises(png_banded.PngDecodeError):  # a file whose only header differs
        png_banded.decode_reduced(data, 2, (64, 100000))


def test_pixel_data_interrupted_by_another_chunk_is_truncated_as_pillow_says():
    data = encode(photo_like(300, 200), "PNG", compress_level=1)
    start = data.index(b"IDAT") - 4
    length = struct.unpack(">I", data[start:start + 4])[0]
    stream = data[start + 8:start + 8 + length]
    half = len(stream) // 2
    split = (png_banded._chunk(b"IDAT", stream[:half]) + png_banded._chunk(b"tEXt", b"a\0b")
             + png_banded._chunk(b"IDAT", stream[half:]))
    spliced = data[:start] + split + data[start + 12 + length:]
    with pytest.raises(OSError):
        Image.open(io.BytesIO(spliced)).load()
    with pytest.raises(png_banded.PngDecodeError):
        png_banded.decode_reduced(spliced, 2, (300, 200))


def test_a_palette_that_comes_after_the_pixels_is_not_used():
    data = encode(photo_like(300, 200).quantize(200), "PNG")
    start = data.index(b"PLTE") - 4
    length = struct.unpack(">I", data[start:start + 4])[0]
    palette = data[start:start + 12 + length]
    moved = _with_chunk_before_iend(data[:start] + data[start + 12 + length:], palette)
    assert png_banded.decode_reduced(moved, 2, (300, 200)) is None  # Pillow's path refuses it


def test_empty_and_many_small_pixel_chunks_are_one_stream():
    """PNG allows empty IDAT chunks and any split of the stream between IDATs."""
    data = encode(photo_like(300, 200), "PNG")
    start = data.index(b"IDAT") - 4
    length = struct.unpack(">I", data[start:start + 4])[0]
    stream = data[start + 8:start + 8 + length]
    pieces = [stream[i:i + 997] for i in range(0, len(stream), 997)]
    chunks = b"".join(png_banded._chunk(b"IDAT", piece) + png_banded._chunk(b"IDAT", b"")
                      for piece in pieces)
    resplit = data[:start] + chunks + data[start + 12 + length:]
    expected = whole(data, 2)
    assert ImageChops.difference(png_banded.decode_reduced(resplit, 2, (300, 200)),
                                 expected).getbbox() is None
