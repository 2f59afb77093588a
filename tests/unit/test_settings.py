"""Settings: read once from the environment, and a bad one names itself."""
from __future__ import annotations

import pytest

from portrait.config import Settings, SettingsError, get_settings

REQUIRED = {
    "USERS_TABLE": "users", "REFRESH_TOKENS_TABLE": "tokens", "RATE_LIMITS_TABLE": "limits",
    "IDEMPOTENCY_TABLE": "idem", "AVATARS_TABLE": "avatars", "MEDIA_BUCKET": "bucket",
    "EVENT_BUS_NAME": "bus",
    "GENERATIONS_TABLE": "generations", "CREDIT_LEDGER_TABLE": "ledger", "POSES_TABLE": "poses",
    "PROJECTS_TABLE": "projects", "MEDIA_TABLE": "media", "WEBHOOKS_TABLE": "webhooks",
    "COUNTS_TABLE": "counts",
    "SIGNING_KEY_SECRET": "secret",
}


@pytest.fixture
def env(monkeypatch):
    for name in [*REQUIRED, *Settings.aliases()]:
        monkeypatch.delenv(name, raising=False)
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_defaults(env) -> None:
    s = get_settings()
    assert (s.users_table, s.signing_key_secret) == ("users", "secret")
    assert (s.jwt_issuer, s.jwt_audience) == ("portrait", "portrait-api")
    assert s.access_token_ttl_seconds == 900 and s.refresh_token_ttl_days == 30
    assert s.login_attempts_per_minute == 10
    assert get_settings() is s  # read once


def test_missing_setting_is_named(env) -> None:
    env.delenv("USERS_TABLE")
    with pytest.raises(SettingsError, match="USERS_TABLE"):
        get_settings()


@pytest.mark.parametrize("name, value", [
    ("ACCESS_TOKEN_TTL_SECONDS", "5"),
    ("ACCESS_TOKEN_TTL_SECONDS", "soon"),
    ("REFRESH_TOKEN_TTL_DAYS", "0"),
    ("PASSWORD_HASH_TIME_COST", "0"),
    ("JWT_AUDIENCE", ""),
    ("GRAVATAR_BASE_URL", "http://www.gravatar.com/avatar/"),  # https only
    ("IDEMPOTENCY_TTL_SECONDS", "60"),
    ("IMAGE_WORKERS", "-1"),
])
def test_bad_value_is_named(env, name, value) -> None:
    env.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        get_settings()


def test_argon2_memory_must_cover_its_lanes(env) -> None:
    env.setenv("PASSWORD_HASH_PARALLELISM", "4")
    env.setenv("PASSWORD_HASH_MEMORY_KIB", "16")
    with pytest.raises(SettingsError, match="PASSWORD_HASH_MEMORY_KIB"):
        get_settings()


def test_overrides_are_read(env) -> None:
    env.setenv("ACCESS_TOKEN_TTL_SECONDS", "600")
    env.setenv("LOGIN_ATTEMPTS_PER_MINUTE", "3")
    s = get_settings()
    assert (s.access_token_ttl_seconds, s.login_attempts_per_minute) == (600, 3)


def test_webp_methods_default_to_the_measured_table_and_can_be_pinned(env) -> None:
    assert (get_settings().avatar_webp_method, get_settings().avatar_webp_alpha_method) == (
        None, None)
    get_settings.cache_clear()
    env.setenv("AVATAR_WEBP_METHOD", "4")
    env.setenv("AVATAR_WEBP_ALPHA_METHOD", "2")
    s = get_settings()
    assert (s.avatar_webp_method, s.avatar_webp_alpha_method) == (4, 2)


@pytest.mark.parametrize("value, expected", [("true", True), ("ON", True), ("1", True),
                                             ("no", False), ("0", False), ("False", False)])
def test_booleans_take_the_usual_spellings(env, value, expected) -> None:
    env.setenv("WEBHOOK_ALLOW_LOOPBACK", value)
    assert get_settings().webhook_allow_loopback is expected


def test_a_boolean_that_is_neither_is_named(env) -> None:
    env.setenv("WEBHOOK_ALLOW_LOOPBACK", "maybe")
    with pytest.raises(SettingsError, match="WEBHOOK_ALLOW_LOOPBACK: not a boolean"):
        get_settings()


def test_lists_are_comma_separated_and_each_item_is_checked(env) -> None:
    env.setenv("AVATAR_FORMATS", "webp, jpeg")
    env.setenv("WEBHOOK_RETRY_SCHEDULE", "0,5,60")
    s = get_settings()
    assert (s.avatar_formats, s.webhook_retry_schedule) == (("webp", "jpeg"), (0, 5, 60))
    get_settings.cache_clear()
    env.setenv("AVATAR_FORMATS", "webp,gif")
    env.setenv("WEBHOOK_RETRY_SCHEDULE", "0,-5")
    with pytest.raises(SettingsError) as caught:
        get_settings()
    # Every problem at once, each under its variable's name.
    assert "AVATAR_FORMATS: must be one of webp, jpeg" in str(caught.value)
    assert "WEBHOOK_RETRY_SCHEDULE: must be at least 0" in str(caught.value)


def test_an_empty_optional_number_is_unset(env) -> None:
    env.setenv("AVATAR_WEBP_METHOD", "")
    assert get_settings().avatar_webp_method is None


def test_settings_are_read_only(env) -> None:
    with pytest.raises(AttributeError):
        get_settings().users_table = "other"


def test_every_variable_is_listed_once() -> None:
    aliases = Settings.aliases()
    assert len(aliases) == len(set(aliases)) and "USERS_TABLE" in aliases
    assert Settings.choices_of("renderer") == ("face", "bedrock", "model")
