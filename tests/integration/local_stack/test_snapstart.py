"""SnapStart, emulated: a SnapStart function's instances are forks of one initialised
process, so whatever init left in memory is theirs to share unless an after-restore hook
refreshes it, as on Lambda. Two instances restored from one snapshot at once, with
portrait.snapstart's hooks and without them."""
from __future__ import annotations

import threading

import pytest

from portrait_local.runtime import FunctionPool, function_environment, invocation_context

FUNCTION = "SnapStartFunction"


def restore_two(stack_template, moto_endpoint, log_path, **env) -> list:
    """Two concurrent invocations on a fresh pool: two instances restored from its one
    snapshot. The replies, and the pool's log (REPORT lines)."""
    spec = stack_template.functions()[FUNCTION]
    environment = {**function_environment(stack_template, spec, endpoint_url=moto_endpoint),
                   **env}
    with open(log_path, "a", encoding="utf-8") as log:
        pool = FunctionPool(spec, environment, log, size=2)
        replies: list = [None, None]

        def call(slot: int) -> None:
            # Held long enough that the other call finds this instance busy.
            context = invocation_context(stack_template, spec, f"request-{slot}")
            replies[slot] = pool.invoke({"hold": 0.5}, context)

        threads = [threading.Thread(target=call, args=(slot,)) for slot in (0, 1)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            for worker in pool.close():
                worker.stop()
    for reply in replies:
        assert "error" not in reply, reply["error"]
    first, second = (reply["result"] for reply in replies)
    assert first["pid"] != second["pid"], "one instance served both: nothing was compared"
    print(f"\n{FUNCTION}, hooks {'on' if first['hooks'] else 'off'}:")
    for reply in replies:
        result = reply["result"]
        print(f"  instance pid {result['pid']}: draws {result['draws']}, id {result['id']}, "
              f"{reply['startup'][0]} {reply['startup'][1]:.1f} ms")
    return [reply["result"] for reply in replies] + [[reply["startup"] for reply in replies]]


@pytest.fixture
def log_path(tmp_path):
    return tmp_path / f"{FUNCTION}.log"


def test_restored_instances_draw_apart_with_the_hooks(stack_template, moto_endpoint, log_path):
    first, second, startups = restore_two(stack_template, moto_endpoint, log_path)
    assert first["hooks"] and second["hooks"]
    assert first["draws"] != second["draws"]  # botocore's retry jitter no longer in step
    assert first["id"] != second["id"]
    # Both are restores, reported as Lambda reports them, and init ran once, before them.
    assert [label for label, _ in startups] == ["Restore Duration"] * 2
    log = log_path.read_text()
    assert log.count("\tRestore Duration: ") == 2 and "Init Duration" not in log
    assert log.count("REPORT RequestId: request-") == 2
    # The clients were built before the snapshot and still work after their pools closed.
    assert {"s3", "dynamodb", "secretsmanager"} <= set(first["primed"])
    assert isinstance(first["buckets"], list)
    assert first["initialization_type"] == "snap-start"


def test_without_the_hooks_restored_instances_replay_one_sequence(stack_template, moto_endpoint,
                                                                  log_path):
    first, second, _ = restore_two(stack_template, moto_endpoint, log_path,
                                   PORTRAIT_SNAPSTART_HOOKS="off")
    assert not first["hooks"] and not second["hooks"]
    # The snapshot's generator state, twice: every restored instance would back off in step.
    # (The emulation's fork would have reseeded it; it restores the snapshot's state instead.)
    assert first["draws"] == second["draws"]
    # ULIDs draw from os.urandom, which no snapshot freezes: unique with or without hooks.
    assert first["id"] != second["id"]


def test_a_failing_after_restore_hook_fails_the_invocation_as_lambda_does(stack_template,
                                                                          moto_endpoint, tmp_path):
    spec = stack_template.functions()[FUNCTION]
    environment = {**function_environment(stack_template, spec, endpoint_url=moto_endpoint),
                   "FAIL_AFTER_RESTORE": "1"}
    with open(tmp_path / "log", "a", encoding="utf-8") as log:
        pool = FunctionPool(spec, environment, log, size=1)
        try:
            reply = pool.invoke({}, invocation_context(stack_template, spec, "request-0"))
        finally:
            for worker in pool.close():
                worker.stop()
    assert reply["error"]["errorType"] == "SnapStartException"
    assert reply["error"]["errorMessage"] == "asked to fail after the restore"
    assert reply["error"]["requestId"] == "request-0"
