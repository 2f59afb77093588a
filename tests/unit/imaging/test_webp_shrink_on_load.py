"""A large still WebP is decoded by libwebp straight at 1/n (portrait.imaging.webp_scaled):
the same pictures, orientation, colours and refusals as Pillow's full decode."""
from __future__ import annotations

import io

import pytest
from PIL import Image, ImageOps

from portrait.errors import ImageRejected
from portrait.imaging import make_variants
from portrait.imaging.media import make_media_images
from portrait.imaging.validate import decode

from .corpus import BLUE, encode, exif_with, half_transparent, quadrants
from .icc import adobe_rgb_profile
from .test_variants import close, opened

pytestmark = pytest.mark.skipif(
    __import__("portrait.imaging.webp_scaled", fromlist=["x"])._libwebp() is None,
    reason="no libwebp beside Pillow here: WebP decodes with Pillow, tested elsewhere")


def test_a_large_webp_decodes_at_a_quarter_with_its_metadata():
    data = encode(quadrants(4096, 3072), "WEBP", quality=90, exif=exif_with(6))
    source = decode(data, at_least=1024)
    assert source.scale == 3 and source.image.size == (1366, 1024)
    assert (source.info.width, source.info.height, source.info.format) == (4096, 3072, "webp")
    assert source.image.getexif().get(0x0112) == 6


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_variants_match_pillows_full_decode(orientation):
    stored = quadrants(2400, 2100)
    data = encode(stored, "WEBP", quality=95, exif=exif_with(orientation))
    reference = ImageOps.fit(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"),
                             (1024, 1024), Image.Resampling.LANCZOS)
    image = opened(make_variants(data).get("full").body).convert("RGB")
    assert image.size == (1024, 1024)
    for x in (200, 800):
        for y in (200, 800):
            assert close(image.getpixel((x, y)), reference.getpixel((x, y)), 12), (x, y)


def test_transparency_is_kept():
    data = encode(half_transparent((2400, 2400)), "WEBP", quality=90)
    image = opened(make_variants(data).get("full").body)
    assert image.mode == "RGBA"
    assert image.getpixel((100, 512))[3] == 255 and close(image.getpixel((100, 512))[:3], BLUE, 12)
    assert image.getpixel((1000, 512))[3] == 0


def test_an_icc_profile_in_the_riff_chunks_is_applied():
    data = encode(Image.new("RGB", (2400, 2400), (0, 200, 0)), "WEBP", quality=95,
                  icc_profile=adobe_rgb_profile())
    assert decode(data, at_least=1024).image.info.get("icc_profile") == adobe_rgb_profile()
    green = opened(make_variants(data).get("full").body).convert("RGB").getpixel((512, 512))
    assert green[0] < 60 and green[1] > 200  # Adobe RGB's green is wider: more saturated in sRGB
    # ... and not what the untouched pixels would have given.
    assert green != (0, 200, 0)


def test_a_truncated_large_webp_is_corrupt():
    data = encode(quadrants(2400, 2400).effect_spread(4), "WEBP", quality=90)
    with pytest.raises(ImageRejected) as caught:
        make_variants(data[: len(data) * 2 // 3])
    assert caught.value.reason == "corrupt"


def test_an_animated_webp_still_becomes_its_first_frame():
    frames = [Image.new("RGB", (2400, 2400), colour) for colour in ((200, 0, 0), (0, 0, 200))]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:], duration=100)
    image = opened(make_variants(out.getvalue()).get("full").body).convert("RGB")
    assert close(image.getpixel((512, 512)), (200, 0, 0), 12)


def test_media_display_of_a_large_webp():
    images = make_media_images(encode(quadrants(4096, 3072), "WEBP", quality=90))
    assert (images.display.width, images.display.height) == (2048, 1536)


def test_an_orientation_given_only_in_xmp_is_applied():
    """Found in review: Pillow reads an orientation from XMP when there is no EXIF."""
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf='
           b'"http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
           b'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/>'
           b'</rdf:RDF></x:xmpmeta>')
    data = encode(quadrants(2400, 2100), "WEBP", quality=95, xmp=xmp)
    pillow = Image.open(io.BytesIO(data))
    assert pillow.getexif().get(0x0112) == 6  # what the full decode would have used
    assert decode(data, at_least=1024).image.getexif().get(0x0112) == 6
    reference = ImageOps.fit(ImageOps.exif_transpose(pillow).convert("RGB"), (1024, 1024),
                             Image.Resampling.LANCZOS)
    image = opened(make_variants(data).get("full").body).convert("RGB")
    for x in (200, 800):
        for y in (200, 800):
            assert close(image.getpixel((x, y)), reference.getpixel((x, y)), 12), (x, y)
