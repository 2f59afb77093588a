"""The preview renderer: the local portrait card, deterministic, no model, no network
(portrait.imaging.portrait_card draws it)."""
from __future__ import annotations

from portrait.errors import ImageRejected, RenderFailed
from portrait.imaging.portrait_card import portrait_card_png
from portrait.rendering.port import RenderedImage, RenderRequest


class PreviewRenderer:
    """The local portrait card: deterministic, no model, no network."""

    name = "preview"

    def render(self, request: RenderRequest) -> RenderedImage:
        try:
            png = portrait_card_png(request.photo, request.skeleton_png, request.keypoints,
                                    request.side)
        except ImageRejected as exc:
            raise RenderFailed("invalid_input", f"an input image cannot be used: {exc.message}",
                               image_reason=exc.reason) from None
        except ValueError as exc:  # keypoints that are not finite numbers
            raise RenderFailed("invalid_input", str(exc)) from None
        return RenderedImage(png=png, width=request.side, height=request.side,
                             renderer=self.name, model=None)
