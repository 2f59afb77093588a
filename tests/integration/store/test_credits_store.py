"""Credits on DynamoDB Local (real transaction semantics): charges under contention,
refunds at most once, grants, the ledger."""
from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from portrait.errors import InsufficientCredits, InvalidInput, NotFound
from portrait.ids import new_id
from portrait.store import credits, generations, users
from portrait.store.generations import EXPIRED, FAILED, PENDING, Generation, GenerationBusy
from portrait.store.models import GenerationItem, UserItem, bound
from tests.integration.store.test_users_store import make_user

pytestmark = pytest.mark.dynamodb_local

ISO = "2027-01-15T08:00:00Z"
COSTS = (5, 7, 8, 10)  # sd, hd, sd+priority, hd+priority


def _user(balance: int) -> str:
    user = make_user(credits=balance)
    users.insert_user(user)
    return user.user_id


def _generation(user_id: str, cost: int) -> Generation:
    generation_id = new_id()
    return Generation(user_id=user_id, generation_id=generation_id, status=PENDING,
                      pose_id="standing-relaxed-front-full", quality="sd", priority=False,
                      credits_charged=cost, content_type="image/jpeg",
                      input_key=f"tmp/generations/{user_id}/{generation_id}/source",
                      created_at=ISO, updated_at=ISO, upload_expires_at=1_800_000_000)


def test_fifty_concurrent_starts_never_overdraw_and_every_charge_has_its_generation(store_env):
    user_id = _user(100)
    bound(UserItem), bound(GenerationItem)  # bind once, before the threads share the models
    rng = random.Random(3)
    wanted = [_generation(user_id, rng.choice(COSTS)) for _ in range(50)]

    def start(generation: Generation) -> bool:
        try:
            generations.create_charged(generation)
            return True
        except InsufficientCredits as exc:
            assert exc.details["balance"] >= 0 and exc.details["cost"] == generation.credits_charged
            return False

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(start, wanted))

    charged = [g for g, ok in zip(wanted, outcomes) if ok]
    stored, _ = generations.list_generations(user_id, limit=100)
    ledger = credits.list_entries(user_id, limit=200)
    balance = credits.balance(user_id)
    assert 0 <= balance < min(COSTS) or len(charged) == 50
    assert balance == 100 - sum(g.credits_charged for g in charged)
    assert {g.generation_id for g in stored} == {g.generation_id for g in charged}
    assert sorted(e.generation_id for e in ledger if e.kind == "charge") == sorted(
        g.generation_id for g in charged)
    assert sum(e.amount for e in ledger) == balance  # the ledger explains the balance
    counters = credits.generation_counters(user_id)
    assert (counters.total, counters.records, counters.credits_used) == (
        len(charged), len(charged), 100 - balance)


def test_insufficient_credits_changes_nothing(store_env):
    user_id = _user(6)
    with pytest.raises(InsufficientCredits) as raised:
        generations.create_charged(_generation(user_id, 7))
    assert raised.value.details == {"balance": 6, "cost": 7}
    assert credits.balance(user_id) == 6 and generations.list_generations(user_id, limit=5)[0] == []
    with pytest.raises(NotFound):
        generations.create_charged(_generation(new_id(), 5))


def test_a_refund_happens_at_most_once_even_when_raced(store_env):
    user_id = _user(20)
    generation = _generation(user_id, 8)
    generations.create_charged(generation)

    def refund(_: int) -> bool:
        return generations.refund(generation, status=FAILED, reason="model_error", message="boom",
                                  now_iso=ISO)

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(refund, range(8)))
    assert outcomes.count(True) == 1
    # A duplicate afterwards, even as another final status, is a no-op too.
    assert not generations.refund(generation, status=EXPIRED, reason="input_never_arrived",
                                  message="", now_iso=ISO)
    assert credits.balance(user_id) == 20
    assert [e.kind for e in credits.list_entries(user_id)].count("refund") == 1
    stored = generations.get_generation(user_id, generation.generation_id)
    assert (stored.status, stored.error_reason) == (FAILED, "model_error")
    counters = credits.generation_counters(user_id)
    assert (counters.failed, counters.credits_used) == (1, 0)


def test_a_completed_generation_is_never_refunded(store_env):
    user_id = _user(20)
    generation = _generation(user_id, 5)
    generations.create_charged(generation)
    assert generations.claim(user_id, generation.generation_id, etag="e1", now_iso=ISO)
    assert generations.claim(user_id, generation.generation_id, etag="e1", now_iso=ISO)  # redelivery
    assert not generations.claim(user_id, generation.generation_id, etag="e2", now_iso=ISO)
    assert not generations.submit_render(user_id, generation.generation_id, etag="e2",
                                         source_key="s", render_id="r", deadline=1, now_iso=ISO)
    assert generations.submit_render(user_id, generation.generation_id, etag="e1", source_key="s",
                                     render_id=generation.generation_id, deadline=1, now_iso=ISO)
    assert [g for _, g in generations.iter_renders_past_deadline(now=2)] == [generation.generation_id]
    assert generations.complete(user_id, generation.generation_id, output_key="o",
                                output={"width": 512}, processing_ms=1200, now_iso=ISO)
    assert list(generations.iter_renders_past_deadline(now=2)) == []  # out of the index
    assert not generations.refund(generation, status=FAILED, reason="x", message="", now_iso=ISO)
    assert credits.balance(user_id) == 15
    counters = credits.generation_counters(user_id)
    assert (counters.completed, counters.processing_ms_sum) == (1, 1200)


def test_only_settled_generations_are_deleted(store_env):
    user_id = _user(20)
    generation = _generation(user_id, 5)
    generations.create_charged(generation)
    with pytest.raises(GenerationBusy):
        generations.delete_settled(user_id, generation.generation_id)
    generations.refund(generation, status=FAILED, reason="x", message="", now_iso=ISO)
    generations.delete_settled(user_id, generation.generation_id)
    assert generations.get_generation(user_id, generation.generation_id) is None
    with pytest.raises(NotFound):
        generations.delete_settled(user_id, generation.generation_id)
    counters = credits.generation_counters(user_id)
    assert (counters.records, counters.total) == (0, 1)  # history shrinks; stats do not


def test_grants_are_ledgered_and_bounded(store_env):
    user = make_user(credits=100)
    users.insert_user(user)
    assert [(e.kind, e.amount, e.reason) for e in credits.list_entries(user.user_id)] == [
        ("grant", 100, "welcome")]
    entry = credits.grant(user.user_id, 50, reason="support", actor_id="admin-1", now_iso=ISO,
                          balance_max=200)
    assert (entry.amount, entry.actor_id) == (50, "admin-1") and credits.balance(user.user_id) == 150
    with pytest.raises(InvalidInput):
        credits.grant(user.user_id, 51, reason="too much", actor_id="admin-1", now_iso=ISO,
                      balance_max=200)
    with pytest.raises(NotFound):
        credits.grant(new_id(), 5, reason="nobody", actor_id="admin-1", now_iso=ISO, balance_max=200)
    assert credits.balance(user.user_id) == 150
