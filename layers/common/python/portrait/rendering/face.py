"""The local face renderer: the user's own face, cut from their photo, on a figure drawn
in the pose and the style (portrait.imaging.face_portrait draws it). CPU only; the face
was found when the photo was checked, and arrives as a box in the request."""
from __future__ import annotations

from portrait.errors import ImageRejected, RenderFailed
from portrait.imaging.faces import Face
from portrait.imaging.prepare import upright_srgb
from portrait.imaging.validate import Limits, decode
from portrait.rendering.port import RenderedImage, RenderRequest

# The photo was validated when it was uploaded; these limits only stop a wrong input early.
PHOTO_LIMITS = Limits(max_bytes=20 * 1024 * 1024, min_side=16, max_side=8192)
# Decoded with its longer side at most this: a head is never drawn wider than a third of
# a 1024 px portrait, so more pixels would be decoded only to be thrown away.
PHOTO_WORKING_SIDE = 2048


class FaceRenderer:
    name = "face"

    def render(self, request: RenderRequest) -> RenderedImage:
        from portrait.imaging.face_portrait import face_portrait_png  # numpy: in the worker only

        if request.face is None:
            raise RenderFailed("invalid_input", "the request names no face to render")
        try:
            source = decode(request.photo, PHOTO_LIMITS, fit_within=PHOTO_WORKING_SIDE)
            photo = upright_srgb(source, longer_side=PHOTO_WORKING_SIDE).convert("RGB")
        except ImageRejected as exc:
            raise RenderFailed("invalid_input", f"the photo cannot be used: {exc.message}",
                               image_reason=exc.reason) from None
        scale = photo.width / source.info.width  # the box is in the stored photo's pixels
        left, top, right, bottom = (value * scale for value in request.face)
        try:
            png = face_portrait_png(photo, Face(left, top, right, bottom, 1.0), request.keypoints,
                                    request.side, request.style, request.seed)
        except ValueError as exc:  # keypoints that are not finite numbers, an unknown style
            raise RenderFailed("invalid_input", str(exc)) from None
        return RenderedImage(png=png, width=request.side, height=request.side,
                             renderer=self.name, model=None)
