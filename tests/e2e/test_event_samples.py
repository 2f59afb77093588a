"""Every sample in events/ runs with `portrait invoke FUNCTION -e events/FILE.json` on a
freshly started local stack, and ends ok.

SAMPLES says which function each file is for, what it needs made first, and the batch
items it is meant to fail; a file missing from it fails the test, so a new sample
comes with its entry.
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, running_local_stack

pytestmark = pytest.mark.e2e
EVENTS = ROOT / "events"


@dataclass(frozen=True)
class Sample:
    function: str
    # What to make first: "register" (the user the API sample logs in), or
    # "avatar uploads" (the user, pending avatars and images the S3 event names).
    needs: str | None = None
    failures: tuple[str, ...] = ()  # the batch items the sample is meant to fail


SAMPLES = {
    "api-health.json": Sample("ApiFunction"),
    "api-register.json": Sample("ApiFunction"),
    "api-login.json": Sample("ApiFunction", needs="register"),
    # A user it cannot find (none is made) is skipped: the record still succeeds.
    "default-avatar-user-insert.json": Sample("DefaultAvatarFunction"),
    # A generation that does not exist here: routed down the standard lane, then dropped.
    "generation-router-s3-upload.json": Sample("GenerationRouterFunction"),
    "generate-s3-upload.json": Sample("GenerateFunction"),
    "render-invocation.json": Sample("RenderFunction"),
    "render-complete-result.json": Sample("RenderCompleteFunction"),
    "purge-ttl-remove.json": Sample("PurgeFunction"),
    "resize-s3-upload.json": Sample("ResizeFunction", needs="avatar uploads"),
    "resize-batch-one-bad.json": Sample("ResizeFunction", needs="avatar uploads",
                                        failures=("b6c1d0ad-6c4e-4c0b-9a53-5a0c0e7f2d11",)),
    # An image with no record here: dropped, and the upload (if any) deleted.
    "thumbnail-s3-upload.json": Sample("ThumbnailFunction"),
    "sweep-temp-schedule.json": Sample("SweepTempFunction"),
    "sweep-deleted-schedule.json": Sample("SweepDeletedFunction"),
    "sweep-renders-schedule.json": Sample("SweepRendersFunction"),
}


def _invoke(stack, function: str, sample: str, *, failures: int = 0) -> dict:
    result = stack.portrait("invoke", function, "-e", f"events/{sample}")
    assert f"{function} on running stack:" in result.stderr
    if failures:  # a partial batch failure is a failed invocation: exit 1, said so
        assert result.returncode == 1, result.stderr
        assert f", ok but {failures} batch item" in result.stderr
    else:
        assert result.returncode == 0 and ", ok" in result.stderr, result.stderr
    return json.loads(result.stdout)


def _make(needs: str, stack, sample: str) -> None:
    if needs == "register":  # unless an earlier sample made the user already
        result = stack.portrait("invoke", "ApiFunction", "-e", "events/api-register.json")
        status = json.loads(result.stdout)["statusCode"]
        assert status in (201, 409), result.stdout
    elif needs == "avatar uploads":
        made = subprocess.run([sys.executable, "-m", "tests.e2e.sample_data", f"events/{sample}",
                               "--state-dir", str(stack.state_dir)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert made.returncode == 0, made.stderr
    else:
        raise AssertionError(f"nothing makes {needs!r}")


@pytest.mark.parametrize("sample", sorted(p.name for p in EVENTS.glob("*.json")))
def test_the_sample_runs_on_a_fresh_stack(sample: str, tmp_path: Path) -> None:
    assert sample in SAMPLES, f"events/{sample} has no entry in SAMPLES: say what it is for"
    spec = SAMPLES[sample]
    with running_local_stack(tmp_path, name=f"sample-{Path(sample).stem}") as stack:
        if spec.needs:
            _make(spec.needs, stack, sample)
        reply = _invoke(stack, spec.function, sample, failures=len(spec.failures))

    if "statusCode" in reply:  # an API Gateway response
        assert reply["statusCode"] < 400, reply
    if "batchItemFailures" in reply:
        assert sorted(i["itemIdentifier"] for i in reply["batchItemFailures"]) == \
            sorted(spec.failures)


def test_the_samples_run_one_after_another_in_the_readmes_order(tmp_path: Path) -> None:
    """On one stack, each after the others (events/README.md's table order): every sample
    uses identities of its own, so none is spoiled by what an earlier one left (the
    default-avatar sample once gave the resize samples' user an avatar whose idempotency
    record then swallowed the resize)."""
    readme = (EVENTS / "README.md").read_text()
    order = sorted(SAMPLES, key=lambda name: readme.index(f"| {name} |"))
    with running_local_stack(tmp_path, name="samples-in-order") as stack:
        for sample in order:
            spec = SAMPLES[sample]
            if spec.needs:
                _make(spec.needs, stack, sample)
            reply = _invoke(stack, spec.function, sample, failures=len(spec.failures))
            if "statusCode" in reply:
                assert reply["statusCode"] < 400, (sample, reply)


def test_every_entry_has_its_sample() -> None:
    assert sorted(SAMPLES) == sorted(p.name for p in EVENTS.glob("*.json"))
