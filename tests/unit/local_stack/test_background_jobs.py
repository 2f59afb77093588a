"""The stack's background jobs (bootstrap.BackgroundJobs): a job that has finished is
reaped at once, not left a zombie process until the stack stops."""
from __future__ import annotations

import time
from pathlib import Path

from portrait_local import bootstrap

ROOT = Path(__file__).resolve().parents[3]

# Generous: a loaded two-core machine starts Python slowly.
DEADLINE_SECONDS = 120


def test_a_finished_job_is_reaped_without_waiting_for_stop(tmp_path: Path) -> None:
    # `portrait --help` prints its usage and exits 0: a job that ends by itself.
    jobs = bootstrap.BackgroundJobs([lambda template: ["--help"]])
    lines = jobs.start(None, template_path=tmp_path / "template.yaml", state_dir=tmp_path,
                       log_dir=tmp_path / "logs")
    (process,) = jobs.processes
    assert f"(pid {process.pid})" in lines[0]
    deadline = time.monotonic() + DEADLINE_SECONDS
    # returncode is set only by a wait on the process: here, the job's own relay thread.
    while process.returncode is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.returncode == 0
    assert not Path(f"/proc/{process.pid}").exists()  # no zombie left behind
    jobs.stop()  # nothing left to stop


def test_a_stack_started_without_seeding_runs_no_job(tmp_path: Path) -> None:
    """`portrait dev --no-seed`: the stack hands BackgroundJobs no jobs."""
    from portrait_local.cli import build_parser
    from portrait_local.stack import LocalStack

    args = build_parser().parse_args(["dev", "--no-seed"])
    assert args.no_seed
    stack = LocalStack(ROOT / "template.yaml", state_dir=tmp_path, seed=False)
    assert stack.jobs.start(stack.template, template_path=stack.template_path,
                            state_dir=tmp_path, log_dir=tmp_path / "logs") == []
    assert stack.jobs.processes == []
    assert bootstrap.BackgroundJobs().jobs == bootstrap.AFTER_START  # seeding by default
