"""The RENDERER setting and its companions: defaults, and bad values named at cold start."""
from __future__ import annotations

import pytest

from portrait.config import SettingsError, get_settings
from portrait.rendering import get_renderer
from portrait.rendering.preview import PreviewRenderer

from ..test_settings import env  # noqa: F401 (fixture: required settings, nothing else set)


def test_the_preview_renders_unless_told_otherwise(env) -> None:
    settings = get_settings()
    assert settings.renderer == "preview"
    assert settings.bedrock_model_id == "amazon.titan-image-generator-v2:0"
    assert (settings.bedrock_region, settings.bedrock_control_strength,
            settings.render_timeout_seconds) == ("", 0.7, 60)
    renderer = get_renderer(settings)
    assert isinstance(renderer, PreviewRenderer) and renderer.name == "preview"


@pytest.mark.parametrize("name, value", [
    ("RENDERER", "dalle"),
    ("BEDROCK_MODEL_ID", ""),
    ("BEDROCK_CONTROL_STRENGTH", "1.5"),
    ("RENDER_TIMEOUT_SECONDS", "0"),
])
def test_a_bad_render_setting_is_named(env, name, value) -> None:
    env.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        get_settings()
