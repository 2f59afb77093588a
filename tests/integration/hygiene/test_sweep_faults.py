"""Fault injection at every AWS call of the temp sweep: whichever call fails, the next
run (the next hour's schedule) finishes the work — the abandoned upload is gone and the
avatar that waited for it is expired — and nothing is left half done."""
from __future__ import annotations

import time

import pytest

from portrait.services.hygiene.temp_sweep import sweep_temp_uploads
from portrait.store.avatars import EXPIRED
from tests.integration.faults import Faults
from tests.integration.hygiene.conftest import HOUR

pytestmark = pytest.mark.usefixtures("hygiene")


def _abandoned(hygiene, now: float):
    user = hygiene.new_user()
    avatar = hygiene.pending_avatar(user, form_expires_at=now - 3 * HOUR)
    hygiene.put(avatar.upload_key, at=now - 3 * HOUR)
    return user, avatar


def _sweep(now: float) -> bool:
    try:
        sweep_temp_uploads(now=now)
        return True
    except Exception:  # noqa: BLE001 - an injected failure the sweep let through
        return False


def test_every_failed_aws_call_is_finished_by_the_next_run(hygiene, monkeypatch) -> None:
    now = time.time()
    _abandoned(hygiene, now)
    with Faults().active(monkeypatch) as clean:
        assert _sweep(now)
    calls = clean.calls
    left_half_done = []
    for position, label in enumerate(calls):
        user, avatar = _abandoned(hygiene, now)
        with Faults(fail_at=position).active(monkeypatch):
            _sweep(now)
        assert _sweep(now)  # the next scheduled run, with nothing failing
        state = {"tmp": hygiene.keys("tmp/"),
                 "status": hygiene.avatar(user, avatar.avatar_id).status}
        if state != {"tmp": [], "status": EXPIRED}:
            left_half_done.append((position, label, state))
    print(f"\ntemp sweep: {len(calls)} injection points ({', '.join(sorted(set(calls)))}); "
          f"left half done after the next run: {len(left_half_done)}")
    assert left_half_done == []
