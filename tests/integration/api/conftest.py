"""ApiFunction's handler, called in-process on payload-2.0 events against moto."""
from __future__ import annotations

import io
import json
from typing import Any, Callable, Iterator

import pytest
from moto import mock_aws

from portrait.config import get_settings
from portrait_local.openapi import load_api_module
from portrait_local.resources import create_resources
from tests.conftest import (
    api_function_environment,
    apply_environment,
    empty_tables,
    provision_signing_key,
    reset_process_caches,
)
from tests.integration.api.http_events import HttpReply, LambdaContext, http_event


@pytest.fixture(scope="session")
def api_module():
    return load_api_module()


class Api:
    """Calls lambda_handler as API Gateway would, and reads the reply."""

    def __init__(self, handler) -> None:
        self.handler = handler

    def call(self, event: dict) -> HttpReply:
        return HttpReply.from_result(self.handler(event, LambdaContext()))

    def request(self, method: str, path: str, *, json_body: Any = None, token: str | None = None,
                headers: dict[str, str] | None = None) -> HttpReply:
        all_headers = dict(headers or {})
        if token:
            all_headers["authorization"] = f"Bearer {token}"
        return self.call(http_event(method, path, body=json_body, headers=all_headers))

    def get(self, path: str, **kw) -> HttpReply:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw) -> HttpReply:
        return self.request("POST", path, json_body=body, **kw)

    def patch(self, path: str, body: Any = None, **kw) -> HttpReply:
        return self.request("PATCH", path, json_body=body, **kw)

    def delete(self, path: str, **kw) -> HttpReply:
        return self.request("DELETE", path, **kw)

    # The steps most tests start with.
    def register(self, **overrides: str) -> dict:
        reply = self.post("/auth/register", new_account(**overrides))
        assert reply.status == 201, reply.body
        return reply.json()["user"]

    def login(self, login: str, password: str = "correct horse battery") -> dict:
        reply = self.post("/auth/login", {"login": login, "password": password})
        assert reply.status == 200, reply.body
        return reply.json()


_counter = iter(range(1_000_000))


def new_account(**overrides: str) -> dict[str, str]:
    n = next(_counter)
    account = {"username": f"ada_{n}", "email": f"Ada.{n}@Example.com",
               "password": "correct horse battery", "name": "Ada Lovelace"}
    account.update(overrides)
    return account


@pytest.fixture(scope="package")
def moto_stack(template) -> Iterator[dict[str, str]]:
    """The template's resources in moto, with a signing key, shared by the package's tests.

    Creating them (and the clients that reach them) costs ~0.5 s; emptying the
    tables between tests costs a few ms, so each test still starts from nothing.
    """
    env = api_function_environment(template)
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        apply_environment(patch, env)
        create_resources(template)
        provision_signing_key(template)
        yield env
    reset_process_caches()


@pytest.fixture
def api(moto_stack, template, api_module) -> Iterator[Api]:
    get_settings.cache_clear()  # a test may have changed the environment
    empty_tables(template)
    yield Api(api_module.lambda_handler)
    get_settings.cache_clear()


ADMIN_PASSWORD = "a long admin passphrase"


@pytest.fixture
def admin(api) -> dict:
    """An administrator (only an operator can make one: `portrait admin create-user --admin`)
    and their access token."""
    from portrait.services.accounts.registration import create_user

    name = f"root_{next(_counter)}"
    user = create_user(username=name, email=f"{name}@example.com", password=ADMIN_PASSWORD,
                       name="Root", role="admin")
    return {"user_id": user.user_id, "token": api.login(name, ADMIN_PASSWORD)["access_token"]}


@pytest.fixture
def structured_logs() -> Iterator[Callable[[], list[dict]]]:
    """The JSON records portrait's Logger writes during the test (its handler's stream
    is bound at import, so capsys cannot see them)."""
    from portrait.observability import logger

    buffer = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(buffer)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
    finally:
        handler.setStream(previous)
