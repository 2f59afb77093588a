"""The account flow over HTTP against `portrait dev`: register, login, /me,
refresh with rotation, reuse detection, logout, JWKS, health and docs."""
from __future__ import annotations

import uuid

import jwt
import pytest
import requests

pytestmark = pytest.mark.e2e


def _user() -> dict:
    suffix = uuid.uuid4().hex[:8]
    return {
        "username": f"ada_{suffix}",
        "email": f"Ada.{suffix}@Example.com",
        "password": "correct horse battery staple",
        "name": "Ada Lovelace",
    }


def test_health_and_docs(local_stack) -> None:
    health = requests.get(local_stack.url("/health"), timeout=60)
    assert health.status_code == 200, health.text
    docs = requests.get(local_stack.url("/docs"), timeout=60)
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_register_login_refresh_reuse_logout(local_stack) -> None:
    http = requests.Session()
    user = _user()

    created = http.post(local_stack.url("/auth/register"), json=user, timeout=60)
    assert created.status_code == 201, created.text
    user_id = created.json()["user_id"]

    again = http.post(local_stack.url("/auth/register"),
                      json={**user, "username": user["username"] + "x",
                            "email": user["email"].upper()}, timeout=60)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "email_taken"

    bad = http.post(local_stack.url("/auth/login"),
                    json={"login": user["username"], "password": "wrong password!"}, timeout=60)
    assert bad.status_code == 401
    assert bad.json()["error"]["code"]

    login = http.post(local_stack.url("/auth/login"),
                      json={"login": user["email"].lower(), "password": user["password"]}, timeout=60)
    assert login.status_code == 200, login.text
    tokens = login.json()
    assert tokens["token_type"].lower() == "bearer"
    assert tokens["expires_in"] == 900

    # The access token verifies with the published JWKS alone.
    jwks = http.get(local_stack.url("/.well-known/jwks.json"), timeout=60).json()
    kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    claims = jwt.decode(tokens["access_token"], jwt.PyJWK(key).key, algorithms=["ES256"],
                        audience=jwt.decode(tokens["access_token"], options={"verify_signature": False})["aud"])
    assert claims["sub"] == user_id

    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = http.get(local_stack.url("/me"), headers=auth, timeout=60)
    assert me.status_code == 200
    assert me.json()["email"] == user["email"].lower()

    patched = http.patch(local_stack.url("/me"), headers=auth,
                         json={"bio": "First programmer.", "social_links": {"github": "ada"}}, timeout=60)
    assert patched.status_code == 200, patched.text
    public = http.get(local_stack.url(f"/users/{user_id}"), timeout=60).json()
    assert public["bio"] == "First programmer." and "email" not in public

    verify = http.get(local_stack.url("/auth/verify"), headers=auth, timeout=60)
    assert verify.status_code == 200 and verify.json()["sub"] == user_id

    # Rotation: the new pair works, the old refresh token is now spent.
    first = tokens["refresh_token"]
    rotated = http.post(local_stack.url("/auth/refresh"), json={"refresh_token": first}, timeout=60)
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()["refresh_token"]
    assert second != first

    # Reuse of the spent token revokes the whole family, the fresh token included.
    reuse = http.post(local_stack.url("/auth/refresh"), json={"refresh_token": first}, timeout=60)
    assert reuse.status_code == 401
    after_reuse = http.post(local_stack.url("/auth/refresh"), json={"refresh_token": second}, timeout=60)
    assert after_reuse.status_code == 401

    # A new session, then logout revokes it.
    relog = http.post(local_stack.url("/auth/login"),
                      json={"login": user["username"], "password": user["password"]}, timeout=60).json()
    out = http.post(local_stack.url("/auth/logout"), json={"refresh_token": relog["refresh_token"]},
                    headers={"Authorization": f"Bearer {relog['access_token']}"}, timeout=60)
    assert out.status_code in (200, 204)
    dead = http.post(local_stack.url("/auth/refresh"), json={"refresh_token": relog["refresh_token"]}, timeout=60)
    assert dead.status_code == 401

    anonymous = http.get(local_stack.url("/me"), timeout=60)
    assert anonymous.status_code == 401


def test_stack_serves_health_quickly(local_stack) -> None:
    """Recorded, not asserted as a time: the figure goes in the test output."""
    print(f"portrait dev served /health {local_stack.startup_seconds:.1f} s after start")
    assert local_stack.process.poll() is None
