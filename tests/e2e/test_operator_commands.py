"""The `portrait` operator commands against a running local stack."""
from __future__ import annotations

import json
import uuid

import jwt
import pytest
import requests

pytestmark = pytest.mark.e2e


def _login(stack, login: str, password: str) -> dict:
    reply = requests.post(stack.url("/auth/login"), json={"login": login, "password": password},
                          timeout=60)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_invoke_prints_the_function_response(local_stack) -> None:
    result = local_stack.portrait("invoke", "ApiFunction", "-e", "events/api-health.json")
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["status"] == "ok"


def test_admin_create_user_makes_an_administrator(local_stack) -> None:
    name = f"root_{uuid.uuid4().hex[:6]}"
    password = "a long admin passphrase"
    result = local_stack.portrait("admin", "create-user", "--admin", "--username", name,
                                  "--email", f"{name}@example.com", "--name", "Root",
                                  "--password-stdin", stdin=password + "\n")
    assert result.returncode == 0, result.stderr
    assert "created admin" in result.stdout

    tokens = _login(local_stack, name, password)
    assert jwt.decode(tokens["access_token"], options={"verify_signature": False})["role"] == "admin"

    clash = local_stack.portrait("admin", "create-user", "--username", name.upper(),
                                 "--email", f"other_{name}@example.com", "--name", "Copy",
                                 "--password-stdin", stdin=password + "\n")
    assert clash.returncode == 1 and "username_taken" in clash.stderr


def test_key_rotation_keeps_old_tokens_valid(local_stack) -> None:
    name = f"rot_{uuid.uuid4().hex[:6]}"
    password = "rotation passphrase"
    created = requests.post(local_stack.url("/auth/register"), timeout=60, json={
        "username": name, "email": f"{name}@example.com", "password": password, "name": "R"})
    assert created.status_code == 201
    before = _login(local_stack, name, password)
    old_kid = jwt.get_unverified_header(before["access_token"])["kid"]

    rotated = local_stack.portrait("keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    new_kid = rotated.stdout.split("signing key ")[1].split()[0]
    assert new_kid != old_kid

    jwks = requests.get(local_stack.url("/.well-known/jwks.json"), timeout=60).json()
    published = {k["kid"] for k in jwks["keys"]}
    # The API caches the key set (Powertools Parameters, max_age); the old key
    # must verify either way, and the new one once the cache has refreshed.
    assert old_kid in published
    me = requests.get(local_stack.url("/me"), timeout=60,
                      headers={"Authorization": f"Bearer {before['access_token']}"})
    assert me.status_code == 200
