"""End-to-end fixtures: the real local stack (`portrait dev`) started as a
subprocess on free ports, driven over HTTP like any client would."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import requests

from portrait_local.dynamodb_local import SHARED_ENGINE_ENV

ROOT = Path(__file__).resolve().parents[2]
PORTRAIT = Path(sys.executable).parent / "portrait"
# Generous: on a busy two-core machine a JVM (DynamoDB Local), the workers' cold starts
# and, the first time, installing the functions' requirements all take their time.
START_DEADLINE_SECONDS = 240
# argon2id at the template's cost is ~0.2 CPU-s a hash, and the suite's stacks register
# and log in some 150 users: the cheapest valid cost, as the in-process tests use
# (tests/conftest.FAST_PASSWORD_HASHING; a unit test checks the production defaults).
FAST_PASSWORD_HASHING = ("PasswordHashTimeCost=1", "PasswordHashMemoryKiB=1024",
                         "PasswordHashParallelism=1")


@pytest.fixture(scope="session", autouse=True)
def shared_dynamodb_local(dynamodb_local_engine) -> Iterator[str]:
    """Every stack this test process starts keeps its tables in the process's DynamoDB
    Local (tests/conftest.dynamodb_local_engine), each in a database of its own: the
    stacks and the `portrait` commands inherit it from the environment, as they would
    from a developer's shell."""
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv(SHARED_ENGINE_ENV, dynamodb_local_engine)
        yield dynamodb_local_engine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalStack:
    def __init__(self, api_url: str, s3_url: str, process: subprocess.Popen, log: Path,
                 state_dir: Path):
        self.api_url = api_url
        self.state_dir = state_dir
        self.s3_url = s3_url
        self.process = process
        self.log = log

    def url(self, path: str) -> str:
        return self.api_url + path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def aws(self, service: str):
        """A boto3 client of the stack's moto server (S3, SQS, EventBridge, ...)."""
        import boto3

        return boto3.client(service, endpoint_url=self.s3_url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def resources(self) -> dict[str, str]:
        """The template's logical ids -> the stack's physical names (its state file)."""
        import json

        return json.loads((self.state_dir / "local.json").read_text())["resources"]

    def new_member(self, prefix: str = "member") -> tuple[dict[str, str], str]:
        """Register and log in a fresh user: their Authorization header and user id."""
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        password = "a long enough passphrase"
        created = requests.post(self.url("/auth/register"), timeout=60, json={
            "username": name, "email": f"{name}@example.com", "password": password, "name": name})
        assert created.status_code == 201, created.text
        login = requests.post(self.url("/auth/login"), json={"login": name, "password": password},
                              timeout=60)
        assert login.status_code == 200, login.text
        return {"Authorization": f"Bearer {login.json()['access_token']}"}, created.json()["user_id"]

    @contextmanager
    def parameters(self, **values: str) -> Iterator["LocalStack"]:
        """The stack with these parameter values (`portrait update`) for the block, then as
        it was: the parameters a module needs, on the stack every module shares, instead
        of a stack of its own (each costs a JVM, a pose catalogue and cold workers)."""
        before = self.portrait("update")  # nothing to change: answers the current values
        assert before.returncode == 0, before.stderr
        previous = json.loads(before.stdout)["parameter_overrides"]
        changed = self.portrait("update", "--parameter-overrides",
                                *(f"{k}={v}" for k, v in values.items()))
        assert changed.returncode == 0, changed.stderr
        try:
            yield self
        finally:
            restore = [f"{k}={previous[k]}" for k in values if k in previous]
            reset = [k for k in values if k not in previous]
            restored = self.portrait("update", *(["--parameter-overrides", *restore] if restore
                                                 else []), *(["--reset", *reset] if reset else []))
            assert restored.returncode == 0, restored.stderr

    def portrait(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        """Run a `portrait` subcommand against this stack."""
        return subprocess.run([str(PORTRAIT), *args, "--state-dir", str(self.state_dir)],
                              cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120)


@contextmanager
def running_local_stack(workdir: Path, *dev_args: str, name: str = "portrait-dev",
                        own_engine: bool = False) -> Iterator[LocalStack]:
    """`portrait dev` on free ports with its state in `workdir`, until the block ends.

    `dev_args` go to `portrait dev` (e.g. "--parameter-overrides", "Key=Value"), so a test
    module can run a stack of its own, configured differently; every stack hashes
    passwords at the cheapest cost (FAST_PASSWORD_HASHING) unless they say otherwise. The
    tables live in the session's shared DynamoDB Local unless `own_engine` (the stack
    starts its JVM).
    """
    assert PORTRAIT.exists(), "the `portrait` command is missing: `make install` installs it"
    api_port, moto_port = _free_port(), _free_port()
    log = workdir / "portrait-dev.log"
    state_dir = workdir / "state"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONUNBUFFERED"] = "1"
    if own_engine:
        env.pop(SHARED_ENGINE_ENV, None)
    dev_args = _with_overrides(list(dev_args), FAST_PASSWORD_HASHING)
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(PORTRAIT), "dev", "--port", str(api_port), "--moto-port", str(moto_port),
             "--state-dir", str(state_dir), *dev_args],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    stack = LocalStack(f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{moto_port}", process, log,
                       state_dir)
    try:
        _wait_until_healthy(stack, deadline=started + START_DEADLINE_SECONDS)
        stack.startup_seconds = time.monotonic() - started
        yield stack
    finally:
        keep = os.environ.get("PORTRAIT_TEST_ARTIFACTS")
        # One name per stack, across xdist workers (each has its own temporary folders).
        label = f"{name}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{workdir.name}"
        if keep and process.poll() is None:  # what each function's role authorised
            Path(keep).mkdir(parents=True, exist_ok=True)
            report = stack.portrait("iam", "report", "--json")
            (Path(keep) / f"{label}-iam.json").write_text(report.stdout)
        _stop(process)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(log, Path(keep) / f"{label}.log")


def _with_overrides(dev_args: list[str], defaults: tuple[str, ...]) -> list[str]:
    """`dev_args` with `defaults` first in its --parameter-overrides (the test's own values
    come after them, and the last value of a key wins)."""
    if "--parameter-overrides" not in dev_args:
        return [*dev_args, "--parameter-overrides", *defaults]
    at = dev_args.index("--parameter-overrides") + 1
    return dev_args[:at] + list(defaults) + dev_args[at:]


def _wait_until_healthy(stack: LocalStack, *, deadline: float) -> None:
    """Until /health answers 200 and the state file the `portrait` subcommands read exists
    (the stack serves a moment before it writes that file)."""
    while True:
        if stack.process.poll() is not None:
            pytest.fail(f"portrait dev exited with {stack.process.returncode}:\n{stack.output()}")
        try:
            healthy = requests.get(stack.url("/health"), timeout=60).status_code == 200
            if healthy and (stack.state_dir / "local.json").exists():
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"portrait dev did not serve /health within {START_DEADLINE_SECONDS} s:"
                        f"\n{stack.output()}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory) -> Iterator[LocalStack]:
    with running_local_stack(tmp_path_factory.mktemp("stack")) as stack:
        yield stack
