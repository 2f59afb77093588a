"""Login time for a known account with a wrong password, an unknown account, and a
success, at production argon2 cost, against moto in-process. Prints the figures.

The first two must be close: their difference is what timing would tell an
attacker trying to enumerate accounts.
"""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 15


def main() -> None:
    import boto3
    from moto import mock_aws

    from portrait_local.resources import create_resources
    from portrait_local.template import Template

    template = Template.load(ROOT / "template.yaml")
    os.environ.update(template.function_environment("ApiFunction"))
    os.environ.update({"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_REGION": "us-east-1",
                       "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "true",
                       "POWERTOOLS_LOG_LEVEL": "CRITICAL", "LOGIN_ATTEMPTS_PER_MINUTE": "100000"})
    with mock_aws():
        create_resources(template)
        from portrait.errors import Unauthorized
        from portrait.services.accounts import registration as accounts
        from portrait.services.accounts import sessions
        from portrait.store.signing_keys import rotate_signing_key

        rotate_signing_key(template.physical_id("SigningKeySecret"), boto3.client("secretsmanager"))
        accounts.create_user(username="bench_user", email="bench@example.com",
                             password="correct horse battery", name="Bench")

        def timed(login: str, password: str) -> float:
            start = time.perf_counter()
            try:
                sessions.login(sessions.Credentials(login=login, password=password))
            except Unauthorized:
                pass
            return (time.perf_counter() - start) * 1000

        timed("bench_user", "warm up the caches")  # clients, dummy hash, signing keys
        timed("nobody", "warm up the caches")
        cases = {"known user, wrong password": ("bench_user", "wrong password"),
                 "unknown user": ("no_such_user", "wrong password"),
                 "known user, right password": ("bench_user", "correct horse battery")}
        results = {name: [] for name in cases}
        for _ in range(ROUNDS):  # interleaved, so drift affects every case alike
            for name, (login, password) in cases.items():
                results[name].append(timed(login, password))
        for name, samples in results.items():
            print(f"{name:28s} median {statistics.median(samples):6.1f} ms  "
                  f"min {min(samples):6.1f}  max {max(samples):6.1f}  (n={ROUNDS})")


if __name__ == "__main__":
    main()
