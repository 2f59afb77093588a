"""Portraits behind one port (portrait.rendering.port), asynchronously
(portrait.rendering.contract). The RENDERER setting chooses what draws them:

  face     (default) the local face renderer: the user's face on a figure in the pose,
           on CPU (rendering/face.py);
  bedrock  an Amazon Bedrock image model, the skeleton as its control image, no
           likeness (rendering/bedrock.py, its runtime client in bedrock_runtime.py);
  model    the identity-preserving model container (model/) on a SageMaker
           asynchronous endpoint, reached through the ModelEndpoint.

The first two run in the render worker (RenderFunction), reached through the QueueEndpoint;
`get_endpoint()` is where a generation submits, `get_renderer()` what the worker runs.
Adapters are imported when chosen: each pulls Pillow, and Bedrock's pulls boto3.
"""
from __future__ import annotations

from portrait.config import Settings
from portrait.rendering.port import (OUTPUT_SIDES, Quality, RenderedImage, RenderEndpoint,
                                     Renderer, RenderRequest)

__all__ = ["OUTPUT_SIDES", "Quality", "RenderEndpoint", "RenderRequest", "RenderedImage",
           "Renderer", "get_endpoint", "get_renderer"]


def get_endpoint(settings: Settings) -> RenderEndpoint:
    """Where a generation submits its render."""
    if settings.renderer == "model":
        from portrait.rendering.model_endpoint import ModelEndpoint

        return ModelEndpoint(settings.render_endpoint_name, settings.render_deadline_seconds)
    from portrait.rendering.queue_endpoint import QueueEndpoint

    return QueueEndpoint(settings.render_requests_queue_url,
                         settings.render_priority_requests_queue_url, settings.render_endpoint_name)


def get_renderer(settings: Settings) -> Renderer:
    """The renderer the RENDERER setting names, for the render worker."""
    if settings.renderer == "bedrock":
        from portrait.rendering.bedrock import bedrock_renderer

        return bedrock_renderer(settings)
    from portrait.rendering.face import FaceRenderer
    from portrait.rendering.likeness import LikenessPolicy

    return FaceRenderer(LikenessPolicy(threshold=settings.likeness_threshold,
                                       attempts=settings.likeness_attempts, require_face=False))
