"""The RENDERER setting and its companions: defaults, and bad values named at cold start."""
from __future__ import annotations

import pytest

from portrait.config import SettingsError, get_settings
from portrait.rendering import get_renderer
from portrait.rendering.face import FaceRenderer

from ..test_settings import env  # noqa: F401 (fixture: required settings, nothing else set)


def test_the_face_renderer_renders_unless_told_otherwise(env) -> None:
    settings = get_settings()
    assert settings.renderer == "face" and settings.render_deadline_seconds == 900
    assert settings.bedrock_model_id == "amazon.titan-image-generator-v2:0"
    assert (settings.bedrock_region, settings.bedrock_control_strength,
            settings.render_timeout_seconds) == ("", 0.7, 60)
    renderer = get_renderer(settings)
    assert isinstance(renderer, FaceRenderer) and renderer.name == "face"
    assert (renderer.likeness.threshold, renderer.likeness.attempts) == (0.93, 3)
    assert not renderer.likeness.require_face  # a head too small to measure is not a failure


def test_the_model_renderer_submits_to_the_sagemaker_endpoint(env) -> None:
    from portrait.rendering import get_endpoint
    from portrait.rendering.model_endpoint import ModelEndpoint

    env.setenv("RENDERER", "model")
    env.setenv("RENDER_ENDPOINT_NAME", "portrait-dev-render")
    env.setenv("LIKENESS_THRESHOLD", "0.9")
    settings = get_settings()
    endpoint = get_endpoint(settings)
    assert isinstance(endpoint, ModelEndpoint) and endpoint.endpoint_name == "portrait-dev-render"
    assert settings.likeness_threshold == 0.9


@pytest.mark.parametrize("name, value", [
    ("RENDERER", "dalle"),
    ("BEDROCK_MODEL_ID", ""),
    ("BEDROCK_CONTROL_STRENGTH", "1.5"),
    ("RENDER_TIMEOUT_SECONDS", "0"),
    ("RENDER_DEADLINE_SECONDS", "5"),
    ("LIKENESS_THRESHOLD", "1.5"),
    ("LIKENESS_ATTEMPTS", "0"),
])
def test_a_bad_render_setting_is_named(env, name, value) -> None:
    env.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        get_settings()
