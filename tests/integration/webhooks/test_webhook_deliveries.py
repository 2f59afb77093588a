"""Deliveries end to end in-process: fan-out, signed attempts to a real receiver on
127.0.0.1, retries, parking, 410, rotation, redelivery, the sweep, leases."""
from __future__ import annotations

import json

from standardwebhooks import Webhook

from portrait.config import get_settings
from portrait.store.webhooks import endpoints as endpoint_store
from tests.integration.webhooks.conftest import project_created
from tests.integration.webhooks.receiver import Receiver


def test_an_event_is_delivered_signed_and_logged(webhooks) -> None:
    ada = webhooks.member()
    with Receiver() as receiver:
        endpoint = webhooks.endpoint(ada, receiver.url, event_types=["project.created"])
        detail = project_created(ada["user_id"])
        assert webhooks.publish(detail) == {"batchItemFailures": []}
        assert webhooks.deliver() == 1
        (request,) = receiver.received
    assert request.body == json.dumps(detail, separators=(",", ":")).encode()
    assert Webhook(endpoint["secret"]).verify(request.body, request.headers) == detail
    assert request.headers["webhook-id"] == detail["event_id"]
    assert request.headers["Content-Type"] == "application/json"
    (delivery,) = webhooks.deliveries(ada, endpoint["endpoint_id"])
    assert {k: delivery[k] for k in ("event_id", "event_type", "status", "attempt_count",
                                     "next_attempt_at")} == {
        "event_id": detail["event_id"], "event_type": "project.created", "status": "succeeded",
        "attempt_count": 1, "next_attempt_at": None}
    (attempt,) = delivery["attempts"]
    assert (attempt["status_code"], attempt["error"], attempt["response"]) == (200, None, "ok")
    assert attempt["latency_ms"] >= 0


def test_only_subscribed_enabled_endpoints_of_the_events_user_get_it(webhooks) -> None:
    ada, bob = webhooks.member(), webhooks.member()
    with Receiver() as receiver:
        webhooks.endpoint(ada, receiver.url, event_types=["avatar.ready"])
        off = webhooks.endpoint(ada, receiver.url)
        webhooks.patch(f"/me/webhooks/{off['endpoint_id']}", {"enabled": False}, token=ada["token"])
        webhooks.endpoint(bob, receiver.url)
        webhooks.publish(project_created(ada["user_id"]))
        assert webhooks.deliver() == 0
        assert receiver.received == []


def test_a_redelivered_event_makes_no_second_delivery(webhooks) -> None:
    ada = webhooks.member()
    with Receiver() as receiver:
        endpoint = webhooks.endpoint(ada, receiver.url)
        detail = project_created(ada["user_id"])
        webhooks.publish(detail)
        webhooks.deliver()
        webhooks.publish(detail)
        assert webhooks.deliver() == 0
        assert len(receiver.received) == 1
    assert len(webhooks.deliveries(ada, endpoint["endpoint_id"])) == 1


def test_500_three_times_then_200_is_four_attempts_with_one_webhook_id(webhooks) -> None:
    ada = webhooks.member()
    with Receiver([500, 500, 500, 200]) as receiver:
        endpoint = webhooks.endpoint(ada, receiver.url)
        webhooks.publish(project_created(ada["user_id"]))
        assert webhooks.deliver() == 4
        requests = receiver.received
    assert len({r.headers["webhook-id"] for r in requests}) == 1 and len(requests) == 4
    (delivery,) = webhooks.deliveries(ada, endpoint["endpoint_id"])
    assert delivery["status"] == "succeeded" and delivery["attempt_count"] == 4
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 500, 200]
    assert [a["error"] for a in delivery["attempts"]][:3] == ["answered 500"] * 3
    one = webhooks.get(f"/me/webhooks/{endpoint['endpoint_id']}", token=ada["token"]).json()
    assert one["status"] == "active" and one["failing_since"] is None


def test_past_the_schedule_the_delivery_is_parked_and_redeliverable(webhooks) -> None:
    ada = webhooks.member()
    with Receiver([500, 500, 500, 500, 200]) as receiver:
        endpoint = webhooks.endpoint(ada, receiver.url)
        webhooks.publish(project_created(ada["user_id"]))
        assert webhooks.deliver() == len(get_settings().webhook_retry_schedule)
        (delivery,) = webhooks.deliveries(ada, endpoint["endpoint_id"])
        assert delivery["status"] == "parked" and delivery["next_attempt_at"] is None
        shown = webhooks.get(f"/me/webhooks/{endpoint['endpoint_id']}", token=ada["token"]).json()
        assert shown["status"] == "failing" and shown["enabled"] is True
        path = f"/me/webhooks/{endpoint['endpoint_id']}/deliveries/{delivery['delivery_id']}/redeliver"
        again = webhooks.post(path, token=ada["token"])
        assert again.status == 202 and again.json()["status"] == "pending"
        assert webhooks.post(path, token=ada["token"]).status == 409  # already pending
        assert webhooks.deliver() == 1
        assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    (delivery,) = webhooks.deliveries(ada, endpoint["endpoint_id"])
    assert (delivery["status"], delivery["attempt_count"]) == ("succeeded", 5)


def test_410_disables_the_endpoint_with_a_reason(webhooks) -> None:
    ada = webhooks.member()
    with Receiver([410]) as receiver:
        endpoint = webhooks.endpoint(ada, receiver.url)
        webhooks.publish(project_created(ada["user_id"]))
        assert webhooks.deliver() == 1
        webhooks.publish(project_created(ada["user_id"], 2))
        assert webhooks.deliver() == 0  # disabled: no delivery made
    shown = webhooks.get(f"/me/webhooks/{endpoint['endpoint_id']}", token=ada["token"]).json()
    assert (shown["status"], shown["enabled"]) == ("disabled", False)
    assert "410" in shown["disabled_reason"]
    (delivery,) = webhooks.deliveries(ada, endpoint["endpoint_id"])
    assert delivery["status"] == "failed" and delivery["attempt_count"] == 1


def test_redirects_are_not_followed(webhooks) -> None:
    ada = webhooks.member()
    with Receiver([302, 200]) as receiver:
        endpoint = webhooks.endpoint(ada, receiver.url)
        webhooks.publish(project_created(ada["user_id"]))
        webhooks.deliver()
    attempts = webhooks.deliveries(ada, endpoint["endpoint_id"])[0]["attempts"]
    assert [a["status_code"] for a in attempts] == [302, 200]


def test_failing_for_the_disable_period_disables(webhooks, monkeypatch) -> None:
    monkeypatch.setenv("WEBHOOK_DISABLE_AFTER_SECONDS", "1")
    get_settings.cache_clear()
    ada = webhooks.member()
    from portrait import clock

    start = clock.now()
    with Receiver([500]) as receiver:
        endpoint = webhooks.endpoint(ada, receiver.url)
        webhooks.publish(project_created(ada["user_id"]))
        monkeypatch.setattr(clock, "now", lambda: start)
        webhooks.deliver(rounds=1)  # the first failure: failing since start
        monkeypatch.setattr(clock, "now", lambda: start + 5)
        webhooks.deliver(rounds=1)
    shown = webhooks.get(f"/me/webhooks/{endpoint['endpoint_id']}", token=ada["token"]).json()
    assert shown["status"] == "disabled" and "every delivery failed" in shown["disabled_reason"]


def test_during_a_rotation_deliveries_carry_both_signatures(webhooks) -> None:
    ada = webhooks.member()
    with Receiver() as receiver:
        endpoint = webhooks.endpoint(ada, receiver.url)
        rotated = webhooks.post(f"/me/webhooks/{endpoint['endpoint_id']}/rotate-secret",
                                token=ada["token"]).json()
        webhooks.publish(project_created(ada["user_id"]))
        webhooks.deliver()
        (request,) = receiver.received
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (endpoint["secret"], rotated["secret"]):
        Webhook(secret).verify(request.body, request.headers)


def test_after_the_overlap_only_the_new_secret_signs(webhooks, monkeypatch) -> None:
    monkeypatch.setenv("WEBHOOK_SECRET_OVERLAP_SECONDS", "0")
    get_settings.cache_clear()
    ada = webhooks.member()
    with Receiver() as receiver:
        endpoint = webhooks.endpoint(ada, receiver.url)
        rotated = webhooks.post(f"/me/webhooks/{endpoint['endpoint_id']}/rotate-secret",
                                token=ada["token"]).json()
        webhooks.publish(project_created(ada["user_id"]))
        webhooks.deliver()
        (request,) = receiver.received
    assert len(request.headers["webhook-signature"].split(" ")) == 1
    Webhook(rotated["secret"]).verify(request.body, request.headers)


def test_the_test_event_goes_the_same_way(webhooks) -> None:
    ada = webhooks.member()
    with Receiver() as receiver:
        endpoint = webhooks.endpoint(ada, receiver.url, event_types=["avatar.ready"])
        reply = webhooks.post(f"/me/webhooks/{endpoint['endpoint_id']}/test", token=ada["token"])
        assert reply.status == 202 and reply.json()["event_type"] == "webhook.test"
        webhooks.deliver()
        (request,) = receiver.received
    body = Webhook(endpoint["secret"]).verify(request.body, request.headers)
    assert body["type"] == "webhook.test" and body["endpoint_id"] == endpoint["endpoint_id"]
    assert request.headers["webhook-id"] == body["event_id"] == reply.json()["event_id"]


def test_a_refused_address_is_a_failed_attempt(webhooks, monkeypatch) -> None:
    ada = webhooks.member()
    with Receiver() as receiver:
        endpoint = webhooks.endpoint(ada, receiver.url)
        monkeypatch.setenv("WEBHOOK_ALLOW_LOOPBACK", "false")  # as in AWS
        get_settings.cache_clear()
        webhooks.publish(project_created(ada["user_id"]))
        webhooks.deliver(rounds=1)
        assert receiver.received == []
    (attempt,) = webhooks.deliveries(ada, endpoint["endpoint_id"])[0]["attempts"]
    assert attempt["status_code"] is None and attempt["error"].startswith("refused:")


def test_long_waits_go_through_the_sweep(webhooks, monkeypatch) -> None:
    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE", "0,3600")
    get_settings.cache_clear()
    from portrait import clock

    ada = webhooks.member()
    with Receiver([500, 200]) as receiver:
        endpoint = webhooks.endpoint(ada, receiver.url)
        webhooks.publish(project_created(ada["user_id"]))
        assert webhooks.deliver() == 1  # the hour's wait is not a queue message
        assert webhooks.invoke("WebhookSweepFunction", {}) == {"sent": 0, "resent": 0}
        (delivery,) = webhooks.deliveries(ada, endpoint["endpoint_id"])
        assert delivery["status"] == "pending" and delivery["next_attempt_at"]
        later = clock.now() + 2 * 3600
        monkeypatch.setattr(clock, "now", lambda: later)
        assert webhooks.invoke("WebhookSweepFunction", {}) == {"sent": 1, "resent": 0}
        assert webhooks.invoke("WebhookSweepFunction", {}) == {"sent": 0, "resent": 0}
        assert webhooks.deliver() == 1
        assert len(receiver.received) == 2
    assert webhooks.deliveries(ada, endpoint["endpoint_id"])[0]["status"] == "succeeded"


def test_a_busy_endpoint_puts_the_attempt_back(webhooks, monkeypatch) -> None:
    """Every lease held (slow attempts in flight): the attempt is queued again, unmade."""
    from portrait import clock
    from portrait.services.webhooks import attempt

    monkeypatch.setattr(attempt, "BUSY_RETRY_SECONDS", (0, 0))  # no delayed message left over

    ada = webhooks.member()
    with Receiver() as receiver:
        endpoint = webhooks.endpoint(ada, receiver.url)
        for _ in range(get_settings().webhook_endpoint_concurrency):
            assert endpoint_store.acquire_lease(ada["user_id"], endpoint["endpoint_id"], slots=2,
                                                now=clock.now(), hold_seconds=60)
        assert endpoint_store.acquire_lease(ada["user_id"], endpoint["endpoint_id"], slots=2,
                                            now=clock.now(), hold_seconds=60) is None
        webhooks.publish(project_created(ada["user_id"]))
        records = webhooks.drain("WebhookDeliveriesQueue")
        assert webhooks.invoke("WebhookDeliveryFunction", {"Records": records}) == {
            "batchItemFailures": []}
        assert receiver.received == []
        (delivery,) = webhooks.deliveries(ada, endpoint["endpoint_id"])
        assert (delivery["status"], delivery["attempt_count"]) == ("pending", 0)
        (again,) = webhooks.drain("WebhookDeliveriesQueue")
        assert json.loads(again["body"])["attempt"] == 0
        # A lease runs out by itself: a crashed attempt does not hold its slot for ever.
        assert endpoint_store.acquire_lease(ada["user_id"], endpoint["endpoint_id"], slots=2,
                                            now=clock.now() + 61, hold_seconds=60) == "s0"


def test_a_duplicate_message_sends_nothing_twice(webhooks) -> None:
    ada = webhooks.member()
    with Receiver() as receiver:
        webhooks.endpoint(ada, receiver.url)
        webhooks.publish(project_created(ada["user_id"]))
        (record,) = webhooks.drain("WebhookDeliveriesQueue")
        for _ in range(2):
            webhooks.invoke("WebhookDeliveryFunction", {"Records": [record]})
        assert len(receiver.received) == 1


def test_the_sample_events_run(webhooks) -> None:
    """events/webhook-*.json, as `portrait invoke` runs them: each ends ok on an empty stack."""
    from tests.conftest import ROOT

    for name, function_id, answer in (
            ("webhook-fanout-event.json", "WebhookFanoutFunction", {"batchItemFailures": []}),
            ("webhook-delivery-attempt.json", "WebhookDeliveryFunction", {"batchItemFailures": []}),
            ("webhook-sweep-schedule.json", "WebhookSweepFunction", {"sent": 0, "resent": 0})):
        event = json.loads((ROOT / "events" / name).read_text())
        assert webhooks.invoke(function_id, event) == answer, name
