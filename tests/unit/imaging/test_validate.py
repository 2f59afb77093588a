from __future__ import annotations

import time
import warnings

import pytest
from PIL import Image, ImageFile

from portrait.errors import ImageRejected
from portrait.imaging import validate
from portrait.imaging.validate import AVATAR_LIMITS, decode, probe

from . import corpus
from .corpus import CORPUS, FIVE_MB, encode, png_with_header, quadrants


def reason_of(data: bytes, **limits) -> str:
    with pytest.raises(ImageRejected) as caught:
        probe(data, max_bytes=limits.pop("max_bytes", FIVE_MB), **limits)
    assert caught.value.code == caught.value.reason  # the API maps `code`
    return caught.value.reason


@pytest.mark.parametrize("sample", CORPUS, ids=lambda s: s.name)
def test_corpus_outcome(sample):
    data = sample.build()
    if sample.outcome == "ok":
        info = probe(data, max_bytes=FIVE_MB)
        assert info.format == sample.format
        assert info.bytes == len(data)
    else:
        assert reason_of(data) == sample.outcome


def test_source_info_records_what_the_file_is():
    info = probe(corpus.gif_animated(), max_bytes=FIVE_MB)
    facts = (info.format, info.width, info.height, info.frames, info.mode)
    assert facts == ("gif", 160, 160, 3, "P")
    info = probe(corpus.jpeg_cmyk(), max_bytes=FIVE_MB)
    facts = (info.format, info.width, info.height, info.frames, info.mode)
    assert facts == ("jpeg", 300, 300, 1, "CMYK")
    assert probe(corpus.png_gray16(), max_bytes=FIVE_MB).mode == "I;16"
    assert probe(corpus.webp_animated(), max_bytes=FIVE_MB).frames == 2


def test_the_6mb_jpeg_is_a_real_image_refused_only_for_its_size():
    data = corpus.jpeg_noise_6mb()
    assert 5.5e6 < len(data) < 7e6
    assert reason_of(data, max_bytes=FIVE_MB) == "too_large"
    assert probe(data, max_bytes=8 * 1024 * 1024).width == 1600


def test_size_cap_is_inclusive():
    data = encode(quadrants(120, 120), "PNG")
    assert probe(data, max_bytes=len(data)).bytes == len(data)
    assert reason_of(data, max_bytes=len(data) - 1) == "too_large"


@pytest.mark.parametrize(
    ("size", "outcome"),
    [
        ((100, 100), "ok"),
        ((4096, 100), "ok"),
        ((99, 400), "dimensions_too_small"),
        ((400, 99), "dimensions_too_small"),
        ((4097, 120), "dimensions_too_large"),
        ((120, 4097), "dimensions_too_large"),
    ],
)
def test_dimension_limits(size, outcome):
    data = encode(Image.new("RGB", size, "white"), "PNG")
    if outcome == "ok":
        assert (probe(data, max_bytes=FIVE_MB).width, probe(data, max_bytes=FIVE_MB).height) == size
    else:
        assert reason_of(data) == outcome


def test_the_50000_square_header_is_refused_before_any_allocation():
    data = corpus.png_claims_50000()
    assert len(data) < 100
    started = time.perf_counter()
    assert reason_of(data) == "decompression_bomb"
    # Decoding 2.5 G pixels would take minutes and ~7.5 GB; refusing takes microseconds.
    assert time.perf_counter() - started < 0.5


def test_bomb_threshold_is_the_pixel_count_not_the_sides():
    # 30 MP is under Pillow's hard error (2 x 25 MP) but over the limit: its
    # warning is raised as an error, and our own check agrees.
    assert reason_of(png_with_header(6000, 5000)) == "decompression_bomb"
    # 20 MP: within the pixel budget, so the side limit speaks.
    assert reason_of(png_with_header(5000, 4000)) == "dimensions_too_large"
    # A lower pixel limit of the caller's applies too.
    small_budget = reason_of(encode(Image.new("L", (300, 300)), "PNG"), max_pixels=80_000)
    assert small_budget == "decompression_bomb"


def test_header_checks_come_before_decoding():
    # The IDAT holds one empty row: decoding would say "corrupt", so getting a
    # dimension reason proves the header was judged first.
    assert reason_of(png_with_header(5000, 300)) == "dimensions_too_large"
    assert reason_of(png_with_header(40, 300)) == "dimensions_too_small"
    assert reason_of(png_with_header(300, 300)) == "corrupt"


def test_an_oversized_webp_is_refused_before_pillow_opens_it(monkeypatch):
    # An extended-format header declaring a 16000 x 16000 canvas (the chunks
    # that would follow are never read).
    vp8x = b"\x00" * 4 + (16000 - 1).to_bytes(3, "little") + (16000 - 1).to_bytes(3, "little")
    body = b"WEBP" + b"VP8X" + len(vp8x).to_bytes(4, "little") + vp8x
    data = b"RIFF" + len(body).to_bytes(4, "little") + body

    def must_not_open(*args, **kwargs):
        raise AssertionError("Image.open called for a WebP whose header is over the limit")

    monkeypatch.setattr(validate.Image, "open", must_not_open)
    assert reason_of(data) == "decompression_bomb"


def test_the_bomb_warning_is_an_error_only_inside_decode():
    before = list(warnings.filters)
    assert reason_of(png_with_header(6000, 5000)) == "decompression_bomb"
    assert warnings.filters == before
    assert not any(action == "error" and category is Image.DecompressionBombWarning
                   for action, _, category, _, _ in warnings.filters)


def test_max_image_pixels_is_low_for_the_whole_process():
    assert Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS <= 25_000_000


@pytest.mark.parametrize(
    "build",
    [
        corpus.jpeg_truncated,
        lambda: encode(quadrants(300, 300), "PNG")[:-40],  # cut inside the IDAT
        lambda: encode(quadrants(300, 300), "GIF")[:-30],
        lambda: encode(quadrants(300, 300), "WEBP", quality=80)[:-60],
        lambda: png_with_header(300, 300, idat=b"not zlib at all"),
        lambda: b"\xff\xd8\xff\xe0" + b"\x00" * 200,  # JPEG magic, nothing real after it
        lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
    ],
    ids=["jpeg-cut", "png-cut", "gif-cut", "webp-cut", "png-bad-zlib", "jpeg-garbage",
         "png-garbage"],
)
def test_truncated_or_corrupt_files_are_corrupt(build):
    assert reason_of(build()) == "corrupt"


def test_a_truncated_jpeg_is_caught_even_when_shrunk_on_load():
    data = encode(quadrants(2400, 2200), "JPEG", quality=90)
    assert decode(data, at_least=1024).scale == 2
    with pytest.raises(ImageRejected) as caught:
        decode(data[: len(data) * 7 // 10], at_least=1024)
    assert caught.value.reason == "corrupt"


def test_refuses_to_run_with_truncated_loading_enabled(monkeypatch):
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError, match="LOAD_TRUNCATED_IMAGES"):
        decode(corpus.jpeg_truncated())


def test_shrink_on_load_keeps_the_short_side_at_least_the_target():
    data = encode(quadrants(4000, 3000), "JPEG", quality=80)
    decoded = decode(data, AVATAR_LIMITS, at_least=1024)
    assert decoded.scale == 2 and decoded.image.size == (2000, 1500)
    # The source's size, not the decode's.
    assert (decoded.info.width, decoded.info.height) == (4000, 3000)
    assert decode(data, at_least=300).scale == 8  # 500 x 375 still covers 300


@pytest.mark.parametrize("sample", [s for s in CORPUS if s.outcome != "ok"],
                         ids=lambda s: s.name)
def test_users_see_one_fixed_sentence_per_reason_and_the_logs_the_detail(sample):
    with pytest.raises(ImageRejected) as caught:
        probe(sample.build(), max_bytes=FIVE_MB)
    rejection = caught.value
    assert rejection.message == validate.public_message(rejection.reason, AVATAR_LIMITS)
    for internal in ("<_io", "0x", "PIL", "Pillow", "cannot identify", "50000000", "Error"):
        assert internal not in rejection.message
    assert rejection.detail  # what exactly went wrong, for the log


def test_the_sentences_name_the_documented_limits():
    assert "25 megapixels" in validate.public_message("decompression_bomb")
    assert "5 MB" in validate.public_message("too_large")
    assert "100 pixels" in validate.public_message("dimensions_too_small")
    assert "4096 pixels" in validate.public_message("dimensions_too_large")


# Fuzzing finds, kept as regression tests (tests/fuzz, `make fuzz`).
FUZZ_FINDINGS = {
    # a 200x200 palette PNG whose PLTE chunk is gone: Pillow asserted in prepare
    "png_palette_without_plte": "iVBORw0KGgoAAAANSUhEUgAAAMgAAADIAQMAAACXljzdAAAALUlEQVR4nO3JMREAMAg"
                                "EsD/8i8VBu7KggGRN3tAZKhtjjDHGGGOMMcYYY8zN+WwZDnOJJDeAAAAAAE1FTkSu"
                                "QmCC",
}


@pytest.mark.parametrize("name", sorted(FUZZ_FINDINGS))
def test_fuzzing_finds_are_clean_rejections(name):
    import base64

    from tests.fuzz.image_target import check

    assert check(base64.b64decode(FUZZ_FINDINGS[name])) == "corrupt"
