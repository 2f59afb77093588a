from __future__ import annotations

import io

from PIL import Image

from portrait.imaging import identicon_png, make_variants, render_identicon
from portrait.imaging.identicon import GRID

from .inspect_output import assert_no_metadata

IDS = [f"01J{n:023d}" for n in range(40)] + ["alice", "bob", "Alice", "alice "]


def cell_grid(image: Image.Image) -> tuple[tuple[bool, ...], ...]:
    """Which of the 5 x 5 cells are drawn, read back from the pixels."""
    background = image.getpixel((0, 0))
    cell = image.width // (GRID + 1)
    margin = (image.width - cell * GRID) // 2
    return tuple(
        tuple(image.getpixel((margin + col * cell + cell // 2,
                              margin + row * cell + cell // 2)) != background
              for col in range(GRID))
        for row in range(GRID))


def foreground(image: Image.Image) -> tuple[int, int, int]:
    background = image.getpixel((0, 0))
    return next(colour for _, colour in image.getcolors() if colour != background)


def test_same_id_same_pixels():
    first, second = identicon_png("01JABCDEF"), identicon_png("01JABCDEF")
    assert first == second
    assert Image.open(io.BytesIO(first)).tobytes() == render_identicon("01JABCDEF").tobytes()


def test_a_crisp_source_of_the_requested_size():
    image = Image.open(io.BytesIO(identicon_png("someone")))
    assert (image.format, image.size, image.mode) == ("PNG", (1024, 1024), "RGB")
    assert len(image.getcolors()) == 2  # background and one colour, no anti-aliasing
    assert render_identicon("someone", 120).size == (120, 120)


def test_mirrored_left_to_right():
    image = render_identicon("mirror-me", 300)
    assert image.tobytes() == image.transpose(Image.Transpose.FLIP_LEFT_RIGHT).tobytes()


def test_different_ids_look_different():
    looks = []
    for user_id in IDS:
        image = render_identicon(user_id, 120)
        grid = cell_grid(image)
        assert 3 <= sum(sum(row[:3]) for row in grid) <= 12  # never nearly blank or solid
        looks.append((grid, foreground(image)))
    for i, (grid_a, colour_a) in enumerate(looks):
        for grid_b, colour_b in looks[i + 1:]:
            colour_distance = sum(abs(a - b) for a, b in zip(colour_a, colour_b))
            # Visibly different: another pattern, or the same one in a clearly other colour.
            assert grid_a != grid_b or colour_distance > 60


def test_goes_through_the_same_variant_pipeline():
    result = make_variants(identicon_png("01JDEFAULT"))
    assert result.source.format == "png" and result.source.width == 1024
    assert [(v.name, v.width) for v in result.variants] == [
        ("full", 1024), ("large", 512), ("medium", 256), ("small", 128), ("thumbnail", 64)]
    for variant in result.variants:
        assert_no_metadata(variant.body, variant.format)
