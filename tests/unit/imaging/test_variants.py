from __future__ import annotations

import io
import math

import pytest
from PIL import Image, ImageChops, ImageOps, ImageStat

from portrait.errors import ImageRejected
from portrait.imaging import AVATAR_SIZES, make_variants
from portrait.imaging.prepare import REDUCING_GAP
from portrait.imaging.variants import webp_method_for

from . import corpus
from .corpus import ACCEPTED, BLUE, GREEN, GREY, RED, SECRETS, YELLOW, encode, exif_with, quadrants
from .icc import adobe_rgb_profile, adobe_to_srgb
from .inspect_output import assert_no_metadata

BOTH = ("webp", "jpeg")


def opened(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


def close(actual, expected, tolerance: int) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected))


def sizes_of(result, fmt="webp") -> dict[str, tuple[int, int]]:
    return {v.name: (v.width, v.height) for v in result.variants if v.format == fmt}


def test_five_squares_of_the_named_sizes_from_a_large_source():
    data = encode(quadrants(2400, 1600), "JPEG", quality=85)
    result = make_variants(data, formats=BOTH)
    assert [v.name for v in result.variants if v.format == "webp"] == [
        "full", "large", "medium", "small", "thumbnail"]
    for fmt in BOTH:
        assert sizes_of(result, fmt) == {name: (size, size) for name, size in AVATAR_SIZES.items()}
    for variant in result.variants:
        image = opened(variant.body)
        assert image.size == (variant.width, variant.height)
        assert image.format == {"webp": "WEBP", "jpeg": "JPEG"}[variant.format]
        assert variant.content_type == f"image/{variant.format}"
    assert (result.source.format, result.source.width, result.source.height) == ("jpeg", 2400, 1600)


@pytest.mark.parametrize(
    ("source_size", "expected"),
    [
        # The short side is what a centre square can have: 200.
        ((300, 200), {"thumbnail": 64, "small": 128, "medium": 200, "large": 200, "full": 200}),
        ((450, 300), {"thumbnail": 64, "small": 128, "medium": 256, "large": 300, "full": 300}),
        ((1024, 1400), {"thumbnail": 64, "small": 128, "medium": 256, "large": 512, "full": 1024}),
    ],
)
def test_never_upscales_and_records_real_dimensions(source_size, expected):
    result = make_variants(encode(quadrants(*source_size), "PNG"), formats=BOTH)
    for fmt in BOTH:
        assert sizes_of(result, fmt) == {name: (side, side) for name, side in expected.items()}
    for variant in result.variants:
        assert opened(variant.body).size == (variant.width, variant.height)


def test_capped_sizes_share_one_encode():
    result = make_variants(encode(quadrants(300, 200), "PNG"))
    assert result.get("full").body is result.get("large").body is result.get("medium").body


def test_centre_crop_keeps_the_middle_of_the_picture():
    # quadrants() paints only the centre square; grey outside it must not show.
    result = make_variants(encode(quadrants(900, 300), "PNG"))
    image = opened(result.get("full").body).convert("RGB")
    side = image.width
    q = side // 4
    points = ((q, q), (3 * q, q), (q, 3 * q), (3 * q, 3 * q))
    for (x, y), colour in zip(points, (RED, GREEN, BLUE, YELLOW)):
        assert close(image.getpixel((x, y)), colour, 12), ((x, y), image.getpixel((x, y)))
    for x in (0, side - 1):  # no grey band at the edges
        assert not close(image.getpixel((x, side // 2)), GREY, 20)


@pytest.mark.parametrize("sample", ACCEPTED, ids=lambda s: s.name)
def test_no_metadata_in_any_output(sample):
    result = make_variants(sample.build(), formats=BOTH)
    assert len(result.variants) == 10
    for variant in result.variants:
        assert_no_metadata(variant.body, variant.format, SECRETS)


def test_the_gps_source_really_carried_what_must_be_dropped():
    # Guards the test above: the planted metadata is in the source.
    data = corpus.jpeg_gps_orientation6()
    for secret in SECRETS:
        assert secret in data
    assert b"Exif\x00\x00" in data and b"http://ns.adobe.com/xap" in data


def test_orientation_6_turns_the_marks_to_where_a_viewer_sees_them():
    # Stored 400 x 300 with RED/GREEN on the left edge of the centre square;
    # orientation 6 means "rotate 90 degrees clockwise to view": RED ends top
    # right, GREEN top left, the bottom corners stay grey.
    result = make_variants(corpus.jpeg_gps_orientation6(), formats=BOTH)
    for fmt in BOTH:
        image = opened(result.get("full", fmt).body).convert("RGB")
        assert image.size == (300, 300)
        near, far = 20, 280
        assert close(image.getpixel((far, near)), RED, 30), image.getpixel((far, near))
        assert close(image.getpixel((near, near)), GREEN, 30), image.getpixel((near, near))
        assert close(image.getpixel((near, far)), GREY, 15)
        assert close(image.getpixel((far, far)), GREY, 15)
        small = opened(result.get("thumbnail", fmt).body).convert("RGB")
        assert close(small.getpixel((60, 3)), RED, 40) and close(small.getpixel((3, 3)), GREEN, 40)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_matches_pillows_exif_transpose(orientation):
    source = encode(quadrants(240, 160), "PNG", exif=exif_with(orientation))
    reference = ImageOps.fit(ImageOps.exif_transpose(Image.open(io.BytesIO(source))), (160, 160))
    image = opened(make_variants(source).get("full").body).convert("RGB")
    assert image.size == (160, 160)
    for x, y in ((40, 40), (120, 40), (40, 120), (120, 120)):
        assert close(image.getpixel((x, y)), reference.getpixel((x, y)), 12), (orientation, (x, y))


def test_orientation_survives_shrink_on_load():
    # 2800 x 2100 decodes at 1/2 (short side 1050 >= 1024); orientation 8 turns
    # the stored image 90 degrees counter-clockwise: stored top-left goes bottom-left.
    stored = quadrants(2800, 2100)
    result = make_variants(encode(stored, "JPEG", quality=90, exif=exif_with(8)))
    image = opened(result.get("full").body).convert("RGB")
    assert image.size == (1024, 1024)
    expected = {(256, 256): GREEN, (768, 256): YELLOW, (256, 768): RED, (768, 768): BLUE}
    for point, colour in expected.items():
        assert close(image.getpixel(point), colour, 20), (point, image.getpixel(point))


def test_alpha_is_kept_in_webp_for_an_rgba_png():
    image = opened(make_variants(corpus.png_alpha()).get("full").body)
    assert image.mode == "RGBA"
    assert image.getpixel((10, 100))[3] == 255 and close(image.getpixel((10, 100))[:3], BLUE, 10)
    assert image.getpixel((190, 100))[3] == 0


def test_alpha_is_kept_for_a_palette_png_with_transparency():
    result = make_variants(corpus.png_palette_transparency())
    for name in ("full", "thumbnail"):
        image = opened(result.get(name).body)
        assert image.mode == "RGBA"
        w = image.width
        opaque = image.getpixel((w // 10, w // 2))
        assert opaque[3] == 255 and close(opaque[:3], RED, 10)
        assert image.getpixel((w - 1 - w // 10, w // 2))[3] == 0


def test_jpeg_output_flattens_transparency_on_white():
    image = opened(make_variants(corpus.png_alpha(), formats=("jpeg",)).get("full", "jpeg").body)
    assert image.mode == "RGB"
    assert close(image.getpixel((190, 100)), (255, 255, 255), 3)
    assert close(image.getpixel((10, 100)), BLUE, 10)


def test_an_opaque_alpha_channel_is_not_carried():
    opaque = Image.new("RGBA", (200, 200), (*RED, 255))
    image = opened(make_variants(encode(opaque, "PNG")).get("full").body)
    assert image.mode == "RGB"


def test_animated_gif_becomes_its_first_frame():
    result = make_variants(corpus.gif_animated())
    assert result.source.frames == 3
    for variant in result.variants:
        image = opened(variant.body)
        assert getattr(image, "n_frames", 1) == 1 and not getattr(image, "is_animated", False)
        assert webp_is_still(variant.body)
        assert close(image.convert("RGB").getpixel((variant.width // 2,) * 2), RED, 12)


def test_animated_webp_becomes_its_first_frame():
    result = make_variants(corpus.webp_animated())
    image = opened(result.get("full").body)
    assert getattr(image, "n_frames", 1) == 1
    assert close(image.convert("RGB").getpixel((75, 75)), GREEN, 12)


def webp_is_still(body: bytes) -> bool:
    from .inspect_output import webp_chunks

    return not {b"ANIM", b"ANMF"} & set(webp_chunks(body))


def test_cmyk_jpeg_colours_are_preserved():
    image = opened(make_variants(corpus.jpeg_cmyk()).get("full").body).convert("RGB")
    expected = {(75, 75): RED, (225, 75): GREEN, (75, 225): BLUE, (225, 225): YELLOW}
    for point, colour in expected.items():
        assert close(image.getpixel(point), colour, 14), (point, image.getpixel(point), colour)


def test_16_bit_gray_png_is_scaled_not_clipped():
    image = opened(make_variants(corpus.png_gray16()).get("full").body).convert("RGB")
    level = round(40000 / 65535 * 255)  # 156; clipping would give 255
    assert close(image.getpixel((60, 60)), (level,) * 3, 4), image.getpixel((60, 60))


def test_16_bit_colour_png_keeps_its_colour():
    image = opened(make_variants(corpus.png_color16()).get("full").body).convert("RGB")
    expected = tuple(round(v / 257) for v in (50000, 20000, 5000))
    assert close(image.getpixel((60, 60)), expected, 6), image.getpixel((60, 60))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_an_adobe_rgb_profile_is_converted_to_srgb(fmt):
    adobe = (60, 160, 70)
    expected, naive = adobe_to_srgb(adobe), adobe
    assert max(abs(e - n) for e, n in zip(expected, naive)) > 40  # the test can tell them apart
    source = encode(Image.new("RGB", (200, 200), adobe), fmt, icc_profile=adobe_rgb_profile(),
                    **({"quality": 98} if fmt == "JPEG" else {}))
    for variant in make_variants(source, formats=BOTH).variants:
        image = opened(variant.body)
        assert "icc_profile" not in image.info
        pixel = image.convert("RGB").getpixel((variant.width // 2,) * 2)
        assert close(pixel, expected, 6), (variant.name, variant.format, pixel, expected)


def test_an_unusable_profile_is_ignored_not_fatal():
    source = encode(Image.new("RGB", (200, 200), RED), "PNG", icc_profile=b"\x00" * 200)
    pixel = opened(make_variants(source).get("full").body).convert("RGB").getpixel((100, 100))
    assert close(pixel, RED, 8)


def test_serial_and_threaded_encodes_give_the_same_bytes():
    data = encode(quadrants(1200, 900), "JPEG", quality=85, exif=exif_with(3))
    serial = make_variants(data, formats=BOTH, workers=1)
    threaded = make_variants(data, formats=BOTH, workers=2)
    assert [(v.name, v.format, v.body) for v in serial.variants] == [
        (v.name, v.format, v.body) for v in threaded.variants]


def test_quality_settings_reach_the_encoders():
    data = encode(quadrants(600, 600).effect_spread(8), "PNG")
    low = make_variants(data, formats=BOTH, webp_quality=20, jpeg_quality=20)
    high = make_variants(data, formats=BOTH, webp_quality=95, jpeg_quality=95)
    for fmt in BOTH:
        assert len(low.get("full", fmt).body) < len(high.get("full", fmt).body) * 0.7


def test_transparent_sources_take_the_alpha_method_and_opaque_ones_the_other():
    """libwebp's alpha plane is lossless at an effort that follows the method (method 6 costs
    about a second per variant), so a transparent source has a method of its own."""
    noisy = quadrants(600, 600).effect_spread(8)
    transparent = noisy.convert("RGBA")
    transparent.putalpha(Image.linear_gradient("L").resize(noisy.size))
    for data, own, other in ((encode(transparent, "PNG"), "webp_alpha_method", "webp_method"),
                             (encode(noisy, "PNG"), "webp_method", "webp_alpha_method")):
        fast = make_variants(data, **{own: 0, other: 6}).get("full").body
        assert make_variants(data, **{own: 0, other: 0}).get("full").body == fast
        assert make_variants(data, **{own: 4, other: 6}).get("full").body != fast


def test_a_method_per_size_falls_back_to_the_nearest_size():
    assert webp_method_for({1024: 5, 512: 4, 64: 2}, 1024) == 5
    assert webp_method_for({1024: 5, 512: 4, 64: 2}, 700) == 4
    assert webp_method_for({1024: 5, 512: 4, 64: 2}, 768) == 5  # a tie goes to the larger
    assert webp_method_for({1024: 5, 512: 4, 64: 2}, 40) == 2
    assert webp_method_for(3, 40) == 3


def test_custom_sizes_and_formats():
    result = make_variants(encode(quadrants(800, 800), "PNG"), sizes={"icon": 32, "card": 400},
                           formats=("jpeg",))
    assert [(v.name, v.format, v.width, v.extension) for v in result.variants] == [
        ("card", "jpeg", 400, "jpg"), ("icon", "jpeg", 32, "jpg")]


@pytest.mark.parametrize("formats", [(), ("png",), ("webp", "gif")])
def test_unknown_output_formats_are_a_programming_error(formats):
    with pytest.raises(ValueError):
        make_variants(corpus.png_alpha(), formats=formats)


def test_rejections_propagate_with_their_reason():
    with pytest.raises(ImageRejected) as caught:
        make_variants(corpus.png_50x50())
    assert caught.value.reason == "dimensions_too_small"


@pytest.mark.parametrize(
    ("side", "box"),
    [
        (1024, (250, 0, 1750, 1500)),
        (333, (10.5, 3.25, 1490.5, 1483.25)),
        (100, (0, 0, 1500, 1500)),
        (1, (0, 0, 9, 9)),
    ],
    ids=["jpeg-like", "fractional", "reduced-first", "one-pixel"],
)
@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_resizing_in_strips_equals_one_resize(side, box, mode):
    from concurrent.futures import ThreadPoolExecutor

    from portrait.imaging.prepare import resize_in_strips

    source = quadrants(2000, 1500).effect_spread(6).convert(mode)
    if mode == "RGBA":  # transparent stripes whose hidden colour must not bleed
        gradient = Image.linear_gradient("L").resize(source.size)
        stripes = gradient.point(lambda v: 255 * (v // 16 % 2))
        source.putalpha(stripes)
    factor = int(min(box[2] - box[0], box[3] - box[1]) / side / REDUCING_GAP)
    if factor > 1:  # reduce the box's whole blocks, one Lanczos resize, in one piece
        x0, y0 = int(box[0]), int(box[1])
        x1 = min(source.width, x0 + math.ceil((math.ceil(box[2]) - x0) / factor) * factor)
        y1 = min(source.height, y0 + math.ceil((math.ceil(box[3]) - y0) / factor) * factor)
        premultiplied = source.convert("RGBa") if mode == "RGBA" else source
        whole = premultiplied.reduce(factor, box=(x0, y0, x1, y1)).resize(
            (side, side), Image.Resampling.LANCZOS,
            box=((box[0] - x0) / factor, (box[1] - y0) / factor,
                 (box[2] - x0) / factor, (box[3] - y0) / factor)).convert(mode)
    else:
        whole = source.resize((side, side), Image.Resampling.LANCZOS, box=box)
    with ThreadPoolExecutor(2) as pool:
        for executor in (None, pool):
            strips = resize_in_strips(source, side, box, executor)
            assert strips.size == whole.size
            # A strip's box edge is y0 + n * step in floating point, one ulp off the whole
            # resize's, which can move a rounding by a level.
            # Compared premultiplied, as they were resized: unpremultiplied, a one-level
            # difference at alpha 1 would read as 255.
            visible = (lambda image: image.convert("RGBa")) if mode == "RGBA" else (lambda i: i)
            difference = ImageChops.difference(visible(strips), visible(whole))
            assert all(high <= 2 for _, high in difference.getextrema())
            again = resize_in_strips(source, side, box)
            assert ImageChops.difference(strips, again).getextrema() == ((0, 0),) * len(mode)


def test_strips_resize_like_pillows_reducing_gap():
    from portrait.imaging.prepare import resize_in_strips

    source = quadrants(2000, 1500).effect_spread(6)
    box = (0, 0, 1500, 1500)
    reference = source.resize((300, 300), Image.Resampling.LANCZOS, box=box,
                              reducing_gap=REDUCING_GAP)
    diff = ImageChops.difference(resize_in_strips(source, 300, box), reference).convert("L")
    # Pillow reduces only the box, so block alignment may differ slightly.
    assert ImageStat.Stat(diff).mean[0] < 1.0


def test_a_transparent_source_is_never_copied_whole():
    """Issue 14: a 4096 x 4096 RGBA frame may exist at most twice. The premultiplied copy
    is made one band at a time, so no image as large as the source is ever created."""
    from portrait.imaging import prepare

    source = Image.new("RGBA", (4096, 4096), (10, 200, 30, 128))
    created = []
    real_new = Image.new

    def counting_new(mode, size, *args, **kwargs):
        created.append(size[0] * size[1])
        return real_new(mode, size, *args, **kwargs)

    original_convert = Image.Image.convert

    def counting_convert(self, *args, **kwargs):
        out = original_convert(self, *args, **kwargs)
        created.append(out.width * out.height)
        return out

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Image, "new", counting_new)
        patch.setattr(Image.Image, "convert", counting_convert)
        square = prepare.resize_in_strips(source, 1024, (0, 0, 4096, 4096))
    assert square.size == (1024, 1024) and square.mode == "RGBA"
    assert max(created) <= 4096 * 4096 // 4
