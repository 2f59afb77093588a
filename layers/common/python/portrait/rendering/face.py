"""The local face renderer: the user's own face, cut from their photo, on a figure drawn
in the pose and the style (portrait.imaging.face_portrait draws it). CPU only; the face
was found when the photo was checked, and arrives as a box in the request. Every output
passes the likeness check (portrait.rendering.likeness) before it is kept."""
from __future__ import annotations

from PIL import Image

from portrait.errors import ImageRejected, RenderFailed
from portrait.imaging.faces import Face
from portrait.imaging.prepare import upright_srgb
from portrait.imaging.validate import Limits, decode
from portrait.rendering.likeness import LikenessPolicy, render_until_alike
from portrait.rendering.port import RenderedImage, RenderRequest

# The photo was validated when it was uploaded; these limits only stop a wrong input early.
PHOTO_LIMITS = Limits(max_bytes=20 * 1024 * 1024, min_side=16, max_side=8192)
# Decoded with its longer side at most this: a head is never drawn wider than a third of
# a 1024 px portrait, so more pixels would be decoded only to be thrown away.
PHOTO_WORKING_SIDE = 2048


def photo_and_face(photo_bytes: bytes, box: tuple[float, float, float, float]
                   ) -> tuple[Image.Image, Face]:
    """The request's photo decoded upright in sRGB (its longer side at most
    PHOTO_WORKING_SIDE) and its face box scaled to match. Shared with the model container."""
    try:
        source = decode(photo_bytes, PHOTO_LIMITS, fit_within=PHOTO_WORKING_SIDE)
        photo = upright_srgb(source, longer_side=PHOTO_WORKING_SIDE).convert("RGB")
    except ImageRejected as exc:
        raise RenderFailed("invalid_input", f"the photo cannot be used: {exc.message}",
                           image_reason=exc.reason) from None
    scale = photo.width / source.info.width  # the box is in the stored photo's pixels
    return photo, Face(*(value * scale for value in box), 1.0)


class FaceRenderer:
    name = "face"

    def __init__(self, likeness: LikenessPolicy) -> None:
        self.likeness = likeness

    def render(self, request: RenderRequest) -> RenderedImage:
        from portrait.imaging.face_portrait import face_portrait_png  # numpy: in the worker only
        from portrait.imaging.likeness import embed

        if request.face is None:
            raise RenderFailed("invalid_input", "the request names no face to render")
        photo, face = photo_and_face(request.photo, request.face)

        def draw(seed: int) -> bytes:
            return face_portrait_png(photo, face, request.keypoints, request.side,
                                     request.style, seed)

        try:
            png, seed, likeness = render_until_alike(
                draw, reference=embed(photo, face), keypoints=request.keypoints,
                seed=request.seed, policy=self.likeness)
        except ValueError as exc:  # keypoints that are not finite numbers, an unknown style
            raise RenderFailed("invalid_input", str(exc)) from None
        return RenderedImage(png=png, width=request.side, height=request.side,
                             renderer=self.name, model=None, seed=seed, likeness=likeness)
