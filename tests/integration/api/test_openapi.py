"""The committed openapi.json is what the code generates, and says which routes need a token."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from portrait_local.openapi import openapi_document
from tests.conftest import ROOT

PROTECTED = {
    ("get", "/me"), ("patch", "/me"), ("get", "/auth/verify"),
    ("post", "/me/avatar/uploads"), ("get", "/me/avatar"), ("delete", "/me/avatar"),
    ("post", "/me/avatar/default"), ("get", "/me/avatars"), ("get", "/me/avatars/{avatar_id}"),
    ("delete", "/me/avatars/{avatar_id}"), ("post", "/me/avatars/{avatar_id}/restore"),
    ("get", "/admin/temp-uploads"), ("post", "/admin/temp-uploads/sweep"),
    ("delete", "/admin/temp-uploads"), ("delete", "/admin/temp-uploads/{upload_id}"),
    ("get", "/admin/counts/storage"), ("get", "/admin/counts/avatars"),
    ("get", "/admin/counts/users"), ("get", "/admin/counts/generations"),
    ("get", "/me/credits"), ("post", "/admin/users/{user_id}/credits"),
    ("post", "/generations"), ("get", "/generations"), ("get", "/generations/stats"),
    ("get", "/generations/{generation_id}"), ("delete", "/generations/{generation_id}"),
    ("post", "/generations/{generation_id}/share"), ("delete", "/generations/{generation_id}/share"),
    ("post", "/generations/batch"),
    ("post", "/admin/poses"),
    ("post", "/projects"), ("patch", "/projects/{project_id}"), ("put", "/projects/{project_id}"),
    ("delete", "/projects/{project_id}"), ("put", "/projects/{project_id}/thumbnail"),
    ("post", "/media/uploads"), ("get", "/me/media"), ("delete", "/media/{media_id}"),
    ("get", "/media/{media_id}/original"), ("get", "/media/{media_id}/original/link"),
    ("post", "/admin/search/reindex"), ("post", "/admin/reindex-projects"),
    ("post", "/me/webhooks"), ("get", "/me/webhooks"), ("get", "/me/webhooks/{endpoint_id}"),
    ("patch", "/me/webhooks/{endpoint_id}"), ("delete", "/me/webhooks/{endpoint_id}"),
    ("post", "/me/webhooks/{endpoint_id}/rotate-secret"), ("post", "/me/webhooks/{endpoint_id}/test"),
    ("get", "/me/webhooks/{endpoint_id}/deliveries"),
    ("post", "/me/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver"),
}
# Public routes that read a token when one is sent (an owner sees more).
OPTIONALLY_PROTECTED = {("get", "/media/{media_id}")}


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(openapi_document())


def test_committed_openapi_matches_the_code() -> None:
    committed = (ROOT / "openapi.json").read_text()
    assert committed == openapi_document(), (
        "openapi.json is out of date with the routes: run `make openapi` and commit it"
    )


def test_generator_prints_only_the_document() -> None:
    """`make openapi` redirects stdout to the file: no log line may land in it."""
    out = subprocess.run([sys.executable, "-m", "portrait_local.openapi"], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=60).stdout
    assert json.loads(out)["info"]["title"] == "Portrait API"


def test_bearer_scheme_is_declared_and_protected_routes_use_it(document) -> None:
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            expected = ([{"bearerAuth": []}] if (method, path) in PROTECTED
                        else [{}, {"bearerAuth": []}] if (method, path) in OPTIONALLY_PROTECTED
                        else None)
            assert operation.get("security") == expected, f"{method.upper()} {path}"


def test_every_route_is_documented(document) -> None:
    routes = {(m, p) for p, ops in document["paths"].items() for m in ops}
    assert routes == PROTECTED | OPTIONALLY_PROTECTED | {
        ("post", "/auth/register"), ("post", "/auth/login"), ("post", "/auth/refresh"),
        ("post", "/auth/logout"), ("get", "/users/{user_id}"), ("get", "/.well-known/jwks.json"),
        ("get", "/health"), ("get", "/users/{user_id}/avatar"), ("get", "/avatars/default"),
        ("get", "/poses"), ("get", "/poses/facets"), ("get", "/poses/featured"),  # public
        ("get", "/poses/{pose_id}"),
        ("get", "/styles"),
        ("get", "/projects/{project_id}"), ("get", "/users/{user_id}/projects"),
        ("get", "/projects/user/{user_id}"), ("get", "/projects/{project_id}/media"),
        ("get", "/search"), ("get", "/search/suggest"),
    }
    assert "201" in document["paths"]["/auth/register"]["post"]["responses"]
    assert "201" in document["paths"]["/me/avatar/uploads"]["post"]["responses"]
    assert "410" in document["paths"]["/me/avatars/{avatar_id}/restore"]["post"]["responses"]
    deleted = document["paths"]["/me/avatars/{avatar_id}"]["delete"]["responses"]
    assert {"404", "409", "429"} <= set(deleted)
    assert deleted["200"]["content"]["application/json"]["schema"]["discriminator"]["mapping"][
        "removed"] == "#/components/schemas/AvatarRemoved"
    for method, path in (("get", "/admin/temp-uploads"), ("delete", "/admin/temp-uploads")):
        assert {"400", "401", "403"} <= set(document["paths"][path][method]["responses"])
    redirect = document["paths"]["/users/{user_id}/avatar"]["get"]["responses"]["302"]
    assert "Location" in redirect["headers"]
    assert "image/png" in document["paths"]["/avatars/default"]["get"]["responses"]["200"]["content"]
