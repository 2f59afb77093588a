"""argon2id hashing and the password policy."""
from __future__ import annotations

import pytest
from argon2 import extract_parameters

from portrait.auth.passwords import Passwords, password_policy_violation

FAST = dict(time_cost=1, memory_kib=1024, parallelism=1)


@pytest.mark.parametrize("password, ok", [
    ("1234567", False),
    ("12345678", True),
    ("x" * 128, True),
    ("x" * 129, False),
    ("Ada_Lovelace", False),   # the username, in another case
    ("ADA@EXAMPLE.COM", False),  # the email, in another case
    ("ada_lovelace!", True),
])
def test_password_policy(password, ok) -> None:
    problem = password_policy_violation(password, username="ada_lovelace", email="ada@example.com")
    assert (problem is None) is ok, problem


def test_hash_verifies_only_the_right_password() -> None:
    passwords = Passwords(**FAST)
    hashed = passwords.hash("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "correct horse battery")
    assert not passwords.verify(hashed, "correct horse battery!")
    assert not passwords.verify("not-a-hash", "correct horse battery")
    assert passwords.hash("same") != passwords.hash("same")  # salted


def test_hashes_made_with_other_parameters_need_rehash() -> None:
    old = Passwords(**FAST).hash("pw-pw-pw-pw")
    assert not Passwords(**FAST).needs_rehash(old)
    stronger = Passwords(time_cost=2, memory_kib=2048, parallelism=1)
    assert stronger.needs_rehash(old)
    assert stronger.verify(old, "pw-pw-pw-pw")  # still verifies, so login can upgrade it
    assert stronger.needs_rehash("garbage")


def test_burn_verify_fails_and_makes_its_dummy_hash_once() -> None:
    passwords = Passwords(**FAST)
    assert passwords._dummy_hash is None  # lazily: cold starts do not pay for it
    assert passwords.burn_verify("anything") is False
    dummy = passwords._dummy_hash
    assert dummy and dummy.startswith("$argon2id$")
    assert passwords.burn_verify("anything else") is False
    assert passwords._dummy_hash == dummy


def test_production_defaults_are_argon2id_with_sane_costs(monkeypatch) -> None:
    """The settings' defaults (tests override them) are RFC 9106's low-memory profile."""
    from portrait.config import Settings

    for name in ("PASSWORD_HASH_TIME_COST", "PASSWORD_HASH_MEMORY_KIB", "PASSWORD_HASH_PARALLELISM"):
        monkeypatch.delenv(name, raising=False)
    defaults = Passwords(time_cost=Settings.default_of("password_hash_time_cost"),
                         memory_kib=Settings.default_of("password_hash_memory_kib"),
                         parallelism=Settings.default_of("password_hash_parallelism"))
    params = extract_parameters(defaults.hash("correct horse battery"))
    assert params.type.name == "ID"
    assert params.time_cost >= 2 and params.memory_cost >= 19 * 1024  # OWASP's floor: m=19 MiB, t=2
    assert (params.time_cost, params.memory_cost, params.parallelism) == (3, 65536, 4)


def test_the_template_deploys_these_defaults_and_a_deploy_can_tune_them() -> None:
    """ApiFunction's environment carries the cost from template parameters whose defaults
    are the settings' own; the end-to-end stacks lower them by parameter override."""
    from portrait.config import Settings
    from portrait_local.template import Template
    from tests.conftest import TEMPLATE_PATH

    names = {"PASSWORD_HASH_TIME_COST": ("PasswordHashTimeCost", "password_hash_time_cost"),
             "PASSWORD_HASH_MEMORY_KIB": ("PasswordHashMemoryKiB", "password_hash_memory_kib"),
             "PASSWORD_HASH_PARALLELISM": ("PasswordHashParallelism", "password_hash_parallelism")}
    deployed = Template.load(TEMPLATE_PATH).function_environment("ApiFunction")
    assert {env: deployed[env] for env in names} == {
        env: str(Settings.default_of(setting)) for env, (_, setting) in names.items()}
    tuned = Template.load(TEMPLATE_PATH, parameter_overrides={
        parameter: "2" for parameter, _ in names.values()}).function_environment("ApiFunction")
    assert {env: tuned[env] for env in names} == dict.fromkeys(names, "2")
