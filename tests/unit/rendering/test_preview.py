"""The preview renderer, pixel by pixel: the photo's face area where the pose's
head is, the skeleton's limbs where they are, the ground everywhere else."""
from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from portrait.errors import RenderFailed
from portrait.imaging.portrait_card import (
    BACKGROUND,
    FRAME,
    RING,
    face_disc,
    head_circle,
    stage_of,
)
from portrait.imaging.skeleton import limb_colour, render_skeleton_png
from portrait.poses.keypoints import LIMBS as CATALOGUE_LIMBS
from portrait.rendering import RenderRequest
from portrait.rendering.preview import PreviewRenderer

from ..imaging.corpus import ACCEPTED, BLUE, GREEN, RED, SECRETS, YELLOW, jpeg_gps_orientation6
from ..imaging.corpus import quadrants
from .poses import ARMS_UP, LIMB_COLOUR, NOSE_AND_NECK, STANDING, midpoint, png, skeleton_png

QUADRANT_PHOTO = png(quadrants(400, 400))  # no skin tone: the face window is the default one


def render(photo: bytes = QUADRANT_PHOTO, pose=STANDING, quality: str = "sd",
           skeleton: bytes | None = None) -> Image.Image:
    request = RenderRequest(photo=photo, skeleton_png=skeleton or skeleton_png(pose),
                            keypoints=pose, quality=quality, seed=7, prompt_hint=None)
    result = PreviewRenderer().render(request)
    image = Image.open(io.BytesIO(result.png))
    assert (result.width, result.height) == image.size
    return image


def on_card(side: int, x: float, y: float) -> tuple[int, int]:
    """A point of the skeleton's square (shares) in card pixels."""
    margin, stage = stage_of(side)
    return int(margin + x * stage), int(margin + y * stage)


@pytest.mark.parametrize("quality, side", [("sd", 512), ("hd", 1024)])
def test_a_png_of_exactly_the_size_of_the_quality(quality, side) -> None:
    request = RenderRequest(photo=QUADRANT_PHOTO, skeleton_png=skeleton_png(STANDING),
                            keypoints=STANDING, quality=quality, seed=1, prompt_hint="hint")
    result = PreviewRenderer().render(request)
    assert (result.width, result.height, result.renderer, result.model) == (side, side,
                                                                            "preview", None)
    with Image.open(io.BytesIO(result.png)) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", (side, side))


def test_face_disc_placement_follows_the_head() -> None:
    # Nose (0.5, 0.25), neck 0.2 below: diameter 0.24 of the 448-pixel stage = 108,
    # centred at (32 + 224, 32 + 112) on a 512 card.
    head = head_circle(NOSE_AND_NECK)
    assert (head.x, head.y) == (0.5, 0.25) and head.diameter == pytest.approx(0.24)
    assert face_disc(head, 512) == (256 - 54, 144 - 54, 108)
    # A head at the stage's corner is moved in, ring and all.
    corner = head_circle([[0.0, 0.0, 2.0]] + [[0.0, 0.0, 0.0]] * 17)
    left, top, diameter = face_disc(corner, 512)
    ring = max(2, diameter // 32)
    assert (left - ring, top - ring) == (32, 32)


@pytest.mark.parametrize("quality", ["sd", "hd"])
def test_the_face_area_of_the_photo_fills_the_disc_at_the_head(quality) -> None:
    card = render(pose=NOSE_AND_NECK, quality=quality)
    left, top, diameter = face_disc(head_circle(NOSE_AND_NECK), card.width)
    # The default window of a 400 x 400 photo: 220 square at (90, 45). Its quadrant
    # split sits at x 0.5 and y (200 - 45) / 220 = 0.70 of the window.
    for (u, v), colour in {(0.3, 0.3): RED, (0.7, 0.3): GREEN,
                           (0.4, 0.85): BLUE, (0.6, 0.85): YELLOW}.items():
        assert card.getpixel((left + int(u * diameter), top + int(v * diameter))) == colour
    # The ring just outside the disc, on the left and the right.
    ring = max(2, diameter // 32)
    middle = top + diameter // 2
    assert card.getpixel((left - ring // 2 - 1, middle)) == RING
    assert card.getpixel((left + diameter + ring // 2, middle)) == RING


@pytest.mark.parametrize("quality", ["sd", "hd"])
def test_limbs_keep_their_colours_and_the_ground_is_everywhere_else(quality) -> None:
    card = render(quality=quality)
    side = card.width
    for a, b in [(9, 10), (12, 13), (3, 4), (6, 7), (1, 8), (1, 2)]:
        assert card.getpixel(on_card(side, *midpoint(STANDING, a, b))) == LIMB_COLOUR[(a, b)]
    for x, y in [(0.01, 0.01), (0.9, 0.1), (0.1, 0.9), (0.99, 0.99), (0.5, 0.7), (0.2, 0.5)]:
        assert card.getpixel(on_card(side, x, y)) == (0, 0, 0)  # the skeleton's own ground
    margin, _ = stage_of(side)
    for point in [(2, 2), (margin - 1, margin - 1), (side - margin, side // 2), (side // 2, 2)]:
        assert card.getpixel(point) == BACKGROUND  # the card around the stage
    assert card.getpixel((margin // 2, side // 2)) == FRAME  # the frame's left edge


def test_the_catalogues_own_skeletons_come_through_unchanged() -> None:
    card = render(skeleton=render_skeleton_png(STANDING, 512))
    for index, (a, b) in enumerate(CATALOGUE_LIMBS):
        if (a, b) in [(1, 2), (1, 5), (9, 10), (12, 13), (3, 4), (6, 7)]:
            assert card.getpixel(on_card(512, *midpoint(STANDING, a, b))) == limb_colour(index)


def test_limbs_drawn_at_another_resolution_land_in_the_same_place() -> None:
    big = render(skeleton=skeleton_png(STANDING, side=1500, width=40))
    small = render()
    for a, b in [(9, 10), (3, 4)]:
        point = on_card(512, *midpoint(STANDING, a, b))
        assert big.getpixel(point) == small.getpixel(point) == LIMB_COLOUR[(a, b)]


def test_same_inputs_same_bytes_and_another_pose_another_card() -> None:
    def card_bytes(pose) -> bytes:
        request = RenderRequest(photo=QUADRANT_PHOTO, skeleton_png=skeleton_png(pose),
                                keypoints=pose, quality="sd", seed=3, prompt_hint=None)
        return PreviewRenderer().render(request).png

    first, second, other = card_bytes(STANDING), card_bytes(STANDING), card_bytes(ARMS_UP)
    assert first == second
    assert other != first
    # The seed is for models; the preview has no randomness to seed.
    request = RenderRequest(photo=QUADRANT_PHOTO, skeleton_png=skeleton_png(STANDING),
                            keypoints=STANDING, quality="sd", seed=4, prompt_hint=None)
    assert PreviewRenderer().render(request).png == first


def png_chunk_types(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    kinds, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        kinds.append(kind)
        offset += 12 + length
    return kinds


def test_no_metadata_reaches_the_card() -> None:
    data = PreviewRenderer().render(RenderRequest(
        photo=jpeg_gps_orientation6(), skeleton_png=skeleton_png(STANDING), keypoints=STANDING,
        quality="sd", seed=1, prompt_hint=None)).png
    kinds = png_chunk_types(data)
    assert set(kinds) == {b"IHDR", b"IDAT", b"IEND"}, kinds  # no tIME, tEXt, iCCP, eXIf, pHYs
    for secret in SECRETS:
        assert secret not in data


@pytest.mark.parametrize("sample", ACCEPTED, ids=lambda s: s.name)
def test_every_accepted_upload_format_renders(sample) -> None:
    assert render(photo=sample.build()).size == (512, 512)


@pytest.mark.parametrize("photo", [b"", b"<svg/>", QUADRANT_PHOTO[:200]],
                         ids=["empty", "svg", "truncated"])
def test_an_unusable_photo_fails_for_good(photo) -> None:
    with pytest.raises(RenderFailed) as caught:
        render(photo=photo)
    assert (caught.value.code, caught.value.reason, caught.value.retryable) == (
        "render_failed", "invalid_input", False)


def test_an_unusable_skeleton_fails_for_good() -> None:
    with pytest.raises(RenderFailed) as caught:
        render(skeleton=b"not a png")
    assert caught.value.reason == "invalid_input"


@pytest.mark.parametrize("change", [
    {"quality": "4k"},
    {"keypoints": STANDING[:17]},
    {"keypoints": [[0.5, 0.5]] * 18},
])
def test_a_malformed_request_is_refused_at_once(change) -> None:
    fields = dict(photo=QUADRANT_PHOTO, skeleton_png=b"", keypoints=STANDING, quality="sd",
                  seed=1, prompt_hint=None)
    with pytest.raises(RenderFailed) as caught:
        RenderRequest(**{**fields, **change})
    assert caught.value.reason == "invalid_input" and not caught.value.retryable


def test_non_finite_keypoints_fail_for_good() -> None:
    pose = [list(p) for p in STANDING]
    pose[0] = [float("nan"), 0.2, 2.0]
    with pytest.raises(RenderFailed) as caught:
        render(pose=pose, skeleton=skeleton_png(STANDING))
    assert caught.value.reason == "invalid_input"
