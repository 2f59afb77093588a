"""Metrics go to one namespace per stage, so dev and prod never mix."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _namespace(**env: str) -> str:
    # A fresh interpreter: the namespace is read once, when the module is imported.
    clean = {k: v for k, v in os.environ.items()
             if k not in ("POWERTOOLS_METRICS_NAMESPACE", "STAGE")}
    return subprocess.run(
        [sys.executable, "-c", "from portrait.observability import NAMESPACE, metrics;"
                               "assert metrics.namespace == NAMESPACE; print(NAMESPACE)"],
        env={**clean, **env}, capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()


@pytest.mark.parametrize(("env", "namespace"), [
    ({"POWERTOOLS_METRICS_NAMESPACE": "Portrait/prod", "STAGE": "prod"}, "Portrait/prod"),
    ({"STAGE": "prod"}, "Portrait/prod"),  # without the template's variable: the stage's
    ({}, "Portrait/dev"),
])
def test_the_namespace_carries_the_stage(env, namespace) -> None:
    assert _namespace(**env) == namespace
