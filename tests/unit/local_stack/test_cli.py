"""The `portrait` command's own surface: version, help, and usage errors without tracebacks."""
from __future__ import annotations

import importlib.metadata
import io
import subprocess
import sys
import time
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from portrait_local import cli
from portrait_local.progress import Progress
from tests.conftest import ROOT

PORTRAIT = Path(sys.executable).parent / "portrait"


def _portrait(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([str(PORTRAIT), *args], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=60)


def test_version_comes_from_the_package_metadata() -> None:
    result = _portrait("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"portrait {importlib.metadata.version('portrait')}"


def test_the_help_says_what_each_command_is_for_with_examples() -> None:
    text = cli.build_parser().format_help()
    for command in ("dev", "invoke", "schedule", "admin", "keys", "sweep", "seed", "web",
                    "avatars"):
        assert f"\n    {command} " in text, command
    assert "portrait invoke ApiFunction -e events/api-health.json" in text
    assert "--stack-name" in text and "Each subcommand is a" not in text  # for users, not us


@pytest.mark.parametrize("args, message", [
    (["NoSuchFunction", "-e", "events/api-health.json"],
     "no function NoSuchFunction in the template (it has ApiFunction, "),
    (["ApiFunction", "-e", "events/no-such-sample.json"],
     "cannot read the event file events/no-such-sample.json: No such file or directory"),
    (["ApiFunction", "-e", "README.md"], "the event in README.md is not JSON"),
    (["ApiFunction", "-e", "events/api-health.json", "--template", "nowhere.yaml"],
     "no template at nowhere.yaml"),
])
def test_invoke_usage_errors_are_one_line_and_exit_2(args, message, tmp_path) -> None:
    result = _portrait("invoke", *args, "--state-dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"portrait invoke: {message}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_an_empty_event_on_stdin_is_an_empty_object(monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("  \n"))
    assert cli.read_event("-") == {}
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"a": 1}'))
    assert cli.read_event("-") == {"a": 1}


def test_progress_lines_while_working_then_a_final_line() -> None:
    err = io.StringIO()
    with redirect_stderr(err):
        with Progress("seeding poses", total=928, every_seconds=0.01) as progress:
            progress.advance(300)
            deadline = time.monotonic() + 5
            while "300/928" not in err.getvalue() and time.monotonic() < deadline:
                time.sleep(0.01)
        progress.finish(" on local stack")
    lines = err.getvalue().splitlines()
    # The ticker may speak once before advance() on a busy machine: any line may be first.
    assert any(line.startswith("seeding poses: 300/928, ") and line.endswith("]  32 %")
               for line in lines[:-1]), lines
    assert lines[-1].startswith("seeding poses: done in ") and lines[-1].endswith(" on local stack")


def test_progress_without_a_total_says_it_is_running() -> None:
    assert Progress("sweep temp").status().startswith("sweep temp: running, ")


def _usage_error(*args: str) -> str:
    stderr = io.StringIO()
    with redirect_stderr(stderr), pytest.raises(SystemExit) as exited:
        cli.main(list(args))
    assert exited.value.code == 2
    return stderr.getvalue()


def test_an_unknown_option_is_reported_by_the_command_that_was_given_it() -> None:
    said = _usage_error("search", "reindex", "--bogus")
    assert said.startswith("usage: portrait search reindex ")
    assert said.rstrip().endswith("portrait search reindex: error: unrecognized arguments: --bogus")


def test_a_missing_subcommand_is_named_by_its_choices() -> None:
    said = _usage_error("sweep")
    assert "portrait sweep: error: the following arguments are required: {temp,deleted}" in said
