"""Portraits behind one port (portrait.rendering.port): `get_renderer()` is the adapter
the RENDERER setting chooses, and the only place that knows which one that is.

  preview  (default) composes the photo's face area and the pose skeleton into a card,
           locally, with no model (rendering/preview.py);
  bedrock  asks an Amazon Bedrock image model, the skeleton as its control image
           (rendering/bedrock.py, its runtime client in rendering/bedrock_runtime.py).

Adapters are imported when chosen: each pulls Pillow, and Bedrock's pulls boto3.
"""
from __future__ import annotations

from portrait.config import Settings
from portrait.rendering.port import OUTPUT_SIDES, Quality, RenderedImage, Renderer, RenderRequest

__all__ = ["OUTPUT_SIDES", "Quality", "RenderRequest", "RenderedImage", "Renderer", "get_renderer"]


def get_renderer(settings: Settings) -> Renderer:
    """The renderer the RENDERER setting names."""
    if settings.renderer == "bedrock":
        from portrait.rendering.bedrock import bedrock_renderer

        return bedrock_renderer(settings)
    from portrait.rendering.preview import PreviewRenderer

    return PreviewRenderer()
