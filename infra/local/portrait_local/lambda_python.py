"""The Python a local function runs on: Lambda's version, and only what Lambda would have.

A function's sys.path on Lambda is its code, its layers, and the runtime's
own packages (the AWS SDK). Locally that becomes: the CodeUri folder, each
layer's import root, one folder holding the pinned requirements of the
function and its layers (installed once per requirements set and reused),
and a folder standing in for the runtime's bundled boto3. Never the dev
virtualenv: a handler that imports moto, PyYAML or a test helper fails here
as it would in AWS.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable

from portrait_local.template import FunctionSpec

# Lambda's Python runtimes bundle the AWS SDK (its version moves with the runtime) and the
# SnapStart hooks library; this stands in for them, after the function's own packages as
# /var/runtime is.
RUNTIME_BUNDLED = ("boto3==1.44.5", "snapshot-restore-py==1.0.0")
REPO_ROOT = Path(__file__).resolve().parents[3]
# What the local stack embeds in place of a managed service (not in any Lambda artifact).
LOCAL_ENGINES = REPO_ROOT / "infra" / "local" / "requirements-engines.txt"
CACHE_ENV = "PORTRAIT_RUNTIME_CACHE"


class RuntimeUnavailable(RuntimeError):
    """This machine cannot run the function's runtime."""


def interpreter(runtime: str) -> str:
    """The base interpreter (no site-packages of any venv) for a pythonX.Y runtime."""
    wanted = runtime.removeprefix("python")
    have = f"{sys.version_info.major}.{sys.version_info.minor}"
    if not runtime.startswith("python") or wanted != have:
        raise RuntimeUnavailable(
            f"runtime {runtime!r} needs Python {wanted}, but the local stack runs on {have}: "
            "recreate the virtualenv with `make install` (it picks Python 3.12)")
    # A venv's python is a symlink to the base one; run that with -I -S so nothing
    # of the venv (site-packages, .pth files, editable installs) is on the path.
    return getattr(sys, "_base_executable", sys.executable)


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or REPO_ROOT / ".portrait" / "runtime")


def requirement_lines(files: Iterable[Path]) -> list[str]:
    lines: list[str] = []
    for file in files:
        for line in file.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                lines.append(line)
    return lines


# Published only as source, and only data (model files): built here as anywhere else.
DATA_SDISTS = ("face_recognition_models",)


def packages_dir(requirements: list[str], runtime: str,
                 progress: Callable[[str], None] | None = None) -> Path | None:
    """A folder with these requirements installed for this runtime; made once, then reused.

    Keyed on the requirement lines, the runtime and the machine, so a changed pin
    gets a new folder and a stale one is never used. Safe for concurrent callers.
    """
    if not requirements:
        return None
    key = hashlib.sha256("\n".join([runtime, platform.machine(), *requirements]).encode())
    target = cache_dir() / f"{runtime}-{platform.machine()}-{key.hexdigest()[:16]}"
    if (target / ".complete").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer; the others wait, then reuse it
        if (target / ".complete").exists():
            return target
        started = time.monotonic()
        if progress:
            progress(f"installing {len(requirements)} requirements for {runtime} "
                     f"(once; reused after) into {target}")
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
        try:
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                 "--no-compile", "--only-binary=:all:", f"--no-binary={','.join(DATA_SDISTS)}",
                 "--target", str(staging), *requirements],
                check=True, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        except subprocess.CalledProcessError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise RuntimeUnavailable(f"pip could not install the {runtime} requirements:\n"
                                     f"{exc.stderr.strip()}") from None
        except BaseException:  # interrupted (Ctrl-C, SIGTERM): no half-made folder stays
            shutil.rmtree(staging, ignore_errors=True)
            raise
        # Bytecode now, once, by the runtime's own interpreter: otherwise the first
        # workers of a run compile the same modules side by side.
        subprocess.run([interpreter(runtime), "-m", "compileall", "-q", "-j", "0", str(staging)],
                       check=False, stdin=subprocess.DEVNULL, capture_output=True)
        (staging / ".complete").write_text("\n".join(requirements) + "\n")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        if progress:
            progress(f"installed the {runtime} requirements in {time.monotonic() - started:.1f} s")
        return target


def requirement_files(spec: FunctionSpec) -> list[Path]:
    """What `sam build` installs for this function: its own and its layers' requirements."""
    return [folder / "requirements.txt" for folder in (spec.code_uri, *spec.layers)
            if (folder / "requirements.txt").is_file()]


def function_path(spec: FunctionSpec, progress: Callable[[str], None] | None = None) -> list[str]:
    """sys.path for the function, in Lambda's order, every package folder installed, then
    the embedded engines that stand in for managed services (Tantivy for OpenSearch):
    last, so they can never shadow what the function really ships."""
    own = packages_dir(requirement_lines(requirement_files(spec)), spec.runtime, progress)
    bundled = packages_dir(list(RUNTIME_BUNDLED), spec.runtime, progress)
    engines = (packages_dir(requirement_lines([LOCAL_ENGINES]), spec.runtime, progress)
               if LOCAL_ENGINES.is_file() else None)
    return [str(p) for p in (spec.code_uri, *spec.layers, own, bundled, engines) if p is not None]


def wait_or_kill(process: subprocess.Popen, deadline: float | None = None) -> None:
    """Wait for a worker asked to stop until `deadline` (monotonic; 2 s from now by
    default), then kill it."""
    try:
        process.wait(timeout=max(0.0, (deadline or time.monotonic() + 2) - time.monotonic()))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
