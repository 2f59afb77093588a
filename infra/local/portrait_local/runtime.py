"""Run the template's functions as Lambda would: warm, isolated worker processes.

Each function gets a small pool of long-lived subprocesses (worker.py), each
like a warm Lambda execution environment: its own interpreter, its CodeUri
and layers on sys.path, a clean environment built from the template, and the
template's Timeout enforced by killing the process (the next invocation
starts a fresh one, as after a Lambda timeout). A SnapStart function's
instances are forks of one initialised process instead (snapshots.py).

Each invocation writes Lambda's REPORT line to the function's log, with the
new instance's `Init Duration` or `Restore Duration` on its first invocation.
"""
from __future__ import annotations

import json
import math
import os
import select
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TextIO

from portrait_local import lambda_python
from portrait_local.iam.principals import access_key_id as function_access_key
from portrait_local.snapshots import (RESTORE_TIMED_OUT, RESTORE_TIMEOUT_SECONDS, SnapshotWorker,
                                      StartFailed)
from portrait_local.template import FunctionSpec, Template

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
LOCAL_ACCESS_KEY = "testing"  # the stack's own credentials: not restricted by the IAM check
INIT_TIMEOUT_SECONDS = 10  # Lambda's limit for the init phase
_HOST_CREDENTIAL_VARIABLES = (
    "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CA_BUNDLE", "HOME",
    "AWS_ENDPOINT_URL",  # a caller who set one (an AWS-compatible service) means it
)


@dataclass
class Invocation:
    function_id: str
    request_id: str
    duration_ms: float
    result: Any = None
    error: dict | None = None
    # On an instance's first invocation: ("Init Duration" | "Restore Duration", ms).
    startup: tuple[str, float] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def payload(self) -> Any:
        """What `aws lambda invoke` would write: the result, or the error document."""
        return self.result if self.ok else self.error


class WorkerDied(RuntimeError):
    pass


def function_environment(template: Template, spec: FunctionSpec, *,
                         endpoint_url: str | None,
                         access_key_id: str = LOCAL_ACCESS_KEY) -> dict[str, str]:
    """A Lambda-like environment: built from scratch, never the host's wholesale.

    With an endpoint (the local stack) the function gets fake credentials and
    the endpoint; without one (remote invoke) it gets the caller's credentials.
    The Runtime gives each function an access key of its own (iam.principals), so the
    endpoint authorises its calls against its role; operator commands that run
    domain code with a function's settings keep the stack's unrestricted key.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start" if spec.snap_start else "on-demand",
        "_HANDLER": spec.handler,
        "LAMBDA_TASK_ROOT": str(spec.code_uri),
        "AWS_REGION": template.region,
        "AWS_DEFAULT_REGION": template.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime or 'python3.12'}",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(spec.environment)
    if endpoint_url:
        env.update({
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_ACCESS_KEY_ID": access_key_id,
            # One secret for every key: presigned POST forms are checked against it.
            "AWS_SECRET_ACCESS_KEY": LOCAL_ACCESS_KEY,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_DEV": "false",
            # Webhook receivers on this machine (127.0.0.1, plain http): a local stack's
            # only kind. Never set by the template, so never in AWS.
            "WEBHOOK_ALLOW_LOOPBACK": "true",
        })
    else:
        env.update({k: os.environ[k] for k in _HOST_CREDENTIAL_VARIABLES if k in os.environ})
        env["POWERTOOLS_TRACE_DISABLED"] = "true"  # no X-Ray daemon on this machine
    return env


def invocation_context(template: Template, spec: FunctionSpec, request_id: str) -> dict:
    """What the worker turns into the handler's `context` (the deadline is added at invoke)."""
    return {
        "function_name": spec.name,
        "function_version": "$LATEST",
        "invoked_function_arn": f"arn:aws:lambda:{template.region}:"
                                f"{template.account_id}:function:{spec.name}",
        "memory_limit_in_mb": spec.memory_size,
        "aws_request_id": request_id,
        "log_group_name": f"/aws/lambda/{spec.name}",
        "log_stream_name": time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex,
    }


class Worker:
    """One subprocess running worker.py for one function: started cold, or, with a
    snapshot, forked from the function's SnapshotWorker (a SnapStart restore)."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str], output: TextIO | int,
                 python: str, path: list[str], snapshot: SnapshotWorker | None = None) -> None:
        self.spec = spec
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        self._buffer = b""
        started = time.monotonic()
        try:
            if snapshot is None:
                self.process: Any = subprocess.Popen(
                    # -I -S: no cwd, no PYTHON* variables, no site-packages; `path` is all it gets.
                    [python, "-I", "-S", str(WORKER_SCRIPT), str(to_child_r), str(from_child_w),
                     *path],
                    pass_fds=(to_child_r, from_child_w), cwd=spec.code_uri, env=env,
                    stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                    start_new_session=True,  # Ctrl-C is ours to handle, not the workers'
                )
            else:
                self.process = snapshot.fork(to_child_r, from_child_w)
        except BaseException:
            for fd in (self._to_child, self._from_child):
                os.close(fd)
            raise
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        # Lambda gives init 10 s, then retries it inside the first invocation with the
        # function's timeout: a slow cold start (a busy machine) waits that long, not less.
        # A restore (after-restore hooks included) has 10 s, and no retry.
        limit = INIT_TIMEOUT_SECONDS + spec.timeout if snapshot is None else RESTORE_TIMEOUT_SECONDS
        try:
            ready = self._read(time.monotonic() + limit)
        except BaseException:  # a stop requested mid-init (SIGTERM): the child goes too
            self.stop()
            raise
        if ready is None:
            self.stop()
            if snapshot is not None:
                raise StartFailed(RESTORE_TIMED_OUT)
            raise WorkerDied(f"{spec.logical_id}: init did not finish in {limit} s")
        self.init_error = ready.get("error")
        if snapshot is not None and self.init_error:  # an after-restore hook failed
            self.stop()
            raise StartFailed(self.init_error)
        # Reported once, with the instance's first invocation, as Lambda's REPORT line does.
        self.startup: tuple[str, float] | None = (
            "Init Duration" if snapshot is None else "Restore Duration",
            (time.monotonic() - started) * 1000)

    def _read(self, deadline: float) -> dict | None:
        """The next message, or None at the deadline; raises WorkerDied at EOF."""
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            readable, _, _ = select.select([self._from_child], [], [], remaining)
            if readable:
                chunk = os.read(self._from_child, 1 << 16)
                if not chunk:
                    raise WorkerDied(f"exit status {self.process.wait()}")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def invoke(self, event: Any, context: dict, timeout: float) -> dict | None:
        """The worker's reply ({"result"} or {"error"}), or None if it timed out."""
        message = json.dumps({"id": context["aws_request_id"], "event": event,
                              "context": context}) + "\n"
        try:
            os.write(self._to_child, message.encode())
        except BrokenPipeError:
            raise WorkerDied(f"exit status {self.process.wait()}") from None
        return self._read(time.monotonic() + timeout)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def signal_stop(self) -> None:
        """Ask the process to end (closing the request pipe already ends its loop)."""
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.process.poll() is None:
            self.process.terminate()

    def stop(self, deadline: float | None = None) -> None:
        self.signal_stop()
        lambda_python.wait_or_kill(self.process, deadline)


class FunctionPool:
    """Up to `size` warm workers for one function; concurrent calls are not serialised."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str], output: TextIO | int,
                 size: int) -> None:
        self.spec, self.env, self.output, self.size = spec, env, output, size
        self.python = lambda_python.interpreter(spec.runtime or "python3.12")
        self.path = lambda_python.function_path(spec, progress=_progress)
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()  # idle and busy: all are stopped at close
        self._count = 0
        self._closed = False
        self._cond = threading.Condition()
        # SnapStart: the initialised process new instances are forked from (made on demand,
        # made again if it dies). It is no instance: it never counts against `size`.
        self._snapshot: SnapshotWorker | None = None
        self._snapshot_lock = threading.Lock()
        self._report_lock = threading.Lock()

    def _start(self) -> Worker:
        if not self.spec.snap_start:
            return Worker(self.spec, self.env, self.output, self.python, self.path)
        with self._snapshot_lock:
            if self._closed:
                raise RuntimeError("runtime is shut down")
            if self._snapshot is None or not self._snapshot.alive:
                self._snapshot = SnapshotWorker(
                    self.spec, self.env, self.output, self.python, self.path, WORKER_SCRIPT,
                    INIT_TIMEOUT_SECONDS + self.spec.timeout)
            snapshot = self._snapshot
        return Worker(self.spec, self.env, self.output, self.python, self.path, snapshot)

    def _acquire(self) -> Worker:
        with self._cond:
            while not self._idle and self._count >= self.size:
                self._cond.wait()
            if self._closed:
                raise RuntimeError("runtime is shut down")
            if self._idle:
                return self._idle.pop()
            self._count += 1
        try:
            worker = self._start()
            with self._cond:
                self._all.add(worker)
            return worker
        except BaseException:
            self._release(None)
            raise

    def _release(self, worker: Worker | None) -> None:
        with self._cond:
            if worker is not None and worker.alive and not self._closed:
                self._idle.append(worker)
            else:
                if worker is not None:
                    worker.stop()
                    self._all.discard(worker)
                self._count -= 1
            self._cond.notify()

    def prewarm(self) -> None:
        self._release(self._acquire())

    def invoke(self, event: Any, context: dict) -> dict:
        try:
            worker = self._acquire()
        except StartFailed as exc:  # a snapshot or a restore failed: this invocation fails
            return {"error": {**exc.error, "requestId": context["aws_request_id"]}}
        # The clock starts once the environment is warm (init has its own limit).
        context = {**context, "deadline_ms": time.time() * 1000 + self.spec.timeout * 1000}
        started = time.monotonic()
        try:
            reply = worker.invoke(event, context, self.spec.timeout)
        except WorkerDied as exc:
            worker.stop()
            self._release(None)
            return {"error": {"errorType": "Runtime.ExitError",
                              "errorMessage": f"RequestId: {context['aws_request_id']} "
                                              f"Error: Runtime exited with error: {exc}"}}
        finally:
            startup, worker.startup = worker.startup, None
            self._report(context["aws_request_id"], (time.monotonic() - started) * 1000, startup)
        if reply is None:  # timed out: the environment is torn down, as on Lambda
            worker.stop()
            self._release(None)
            stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"
            return {"error": {"errorType": "Sandbox.Timedout",
                              "errorMessage": f"{stamp} {context['aws_request_id']} Task timed "
                                              f"out after {self.spec.timeout:.2f} seconds"}}
        self._release(worker)
        return {**reply, "startup": startup}

    def _report(self, request_id: str, duration_ms: float,
                startup: tuple[str, float] | None) -> None:
        """Lambda's REPORT line, into the function's log (no Max Memory Used: the worker's
        peak is not measured)."""
        line = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
                f"Billed Duration: {math.ceil(duration_ms)} ms\t"
                f"Memory Size: {self.spec.memory_size} MB")
        if startup is not None:
            label, ms = startup
            line += f"\t{label}: {ms:.2f} ms"
            if label == "Restore Duration":  # billed for SnapStart functions, init is not
                line += f"\tBilled Restore Duration: {math.ceil(ms)} ms"
        with self._report_lock:
            try:
                if isinstance(self.output, int):
                    os.write(self.output, (line + "\n").encode())
                else:
                    self.output.write(line + "\n")
                    self.output.flush()
            except (OSError, ValueError):  # the log closed under an invocation at shutdown
                pass

    def retire(self) -> None:
        """Replaced by a pool with the function's new configuration: idle workers stop
        now, busy ones when their invocation ends (Lambda lets in-flight requests on
        the old instances finish; new requests go to new ones)."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._all.difference_update(idle)
            self._count -= len(idle)
            self._cond.notify_all()
        for worker in [*idle, *self._take_snapshot()]:
            worker.stop()

    def _take_snapshot(self) -> list[SnapshotWorker]:
        with self._snapshot_lock:
            snapshot, self._snapshot = self._snapshot, None
        return [snapshot] if snapshot is not None else []

    def close(self) -> list[Worker | SnapshotWorker]:
        """Stop taking invocations; every worker, idle or busy, and the snapshot worker
        are told to stop and returned."""
        with self._cond:
            self._closed = True
            workers, self._idle = [*self._all], []
            self._cond.notify_all()
        workers += self._take_snapshot()  # after _closed: no new snapshot can be stored
        for worker in workers:
            worker.signal_stop()
        return workers


class Runtime:
    """All the template's functions, invocable by logical id."""

    def __init__(self, template: Template, *, endpoint_url: str | None,
                 log_dir: Path | None = None, pool_size: int = 4,
                 on_line: Callable[[str, str], None] | None = None,
                 on_invocation: Callable[[str, Any, float, bool], None] | None = None) -> None:
        self.template = template
        # Each line a function prints (function id, line): the local CloudWatch reads its
        # embedded metrics there. Each invocation (function id, event, duration ms, ok):
        # Lambda's own metrics.
        self.on_line, self.on_invocation = on_line, on_invocation
        self._tees: dict[str, OutputTee] = {}  # one per function, kept across its pools
        self.endpoint_url = endpoint_url
        self.functions = template.functions()
        self.log_dir = log_dir  # None: the functions' output goes to our stderr
        self.pool_size = pool_size
        self._pools: dict[str, FunctionPool] = {}
        self._retired: list[FunctionPool] = []  # busy workers of replaced pools, until done
        self._lock = threading.Lock()
        self._logs: list[TextIO] = []

    def reconfigure(self, template: Template) -> list[str]:
        """The template with new parameter values: a function whose configuration
        (environment, code, memory, timeout) changed gets new instances, as on Lambda
        after a deploy; the others keep their warm ones. Returns the functions changed."""
        functions = template.functions()
        replaced: dict[str, FunctionPool] = {}
        with self._lock:
            self.template, self.functions = template, functions
            for function_id, pool in list(self._pools.items()):
                spec = functions.get(function_id)
                env = spec and self._environment(template, spec)
                if spec != pool.spec or env != pool.env:
                    replaced[function_id] = self._pools.pop(function_id)
            self._retired.extend(replaced.values())
        for pool in replaced.values():
            pool.retire()
        return sorted(replaced)

    def _environment(self, template: Template, spec: FunctionSpec) -> dict[str, str]:
        """The function's environment, signing with its own key on the local endpoint."""
        if not self.endpoint_url:
            return function_environment(template, spec, endpoint_url=None)
        return function_environment(template, spec, endpoint_url=self.endpoint_url,
                                    access_key_id=function_access_key(spec.logical_id))

    def _pool(self, function_id: str) -> FunctionPool:
        with self._lock:
            if function_id not in self._pools:
                spec = self.functions.get(function_id)
                if spec is None:
                    raise KeyError(f"no function {function_id} in the template "
                                   f"(have: {', '.join(sorted(self.functions))})")
                if function_id in self._tees:  # a new pool (reconfigured): the same pipe
                    output: TextIO | int = self._tees[function_id].write_fd
                elif self.log_dir is None:
                    output = sys.stderr.fileno()
                else:
                    self.log_dir.mkdir(parents=True, exist_ok=True)
                    output = open(self.log_dir / f"{function_id}.log", "a", encoding="utf-8")
                    self._logs.append(output)
                if self.on_line is not None and function_id not in self._tees:
                    self._tees[function_id] = OutputTee(function_id, output, self.on_line)
                    output = self._tees[function_id].write_fd
                env = self._environment(self.template, spec)
                self._pools[function_id] = FunctionPool(spec, env, output, self.pool_size)
            return self._pools[function_id]

    def prewarm(self, function_id: str) -> None:
        self._pool(function_id).prewarm()

    def invoke(self, function_id: str, event: Any) -> Invocation:
        pool = self._pool(function_id)
        spec = pool.spec
        request_id = str(uuid.uuid4())
        started = time.monotonic()
        reply = pool.invoke(event, invocation_context(self.template, spec, request_id))
        duration = (time.monotonic() - started) * 1000
        invocation = Invocation(function_id, request_id, duration, result=reply.get("result"),
                                error=reply.get("error"), startup=reply.get("startup"))
        if self.on_invocation is not None:
            self.on_invocation(function_id, event, duration, invocation.ok)
        return invocation

    def close(self) -> None:
        with self._lock:
            pools, self._pools = [*self._pools.values(), *self._retired], {}
        # All at once, then one shared deadline: stopping must not take workers × 2 s.
        workers = [worker for pool in pools for worker in pool.close()]
        deadline = time.monotonic() + 2
        for worker in workers:
            worker.stop(deadline)
        for tee in self._tees.values():  # after the workers: what they printed last is read too
            tee.close()
        for log in self._logs:
            log.close()


class OutputTee:
    """A pipe the function's workers print into: each line goes on to the log (a file or
    our stderr) and to `on_line`, read by a thread of its own."""

    def __init__(self, function_id: str, output: TextIO | int,
                 on_line: Callable[[str, str], None]) -> None:
        self.function_id, self.output, self.on_line = function_id, output, on_line
        self._read_fd, self.write_fd = os.pipe()
        self._thread = threading.Thread(target=self._run, name=f"output-{function_id}",
                                        daemon=True)
        self._thread.start()

    def _write(self, data: bytes) -> None:
        try:  # bytes as they come (a chunk may end inside a character)
            os.write(self.output if isinstance(self.output, int) else self.output.fileno(), data)
        except (OSError, ValueError):  # the log closed at shutdown
            pass

    def _run(self) -> None:
        pending = b""
        while True:
            chunk = os.read(self._read_fd, 1 << 16)
            if not chunk:
                break
            self._write(chunk)
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                try:
                    self.on_line(self.function_id, line.decode("utf-8", "replace"))
                except Exception as exc:  # noqa: BLE001 - a reader's bug must not stop the log
                    print(f"output of {self.function_id}: {exc!r}", file=sys.stderr, flush=True)
        os.close(self._read_fd)

    def close(self) -> None:
        """Our end closed; the thread ends once every worker (holding the other) has."""
        try:
            os.close(self.write_fd)
        except OSError:
            pass
        self._thread.join(timeout=2)


_print_lock = threading.Lock()


def _progress(message: str) -> None:
    with _print_lock:
        print(f"portrait: {message}", file=sys.stderr, flush=True)


def print_invocation(function_id: str, source: str, duration_ms: float, outcome: str,
                     stream: TextIO | None = None) -> None:
    """One line per invocation: time, function, source, duration, outcome."""
    line = (f"{time.strftime('%H:%M:%S')} {function_id:<16} {source:<32} "
            f"{duration_ms:>6.0f} ms  {outcome}")
    with _print_lock:
        print(line, file=stream or sys.stdout, flush=True)
