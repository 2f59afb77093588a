"""Where the face probably is in a photo: a heuristic, not a face detector.

There is no face-detection model in this project. What stands in for one:
people who upload a portrait or a selfie put the face in the upper part of
the frame, and the face is the largest patch of skin tone there. So the
photo is reduced to a 64-pixel thumbnail, its skin-toned pixels are marked
(the fixed YCbCr ranges of Chai and Ngan, 1999: cheap, and lighting- and
complexion-tolerant enough for a preview), and of the square windows in the
upper part of the photo the one holding the most of them wins, re-centred
on the skin it holds. With too little skin anywhere (a drawing, a dark or
black-and-white photo) the window is simply the upper-central one.

It will sometimes frame a hand, a bare shoulder or a wooden door. It only
chooses what the preview card shows; nothing is decided from it.
"""
from __future__ import annotations

from PIL import Image, ImageChops

# The window's side, as a share of the photo's shorter side: a head and a
# little around it in a typical head-and-shoulders photo.
WINDOW_SHARE = 0.55
# The window's top may lie at most this share of the photo's height down.
SEARCH_DEPTH = 0.45
# The default window: centred, its top a quarter of the free height down.
DEFAULT_TOP_SHARE = 0.25
# Less skin than this share of a window counts as "no face found".
MIN_SKIN_SHARE = 0.12
THUMBNAIL = 64

_CB_RANGE, _CR_RANGE = (77, 127), (133, 173)
_MIN_LUMA = 40  # darker pixels have unreliable chroma


def face_window(photo: Image.Image) -> tuple[int, int, int, int]:
    """A square box (left, top, right, bottom) in `photo`'s pixels, inside it."""
    width, height = photo.size
    side = max(1, round(min(width, height) * WINDOW_SHARE))
    default = ((width - side) // 2, round((height - side) * DEFAULT_TOP_SHARE))
    found = _skin_window(photo, side)
    left, top = found if found is not None else default
    return left, top, left + side, top + side


def skin_mask(image: Image.Image) -> Image.Image:
    """An "L" image: 255 where the pixel has a skin tone, 0 elsewhere."""
    luma, cb, cr = image.convert("RGB").convert("YCbCr").split()

    def within(channel: Image.Image, low: int, high: int) -> Image.Image:
        return channel.point(lambda v: 255 if low <= v <= high else 0)

    mask = ImageChops.multiply(within(cb, *_CB_RANGE), within(cr, *_CR_RANGE))
    return ImageChops.multiply(mask, luma.point(lambda v: 255 if v >= _MIN_LUMA else 0))


def _skin_window(photo: Image.Image, side: int) -> tuple[int, int] | None:
    width, height = photo.size
    scale = THUMBNAIL / max(width, height)
    tw, th = max(1, round(width * scale)), max(1, round(height * scale))
    mask = skin_mask(photo.resize((tw, th), Image.Resampling.BOX)).tobytes()
    skin = [[1 if mask[y * tw + x] else 0 for x in range(tw)] for y in range(th)]
    table = _integral(skin, tw, th)
    window = max(1, min(tw, th, round(side * scale)))
    deepest = min(th - window, round(height * SEARCH_DEPTH * scale))

    best, best_at = -1, (0, 0)
    for y in range(deepest + 1):  # scan order makes ties go to the highest, leftmost
        for x in range(tw - window + 1):
            count = _box_sum(table, x, y, window)
            if count > best:
                best, best_at = count, (x, y)
    if best < MIN_SKIN_SHARE * window * window:
        return None

    # Centre the window on the skin it holds, so a face is not left at its edge.
    bx, by = best_at
    cells = [(x, y) for y in range(by, by + window) for x in range(bx, bx + window) if skin[y][x]]
    cx = (sum(x for x, _ in cells) / len(cells) + 0.5) / scale
    cy = (sum(y for _, y in cells) / len(cells) + 0.5) / scale
    left = min(max(0, round(cx - side / 2)), width - side)
    top = min(max(0, round(cy - side / 2)), height - side)
    return left, top


def _integral(cells: list[list[int]], width: int, height: int) -> list[list[int]]:
    table = [[0] * (width + 1) for _ in range(height + 1)]
    for y in range(height):
        running = 0
        for x in range(width):
            running += cells[y][x]
            table[y + 1][x + 1] = table[y][x + 1] + running
    return table


def _box_sum(table: list[list[int]], x: int, y: int, side: int) -> int:
    return table[y + side][x + side] - table[y][x + side] - table[y + side][x] + table[y][x]
