"""Local-only first-run setup, after the resources exist: small hooks, run in order.

In AWS these are deploy-time chores (`portrait keys rotate --stack-name ...`);
locally the stack does them itself so `make dev` works on a fresh machine.
Each hook is idempotent and returns a line saying what it did, or None.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any, Callable

import boto3

from portrait_local.template import Template

Clients = Callable[[str], Any]


def provision_signing_key(template: Template, client: Clients) -> str | None:
    """Put a token signing key into each signing-key secret whose key set is empty."""
    from portrait.store.signing_keys import rotate_signing_key

    secret_ids = sorted({spec.environment["SIGNING_KEY_SECRET"]
                         for spec in template.functions().values()
                         if spec.environment.get("SIGNING_KEY_SECRET")})
    done = []
    for secret_id in secret_ids:
        secrets = client("secretsmanager")
        current = json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"] or "{}")
        if not current.get("keys"):
            kid = rotate_signing_key(secret_id, secrets)
            done.append(f"signing key {kid} in {secret_id}")
    return "provisioned " + ", ".join(done) if done else None


HOOKS: list[Callable[[Template, Clients], str | None]] = [provision_signing_key]


def bootstrap(template: Template, *, endpoint_url: str | None) -> list[str]:
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            extra = {} if endpoint_url is None else {
                "endpoint_url": endpoint_url, "aws_access_key_id": "testing",
                "aws_secret_access_key": "testing"}
            clients[service] = boto3.client(service, region_name=template.region, **extra)
        return clients[service]

    return [line for hook in HOOKS if (line := hook(template, client))]


# ------------------------------------------------------------------ after start
# Seeding the pose catalogue draws and stores ~1000 skeletons: seconds of work, too
# long to hold start-up for. So it runs once the stack serves, as the operator
# command aimed at this stack, in a process of its own at a lower CPU priority;
# meanwhile GET /poses answers with what is there so far.
def seed_poses_job(template: Template) -> list[str] | None:
    """`portrait seed poses`, for templates with a poses table."""
    if any("POSES_TABLE" in spec.environment for spec in template.functions().values()):
        return ["seed", "poses"]
    return None


AFTER_START: list[Callable[[Template], list[str] | None]] = [seed_poses_job]


# A job's stderr lines that the console shows too (the rest only goes to its log).
CONSOLE_PREFIXES = ("seeding poses:",)


def _relay(stream: IO[bytes], log: IO[bytes] | None) -> None:
    """Copy a job's stderr to its log, echoing its progress lines to the console."""
    with stream:
        for line in stream:
            if log is not None:
                log.write(line)
                log.flush()
            text = line.decode(errors="replace").rstrip()
            if text.startswith(CONSOLE_PREFIXES):
                print(f"bootstrap: {text}", flush=True)
    if log is not None:
        log.close()


def _relay_and_reap(process: subprocess.Popen, log) -> None:
    """Relay the job's stderr until it closes, then collect its exit status: a job that
    is done is not left a zombie until the stack stops."""
    _relay(process.stderr, log)
    process.wait()


class BackgroundJobs:
    """The AFTER_START commands, run against the started stack and stopped with it."""

    def __init__(self, jobs: list[Callable[[Template], list[str] | None]] = AFTER_START) -> None:
        self.jobs = jobs
        self.processes: list[subprocess.Popen] = []

    def start(self, template: Template, *, template_path: Path, state_dir: Path,
              log_dir: Path | None) -> list[str]:
        lines = []
        nice = ["nice", "-n", "10"] if shutil.which("nice") else []
        for job in self.jobs:
            args = job(template)
            if not args:
                continue
            # stdout (one line when done) goes where the stack prints; stderr to the log,
            # its progress lines (start, progress, retries, end) to the console as well.
            log = None
            if log_dir is not None:
                log_dir.mkdir(parents=True, exist_ok=True)
                log = (log_dir / f"{'-'.join(args)}.log").open("ab")
            process = subprocess.Popen(
                [*nice, sys.executable, "-m", "portrait_local.cli", *args,
                 "--template", str(template_path), "--state-dir", str(state_dir)],
                stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
            threading.Thread(target=_relay_and_reap, args=(process, log), daemon=True,
                             name=f"job-{'-'.join(args)}").start()
            self.processes.append(process)
            lines.append(f"`portrait {' '.join(args)}` running in the background "
                         f"(pid {process.pid})")
        return lines

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 1.5
        for process in self.processes:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
