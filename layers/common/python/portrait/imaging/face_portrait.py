"""A portrait of the user in a chosen pose, drawn locally: their own face on a figure.

A picture a person can recognise as themselves. The head is cut from the photo (a feathered egg
around the detector's face box, taking in the hair and the chin, with the photo's
background keyed out of its rim), scaled to the pose's head, tilted by its eye line
and set on a body drawn from the skeleton (figure_drawing), dressed in the photo's
colours: the shirt from the chest below the face, the skin from the face's middle.
Then a style: realistic (a studio backdrop, soft light), illustration (inked, banded
tones on paper) or anime (a cel-shaded figure and a smoothed, flattened, brighter
face under a graphic sky).

No model: Pillow and numpy, CPU only, well under a second at 1024 px. Deterministic:
the same inputs and seed give the same pixels; the seed only moves the backdrop's hue
and shapes. Pure: no I/O.
"""
from __future__ import annotations

import colorsys
import io
import math
from numbers import Real
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from portrait.imaging.faces import Face
from portrait.imaging.figure_drawing import I, Body, Colours, HeadPlace, Painter, draw_figure, \
    shading
from portrait.poses.keypoints import COUNT
from portrait.styles import STYLE_NAMES

SIDES = (64, 2048)  # any side in this range; the portraits are 512 and 1024
SUPERSAMPLE = 2  # the figure is drawn at twice the size, then reduced: smooth edges
# The head cut from the photo, in face-box widths and heights from the box's centre: an
# egg 1.5 boxes wide, reaching 1.25 box heights up (the hair) and 0.75 down (just past
# the chin: below it is a collar or a suit, keyed out, and the drawn neck takes over),
# narrower at the jaw than at the crown.
HEAD_WIDTH, HEAD_UP, HEAD_DOWN, JAW_NARROWING = 1.5, 1.25, 0.75, 0.15
FEATHER = 0.06  # the mask's blur radius, per face width
CORE = 0.72  # the egg's inner part, always kept; its rim is keyed against the background
KEY_BINS = 8  # levels a channel in the colour histograms that key the rim
KEY_LOW = 0.35  # P(head | colour) below which a rim pixel goes; kept whole from 1 - this
# Where the clothes are sampled, in face-box heights below the box (the chest), and
# their half-width in face widths; the skin, as a box inside the face box (shares).
CHEST, CHEST_HALF = (0.8, 2.0), 0.8
SKIN_BOX = (0.3, 0.45, 0.7, 0.72)
MIN_SHIRT_VALUE = 0.26  # HSV value
DEFAULT_SHIRT, DEFAULT_SKIN, SHOES = (92, 104, 128), (200, 160, 135), (40, 36, 38)
SHADE_DARK = 0.62  # the light factor in a figure's deepest shade
INK = {"realistic": None, "illustration": (46, 36, 30), "anime": (26, 22, 40)}
INK_WIDTH = {"realistic": 1 / 700, "illustration": 1 / 300, "anime": 1 / 190}  # of the side
# Tone bands: luma posterized to this many levels, mixed back with this share of the
# smooth luma (the face stays itself), chroma kept smooth, then saturation scaled.
TONES = {"illustration": (6, 0.25, 0.85), "anime": (6, 0.35, 1.3)}
# The paper's grain: a share of brightness, in flecks this many pixels across (finer
# grain is noise to the PNG encoder: a 1024 px portrait would weigh 1.6 MB).
GRAIN, GRAIN_SIZE = 0.04, 4
PNG_COMPRESS_LEVEL = 6


def render_face_portrait(photo: Image.Image, face: Face, keypoints: Sequence[Sequence[float]],
                         side: int, style: str, seed: int) -> Image.Image:
    """The portrait, RGB, side x side. ValueError for an unknown style, a side out of
    range, a face box of no size or keypoints that are not 18 finite [x, y, v]."""
    if style not in STYLE_NAMES:
        raise ValueError(f"unknown style {style!r}; one of {', '.join(STYLE_NAMES)}")
    if not isinstance(side, int) or not SIDES[0] <= side <= SIDES[1]:
        raise ValueError(f"side must be {SIDES[0]}..{SIDES[1]} pixels")
    if face.width < 2 or face.bottom - face.top < 2:
        raise ValueError("the face box is empty")
    points = _parsed(keypoints)
    photo = photo if photo.mode == "RGB" else photo.convert("RGB")
    rng = np.random.default_rng(int(seed) % 2**63)

    body = Body.of(points, side * SUPERSAMPLE)
    head = body.head()
    painter = Painter(side * SUPERSAMPLE, INK[style], INK_WIDTH[style] * side * SUPERSAMPLE)
    draw_figure(body, head, _colours(photo, face, style), painter)
    light = shading(painter.form.reduce(SUPERSAMPLE), style, SHADE_DARK)
    paint = np.asarray(painter.paint.reduce(SUPERSAMPLE), np.float32) * light[..., None]
    alpha = np.asarray(painter.mask.reduce(SUPERSAMPLE), np.float32)[..., None] / 255
    ground = np.asarray(_background(style, side, rng, body), np.float32)
    image = Image.fromarray(np.clip(ground + (paint - ground) * alpha, 0, 255).astype(np.uint8))

    k = 1 / SUPERSAMPLE
    cut, corner = _head(photo, face, HeadPlace((head.centre[0] * k, head.centre[1] * k),
                                               head.face_width * k, head.angle), style)
    image.paste(cut, corner, cut)
    if style == "illustration":  # paper grain over everything, ink and face included
        grained = np.asarray(image, np.float32) * _grain(side, rng)[..., None]
        image = Image.fromarray(np.clip(grained, 0, 255).astype(np.uint8))
    return image


def _grain(side: int, rng: np.random.Generator) -> np.ndarray:
    """Paper grain (float32, around 1): noise in soft flecks, in a few steps."""
    cells = -(-side // GRAIN_SIZE)
    noise = np.round(rng.normal(0.0, 1.5, (cells, cells))).clip(-3, 3) * (GRAIN / 3)
    flecks = Image.fromarray((128 + 100 * noise).astype(np.uint8)).resize(
        (side, side), Image.Resampling.BILINEAR)
    return 1.0 + (np.asarray(flecks, np.float32) - 128) / 100


def face_portrait_png(photo: Image.Image, face: Face, keypoints, side: int, style: str,
                      seed: int) -> bytes:
    """render_face_portrait as PNG bytes (fixed settings, no metadata: deterministic)."""
    out = io.BytesIO()
    render_face_portrait(photo, face, keypoints, side, style, seed).save(
        out, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


def _parsed(keypoints) -> list[tuple[float, float, int]]:
    """18 (x, y, v) triples of finite numbers, v 0, 1 or 2; ValueError otherwise."""
    try:
        items = [list(item) for item in keypoints]
    except TypeError:
        raise ValueError(f"keypoints must be {COUNT} [x, y, v] triples") from None
    if len(items) != COUNT or any(
            len(item) != 3 or not all(isinstance(c, Real) and not isinstance(c, bool)
                                      and math.isfinite(c) for c in item) for item in items):
        raise ValueError(f"keypoints must be {COUNT} [x, y, v] triples of finite numbers")
    if any(item[2] not in (0, 1, 2) for item in items):
        raise ValueError("a keypoint's v is 0 (absent), 1 (occluded) or 2 (visible)")
    # Clamped near the frame: a point far outside it only makes huge, unseen polygons.
    return [(min(2.0, max(-1.0, float(x))), min(2.0, max(-1.0, float(y))), int(v))
            for x, y, v in items]


def _median(photo: Image.Image, box: tuple[float, float, float, float]):
    """The median colour of `box` (clamped to the photo), or None if it holds too little."""
    left, top = max(0, round(box[0])), max(0, round(box[1]))
    right, bottom = min(photo.width, round(box[2])), min(photo.height, round(box[3]))
    if right - left < 4 or bottom - top < 4:
        return None
    region = photo.resize((min(48, right - left), min(48, bottom - top)),
                          Image.Resampling.BOX, box=(left, top, right, bottom))
    return tuple(int(c) for c in np.median(np.asarray(region).reshape(-1, 3), axis=0))


def _colours(photo: Image.Image, face: Face, style: str) -> Colours:
    """The clothes and skin of the photo, through the style's colour treatment."""
    width, height = face.width, face.bottom - face.top
    left, right = face.centre[0] - CHEST_HALF * width, face.centre[0] + CHEST_HALF * width
    shirt = (_median(photo, (left, face.bottom + CHEST[0] * height, right,
                             face.bottom + CHEST[1] * height))
             or _median(photo, (left, face.bottom + 0.3 * height, right,
                                face.bottom + CHEST[0] * height)) or DEFAULT_SHIRT)
    skin = _median(photo, (face.left + SKIN_BOX[0] * width, face.top + SKIN_BOX[1] * height,
                           face.left + SKIN_BOX[2] * width, face.top + SKIN_BOX[3] * height))
    # A black shirt is lifted to a dark tone: light and folds must still show on it.
    # Trousers: the shirt's hue, greyed and darkened towards navy, so they go with it
    # but read as another garment; lighter if the shirt is already dark.
    h, s, v = colorsys.rgb_to_hsv(*(c / 255 for c in shirt))
    shirt = tuple(round(255 * c) for c in colorsys.hsv_to_rgb(h, s, max(v, MIN_SHIRT_VALUE)))
    trousers = tuple(round(255 * (0.6 * c + 0.4 * n)) for c, n in
                     zip(colorsys.hsv_to_rgb(h, 0.35 * s, 0.32 if v > 0.35 else 0.5),
                         (0.18, 0.2, 0.27)))
    colours = (shirt, trousers, skin or DEFAULT_SKIN, SHOES)
    if style != "realistic":
        swatch = Image.new("RGB", (4, 1))
        swatch.putdata(colours)
        colours = [tuple(int(c) for c in pixel) for pixel in np.asarray(_toned(swatch, style))[0]]
    return Colours(*(tuple(c) for c in colours))


def _toned(image: Image.Image, style: str) -> Image.Image:
    """Luma in bands (mixed with a little of the smooth luma), chroma as it is, then
    saturation: flat patches of colour that still follow the face's own shading."""
    levels, mix, saturation = TONES[style]
    luma, cb, cr = image.convert("YCbCr").split()
    step = 255 / (levels - 1)
    banded = luma.point([round((1 - mix) * min(255, round(v / step) * step) + mix * v)
                         for v in range(256)])
    toned = Image.merge("YCbCr", (banded, cb, cr)).convert("RGB")
    return ImageEnhance.Color(toned).enhance(saturation)


def _head(photo: Image.Image, face: Face, place: HeadPlace, style: str):
    """The head cut out, scaled, styled and tilted (RGBA), and where to paste it."""
    width, height = face.width, face.bottom - face.top
    scale = place.face_width / width
    cx, cy = face.centre
    half = max(HEAD_WIDTH / 2 * width, HEAD_UP * height) + 2 * FEATHER * width
    box = (round(cx - half), round(cy - half), round(cx + half), round(cy + half))
    size = max(8, round(2 * half * scale))
    rgb = photo.crop(box).resize((size, size), Image.Resampling.BICUBIC, reducing_gap=2.0)
    k = size / (box[2] - box[0])
    # Inside the photo only: beyond its edge the crop is black, never to show as a halo.
    inside = Image.new("L", (size, size))
    ImageDraw.Draw(inside).rectangle(((0 - box[0]) * k, (0 - box[1]) * k, (photo.width - box[0])
                                      * k - 1, (photo.height - box[1]) * k - 1), fill=255)
    feather = FEATHER * place.face_width
    up, down = HEAD_UP * height * scale - feather, HEAD_DOWN * height * scale - feather
    eggs = [_egg(size, f * (HEAD_WIDTH / 2 * place.face_width - feather), f * up, f * down)
            for f in (1.0, CORE, 1.12)]  # the egg, its core, and a margin around it
    inside = np.asarray(inside) > 0
    mask = _keyed(np.asarray(rgb), eggs, inside, size / 2 + 0.3 * height * scale)
    mask = Image.fromarray(mask).filter(ImageFilter.GaussianBlur(feather))
    if style != "realistic":
        if style == "anime":  # smooth skin and hair into patches, keep the features
            rgb = rgb.filter(ImageFilter.MedianFilter(3 if size < 200 else 5))
        rgb = _toned(rgb.filter(ImageFilter.SMOOTH_MORE), style)
    head = rgb.convert("RGBA")
    head.putalpha(mask)
    head = head.rotate(-place.angle, Image.Resampling.BICUBIC, expand=True)
    return head, (round(place.centre[0] - head.width / 2), round(place.centre[1] - head.height / 2))


def _egg(size: int, half_width: float, up: float, down: float) -> np.ndarray:
    """A boolean egg centred in a size x size square, narrower at the bottom (the jaw)."""
    image = Image.new("L", (size, size))
    steps = [2 * math.pi * i / 48 for i in range(48)]
    ImageDraw.Draw(image).polygon(
        [(size / 2 + half_width * math.cos(t) * (1 - JAW_NARROWING * max(0.0, math.sin(t))),
          size / 2 + math.sin(t) * (down if math.sin(t) > 0 else up)) for t in steps], fill=255)
    return np.asarray(image) > 0


def _keyed(rgb: np.ndarray, eggs: list[np.ndarray], inside: np.ndarray, chin: float) -> np.ndarray:
    """The head's mask (uint8): the egg, less the rim's pixels whose colour is likelier the
    photo's background than the head (the egg's core). Colour histograms, not a model: a
    blue wall or a shirt goes, hair of another colour stays. The background is what lies
    around the egg at the same height: a wall beside the hair, clothes below the chin."""
    egg, core, outer = eggs
    bins = (rgb.astype(np.int32) * KEY_BINS) // 256
    index = (bins[..., 0] * KEY_BINS + bins[..., 1]) * KEY_BINS + bins[..., 2]
    mask = (egg & inside).astype(np.uint8) * 255
    seen = core & inside
    if seen.sum() < 50:
        return mask
    head = np.bincount(index[seen], minlength=KEY_BINS ** 3) / seen.sum()
    # Two backgrounds, blended across the chin over a tenth of the crop: no seam.
    below = np.clip((np.arange(rgb.shape[0], dtype=np.float32)[:, None] - chin)
                    / (0.1 * rgb.shape[0]) + 0.5, 0, 1)
    odds = []
    for rows in (below < 0.5, below >= 0.5):
        around = ~outer & inside & rows
        back = np.bincount(index[around], minlength=KEY_BINS ** 3) / max(1, around.sum())
        # P(head | colour); a colour seen in neither leans to the background
        odds.append(((head + 1e-3) / (head + back + 3e-3))[index] if around.sum() >= 50 else 1.0)
    likely = odds[0] * (1 - below) + odds[1] * below
    keep = np.clip((likely - KEY_LOW) / (1 - 2 * KEY_LOW), 0, 1) * 255
    # No speckles (a pixel goes with its neighbours), and eroded: the feather's blur then
    # fades into the head, not out into the background.
    keep = Image.fromarray(np.where(core, 255, keep).astype(np.uint8) & mask)
    return np.asarray(keep.filter(ImageFilter.MedianFilter(5)).filter(ImageFilter.MinFilter(3)))


def _background(style: str, side: int, rng: np.random.Generator, body: Body) -> Image.Image:
    """The backdrop, never dark, its hue moved a little by the seed: a studio's lit centre
    and vignette with a shadow under the feet, warm paper with a wash behind the figure,
    or a sky with flat clouds and light streaks. Gradients are made at 128 px, enlarged."""
    y, x = np.mgrid[0:128, 0:128].astype(np.float32) / 127
    shift = float(rng.uniform(-0.06, 0.06))

    def hued(rgb, saturation=1.0):
        h, s, v = colorsys.rgb_to_hsv(*(c / 255 for c in rgb))
        return np.array(colorsys.hsv_to_rgb((h + shift) % 1, min(1, s * saturation), v)) * 255

    if style == "realistic":
        near, far = hued((208, 207, 200)), hued((102, 106, 118))
        t = np.clip(np.hypot(x - 0.5, (y - 0.4) * 0.9) / 0.72, 0, 1) ** 1.6
    elif style == "illustration":
        near, far = hued((224, 203, 178)), hued((241, 231, 211))
        t = 1 - np.clip(1 - np.hypot(x - 0.5, y - 0.5) / 0.42, 0, 1) ** 0.8 * 0.7
    else:
        near, far = hued((64, 124, 222), 1.1), hued((190, 228, 250))
        t = y ** 0.8
    ground = (near + (far - near) * t[..., None]).clip(0, 255).astype(np.uint8)
    image = Image.fromarray(ground).resize((side, side), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    if style == "anime":
        streak, cloud = tuple(int(c) for c in hued((120, 170, 236))), (248, 251, 255)
        for x0 in rng.uniform(-0.2, 1.0, 4) * side:
            draw.polygon([(x0, 0), (x0 + 0.06 * side, 0), (x0 - 0.3 * side, side),
                          (x0 - 0.36 * side, side)], fill=streak)
        for cx, cy in zip(rng.uniform(0.05, 0.95, 3) * side, rng.uniform(0.1, 0.75, 3) * side):
            r = 0.05 * side  # four puffs on a flat base
            for dx, dy, k in ((-1.2, 0.3, 0.8), (0, 0, 1.1), (1.1, 0.2, 0.9), (2.1, 0.45, 0.6)):
                draw.ellipse((cx + (dx - k) * r, cy + (dy - k) * r, cx + (dx + k) * r,
                              cy + (dy + k) * r), fill=cloud)
            draw.rectangle((cx - 2.2 * r, cy + 0.45 * r, cx + 3 * r, cy + 1.05 * r), fill=cloud)
        return image
    ankles = [a for a in (body.p[I["r_ankle"]], body.p[I["l_ankle"]]) if a]
    if ankles:  # a soft contact shadow: the figure stands on a floor
        k = side / body.side
        x0, x1 = min(a[0] for a in ankles) * k, max(a[0] for a in ankles) * k
        y0, r = max(a[1] for a in ankles) * k, 0.25 * body.torso * k
        shadow = Image.new("L", (side, side), 255)
        ImageDraw.Draw(shadow).ellipse((x0 - r, y0 - 0.12 * r, x1 + r, y0 + 0.22 * r), fill=170)
        shadow = shadow.filter(ImageFilter.BoxBlur(max(1, round(0.12 * r))))
        image = Image.composite(image, Image.new("RGB", image.size), shadow)
    return image
