"""Every sample in events/ runs with `portrait invoke FUNCTION -e events/FILE.json` on the
worker's local stack (beside what the other modules left there) in reverse of
events/README.md's order, then again on the same stack in the README's order, and ends
ok every time.

SAMPLES says which function each file is for, what `portrait invoke` makes for it first
(portrait_local.sample_setup), and the batch items it is meant to fail; a file missing
from it fails the test, so a new sample comes with its entry.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e
EVENTS = ROOT / "events"


@dataclass(frozen=True)
class Sample:
    function: str
    # What `portrait invoke` says it made first, on a fresh stack (None: nothing).
    makes: str | None = None
    failures: tuple[str, ...] = ()  # the batch items the sample is meant to fail


SAMPLES = {
    "api-health.json": Sample("ApiFunction"),
    "api-register.json": Sample("ApiFunction"),
    "api-login.json": Sample("ApiFunction", makes="made the account 'sample_user'"),
    # A user it cannot find (none is made) is skipped: the record still succeeds.
    "default-avatar-user-insert.json": Sample("DefaultAvatarFunction"),
    # A generation that does not exist here: routed down the standard lane, then dropped.
    "generation-router-s3-upload.json": Sample("GenerationRouterFunction"),
    "generate-s3-upload.json": Sample("GenerateFunction"),
    "render-invocation.json": Sample("RenderFunction"),
    "render-complete-result.json": Sample("RenderCompleteFunction"),
    "purge-ttl-remove.json": Sample("PurgeFunction"),
    "resize-s3-upload.json": Sample("ResizeFunction", makes="made a pending avatar"),
    "resize-batch-one-bad.json": Sample("ResizeFunction", makes="made a pending avatar",
                                        failures=("b6c1d0ad-6c4e-4c0b-9a53-5a0c0e7f2d11",)),
    "thumbnail-s3-upload.json": Sample("ThumbnailFunction", makes="made a pending image"),
    "sweep-temp-schedule.json": Sample("SweepTempFunction"),
    "sweep-deleted-schedule.json": Sample("SweepDeletedFunction"),
    "sweep-renders-schedule.json": Sample("SweepRendersFunction"),
    "storage-counts-schedule.json": Sample("StorageCountsFunction"),
    "webhook-fanout-event.json": Sample("WebhookFanoutFunction"),
    "webhook-delivery-attempt.json": Sample("WebhookDeliveryFunction"),
    "webhook-sweep-schedule.json": Sample("WebhookSweepFunction"),
}


def _invoke(stack, sample: str, *, first: bool) -> dict:
    """Run the sample; `first` to need what it names, `portrait invoke` says it made it."""
    spec = SAMPLES[sample]
    result = stack.portrait("invoke", spec.function, "-e", f"events/{sample}")
    assert f"{spec.function} on running stack:" in result.stderr
    if spec.failures:  # a partial batch failure is a failed invocation: exit 1, said so
        assert result.returncode == 1, result.stderr
        assert f", ok but {len(spec.failures)} batch item" in result.stderr
    else:
        assert result.returncode == 0 and ", ok" in result.stderr, result.stderr
    if spec.makes and first:
        assert spec.makes in result.stderr, result.stderr
    return json.loads(result.stdout)


# About 70 cold invocations one after another: ~70 s on two quiet cores, three times that
# beside other work. pytest-timeout's 300 s (pyproject) is for a test that hangs.
@pytest.mark.timeout(1200)
def test_the_samples_run_in_any_order_each_making_what_it_needs_and_again(local_stack) -> None:
    """The register sample first (it signs its user up once; again it answers 409, as
    documented), then reverse order: each sample makes what it needs, the uploads first
    of all. Then the README's order on the same stack, after everything every sample
    left: every sample uses identities of its own,
    so none is spoiled by what another left (the default-avatar sample once gave the
    resize samples' user an avatar whose idempotency record then swallowed the resize),
    and each runs again."""
    readme = (EVENTS / "README.md").read_text()
    order = sorted(SAMPLES, key=lambda name: readme.index(f"| {name} |"))
    rest = [name for name in order if name != "api-register.json"]
    # The registered user is the one the log-in sample would otherwise make.
    made = {SAMPLES["api-login.json"].makes}
    _run_in_order(local_stack, ["api-register.json"], made=set())
    _run_in_order(local_stack, rest[::-1], made=made)
    _run_in_order(local_stack, rest, made=None)


def _run_in_order(stack, order: list[str], *, made: set[str | None] | None) -> None:
    """Every sample, one after another. `made`: what the stack has so far (None: all of
    it); each sample that is the first to need something says it made it (uploads naming
    the same user share what the first made)."""
    for sample in order:
        spec = SAMPLES[sample]
        reply = _invoke(stack, sample, first=made is not None and spec.makes not in made)
        if made is not None:
            made.add(spec.makes)
        if "statusCode" in reply:  # an API Gateway response
            assert reply["statusCode"] < 400, (sample, reply)
        if "batchItemFailures" in reply:
            assert sorted(i["itemIdentifier"] for i in reply["batchItemFailures"]) == \
                sorted(spec.failures), sample


def test_every_entry_has_its_sample() -> None:
    assert sorted(SAMPLES) == sorted(p.name for p in EVENTS.glob("*.json"))
