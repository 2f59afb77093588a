"""The request field every upload form request carries: the image's content type.

Apart from services.uploads because it is pydantic's (a request model's field), and the
processors, which load services.uploads on every cold start, build no request models.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import Field

from portrait.services.uploads import ALLOWED_CONTENT_TYPES

# The content type a client declares for an image upload form.
ImageContentType = Annotated[str, Field(min_length=1, max_length=100, examples=["image/jpeg"],
                                        description="one of " + ", ".join(ALLOWED_CONTENT_TYPES))]
