"""/me/webhooks: register, list, read, change, delete, rotate; ownership and limits."""
from __future__ import annotations

import pytest

from portrait.config import get_settings


def test_register_answers_the_secret_once_and_never_again(webhooks) -> None:
    ada = webhooks.member()
    created = webhooks.endpoint(ada, "https://hooks.example.com/portrait",
                                event_types=["project.created", "avatar.ready"],
                                description="my backend")
    assert created["secret"].startswith("whsec_")
    assert (created["status"], created["enabled"], created["event_types"]) == (
        "active", True, ["project.created", "avatar.ready"])
    one = webhooks.get(f"/me/webhooks/{created['endpoint_id']}", token=ada["token"])
    assert one.status == 200 and "secret" not in one.json()
    page = webhooks.get("/me/webhooks", token=ada["token"]).json()
    assert [e["endpoint_id"] for e in page["items"]] == [created["endpoint_id"]]
    assert page["next_cursor"] is None and "secret" not in page["items"][0]
    assert created["secret"] not in str(webhooks.dump_items())


def test_all_events_by_default_and_unknown_names_refused(webhooks) -> None:
    ada = webhooks.member()
    assert webhooks.endpoint(ada, "https://a.example.com/")["event_types"] == ["*"]
    for types in (["project.exploded"], ["*", "avatar.ready"], [], ["webhook.test"]):
        reply = webhooks.post("/me/webhooks", {"url": "https://a.example.com/", "event_types": types},
                              token=ada["token"])
        assert reply.status == 422, (types, reply.body)


@pytest.mark.parametrize("url", ["http://hooks.example.com/", "https://10.0.0.5/hook",
                                 "https://169.254.169.254/latest", "https://[fd00::1]/",
                                 "https://localhost/x", "https://u:p@example.com/"])
def test_targets_refused_when_registered(webhooks, monkeypatch, url) -> None:
    monkeypatch.setenv("WEBHOOK_ALLOW_LOOPBACK", "false")
    get_settings.cache_clear()
    ada = webhooks.member()
    reply = webhooks.post("/me/webhooks", {"url": url}, token=ada["token"])
    assert reply.status == 422, reply.body
    assert reply.json()["error"]["code"] == "invalid_webhook_url"


def test_change_disable_enable_and_delete(webhooks) -> None:
    ada = webhooks.member()
    endpoint_id = webhooks.endpoint(ada, "https://a.example.com/")["endpoint_id"]
    path = f"/me/webhooks/{endpoint_id}"
    changed = webhooks.patch(path, {"url": "https://b.example.com/x", "event_types": ["media.ready"],
                                    "description": "images", "enabled": False}, token=ada["token"])
    assert changed.status == 200, changed.body
    assert {k: changed.json()[k] for k in ("url", "event_types", "description", "enabled", "status")} == {
        "url": "https://b.example.com/x", "event_types": ["media.ready"],
        "description": "images", "enabled": False, "status": "disabled"}
    assert webhooks.patch(path, {"enabled": True}, token=ada["token"]).json()["status"] == "active"
    assert webhooks.patch(path, {"url": None}, token=ada["token"]).status == 422
    assert webhooks.delete(path, token=ada["token"]).json() == {"endpoint_id": endpoint_id,
                                                                 "status": "deleted"}
    assert webhooks.get(path, token=ada["token"]).status == 404
    assert webhooks.delete(path, token=ada["token"]).status == 404


def test_someone_elses_endpoint_is_not_found(webhooks) -> None:
    ada, bob = webhooks.member(), webhooks.member()
    endpoint_id = webhooks.endpoint(ada, "https://a.example.com/")["endpoint_id"]
    base = f"/me/webhooks/{endpoint_id}"
    for method, path in (("GET", base), ("PATCH", base), ("DELETE", base),
                         ("POST", base + "/rotate-secret"), ("POST", base + "/test"),
                         ("GET", base + "/deliveries")):
        reply = webhooks.request(method, path, json_body={} if method != "GET" else None,
                                 token=bob["token"])
        assert reply.status == 404, (method, path, reply.body)
    assert webhooks.get("/me/webhooks", token=bob["token"]).json()["items"] == []
    assert webhooks.get(base, token=ada["token"]).status == 200


def test_at_most_the_limit_per_user(webhooks, monkeypatch) -> None:
    monkeypatch.setenv("WEBHOOK_ENDPOINTS_PER_USER", "2")
    get_settings.cache_clear()
    ada = webhooks.member()
    first = webhooks.endpoint(ada, "https://a.example.com/1")
    webhooks.endpoint(ada, "https://a.example.com/2")
    third = webhooks.post("/me/webhooks", {"url": "https://a.example.com/3"}, token=ada["token"])
    assert third.status == 409 and third.json()["error"]["code"] == "webhook_limit_reached"
    webhooks.delete(f"/me/webhooks/{first['endpoint_id']}", token=ada["token"])
    webhooks.endpoint(ada, "https://a.example.com/3")


def test_pages_of_endpoints(webhooks) -> None:
    ada = webhooks.member()
    ids = [webhooks.endpoint(ada, f"https://a.example.com/{n}")["endpoint_id"] for n in range(3)]
    first = webhooks.get("/me/webhooks?limit=2", token=ada["token"]).json()
    rest = webhooks.get(f"/me/webhooks?limit=2&cursor={first['next_cursor']}",
                        token=ada["token"]).json()
    assert [e["endpoint_id"] for e in first["items"] + rest["items"]] == ids
    assert rest["next_cursor"] is None


def test_rotation_answers_a_new_secret_and_keeps_the_old_for_a_day(webhooks) -> None:
    ada = webhooks.member()
    created = webhooks.endpoint(ada, "https://a.example.com/")
    rotated = webhooks.post(f"/me/webhooks/{created['endpoint_id']}/rotate-secret",
                            token=ada["token"])
    assert rotated.status == 200, rotated.body
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None
