from __future__ import annotations

import io

import pytest
from PIL import Image

from portrait.imaging.formats import gif_frame_count, sniff, webp_canvas_size

from .corpus import CORPUS, HTML_NAMED_JPG, SVG, encode, quadrants


@pytest.mark.parametrize("sample", [s for s in CORPUS if s.format], ids=lambda s: s.name)
def test_sniffs_each_accepted_sample(sample):
    assert sniff(sample.build()) == sample.format


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xd8",  # SOI without a marker after it
        HTML_NAMED_JPG,
        SVG,
        b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00",  # RIFF, but audio
        b"RIFF\x24\x00\x00\x00WEBPJUNK\x10\x00\x00\x00",  # WEBP form, unknown first chunk
        b"GIF90a" + b"\x00" * 20,
        b"\x00" * 64,
    ],
    ids=["empty", "bare-soi", "html", "svg", "wav", "webp-bad-chunk", "gif-bad-version", "zeros"],
)
def test_other_bytes_are_not_sniffed_as_images(data):
    assert sniff(data) is None


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO", "PPM"])
def test_real_images_in_other_formats_are_not_accepted(fmt):
    assert sniff(encode(Image.new("RGB", (120, 120), "red"), fmt)) is None


@pytest.mark.parametrize(
    "params",
    [
        {"quality": 80},
        {"lossless": True},
        {"quality": 80, "exif": b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00"},
    ],
    ids=["vp8", "vp8l", "vp8x"],
)
@pytest.mark.parametrize("size", [(321, 123), (16383, 1)])
def test_webp_canvas_size_reads_every_header_kind(params, size):
    data = encode(Image.new("RGB", size, "blue"), "WEBP", **params)
    assert webp_canvas_size(data) == size


def test_webp_canvas_size_refuses_a_malformed_header():
    data = bytearray(encode(quadrants(120, 120), "WEBP", quality=80))
    data[23:26] = b"\x00\x00\x00"  # break the VP8 start code
    assert webp_canvas_size(bytes(data)) is None


def _gif(frames: int, *, local_palettes: bool = False, comment: bool = False) -> bytes:
    images = [Image.new("RGB", (40, 30), (i * 30 % 256, 90, 200 - i * 20)) for i in range(frames)]
    if local_palettes:  # a different adaptive palette per frame: each gets a local table
        images = [image.quantize(colors=4 + i) for i, image in enumerate(images)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=50,
                   comment=b"made by a test" if comment else b"")
    return out.getvalue()


@pytest.mark.parametrize("frames", [1, 2, 9])
@pytest.mark.parametrize("local_palettes", [False, True])
def test_gif_frames_are_counted_from_the_block_structure_as_pillow_counts_them(frames,
                                                                               local_palettes):
    data = _gif(frames, local_palettes=local_palettes, comment=True)
    assert gif_frame_count(data) == Image.open(io.BytesIO(data)).n_frames == frames


def test_a_truncated_or_foreign_gif_structure_is_left_to_pillow():
    data = _gif(3)
    assert gif_frame_count(data[:-1]) is None  # no trailer
    assert gif_frame_count(data[: len(data) // 2]) is None
    for position in range(10, len(data)):  # any one byte spoiled: a count or None, never a crash
        spoiled = data[:position] + bytes([data[position] ^ 0xA5]) + data[position + 1:]
        assert gif_frame_count(spoiled) in (None, 0, 1, 2, 3, 4, 5, 6)
    assert gif_frame_count(b"GIF89a") is None and gif_frame_count(b"\x89PNG") is None
