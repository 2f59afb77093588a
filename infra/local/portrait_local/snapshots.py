"""SnapStart, emulated: one initialised process per function, forked for each new instance.

For a function whose template says `SnapStart: {ApplyOn: PublishedVersions}`, the pool
(runtime.py) starts one SnapshotWorker: worker.py --snapshot imports the handler (init),
runs the before-snapshot hooks the function registered with snapshot_restore_py, and
parks. Each instance the pool then needs is a fork of it (worker.py explains what a
fork must undo to behave like a restore) that runs the after-restore hooks and serves
invocations over its own pipes, like any worker. Its restore time (fork, hooks, ready)
is reported as Lambda's REPORT line reports `Restore Duration`.

The forked instances are the snapshot worker's children, not ours: ForkedProcess watches
and signals one through a pidfd, which names that process and no later one with its pid.
"""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import threading
from pathlib import Path
from typing import TextIO

from portrait_local import lambda_python

RESTORE_TIMEOUT_SECONDS = 10  # Lambda's limit for loading the runtime and after-restore hooks
RESTORE_TIMED_OUT = {
    "errorType": "SnapStartTimeoutException", "requestId": "", "stackTrace": [],
    "errorMessage": "Lambda couldn't restore the snapshot within the timeout limit."}


class StartFailed(RuntimeError):
    """An instance could not start; `error` is what the invocation answers (Lambda's shape)."""

    def __init__(self, error: dict) -> None:
        super().__init__(error.get("errorMessage", ""))
        self.error = error


class ForkedProcess:
    """The Popen methods the pool uses, for a process that is not our child. Its exit
    status is its parent's to collect (the snapshot worker lets the kernel reap it)."""

    def __init__(self, pid: int, pidfd: int) -> None:
        self.pid, self._pidfd = pid, pidfd
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self._pidfd], [], [], 0)[0]:
            self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        if self.returncode is None:
            if not select.select([self._pidfd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"restored instance {self.pid}", timeout or 0)
            self._ended()
        return self.returncode

    def _ended(self) -> None:
        self.returncode = -1  # unknown: see the class comment
        os.close(self._pidfd)

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            try:
                signal.pidfd_send_signal(self._pidfd, signum)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class SnapshotWorker:
    """The function initialised once, its before-snapshot hooks run; forked on request."""

    def __init__(self, spec, env: dict[str, str], output: TextIO | int, python: str,
                 path: list[str], worker_script: Path, init_limit: float) -> None:
        self.spec = spec
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._control = ours
        self._lock = threading.Lock()  # one restore at a time: replies come back in order
        self.process = subprocess.Popen(
            [python, "-I", "-S", str(worker_script), "--snapshot", str(theirs.fileno()), *path],
            pass_fds=(theirs.fileno(),), cwd=spec.code_uri, env=env,
            stdin=subprocess.DEVNULL, stdout=output, stderr=output, start_new_session=True)
        theirs.close()
        try:
            message = self._receive(init_limit)
        except BaseException:
            self.stop()
            raise
        if message is None:
            self.stop()
            raise StartFailed({"errorType": "Runtime.InitError", "requestId": "", "stackTrace": [],
                               "errorMessage": f"{spec.logical_id}: init and the before-snapshot "
                                               f"hooks did not finish in {init_limit} s"})
        snapshot = json.loads(message[0])
        if snapshot["error"]:
            self.stop()
            raise StartFailed(snapshot["error"])
        self.init_ms = snapshot["init_ms"]

    def _receive(self, timeout: float) -> tuple[bytes, list[int]] | None:
        if not select.select([self._control], [], [], timeout)[0]:
            return None
        message, fds, _, _ = socket.recv_fds(self._control, 4096, 1)
        if not message:
            raise StartFailed({"errorType": "Runtime.ExitError", "requestId": "", "stackTrace": [],
                               "errorMessage": f"the snapshot worker of {self.spec.logical_id} "
                                               f"exited (status {self.process.wait()})"})
        return message, fds

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def fork(self, request_fd: int, reply_fd: int) -> ForkedProcess:
        """A new instance reading requests from `request_fd`, replying on `reply_fd`."""
        with self._lock:
            try:
                socket.send_fds(self._control, [b"restore"], [request_fd, reply_fd])
            except OSError:  # it died: the pool starts another one for the next instance
                raise StartFailed({"errorType": "Runtime.ExitError", "requestId": "",
                                   "stackTrace": [], "errorMessage": "the snapshot worker of "
                                   f"{self.spec.logical_id} exited"}) from None
            received = self._receive(RESTORE_TIMEOUT_SECONDS)
            if received is None:  # a late reply would answer the next request: start over
                self.signal_stop()
                raise StartFailed(RESTORE_TIMED_OUT)
        message, fds = received
        if not fds:
            raise StartFailed({"errorType": "Runtime.ExitError", "requestId": "", "stackTrace": [],
                               "errorMessage": "the restored instance exited at once"})
        return ForkedProcess(json.loads(message)["pid"], fds[0])

    def signal_stop(self) -> None:
        self._control.close()  # its loop ends; the instances it forked live on until stopped
        if self.process.poll() is None:
            self.process.terminate()

    def stop(self, deadline: float | None = None) -> None:
        self.signal_stop()
        lambda_python.wait_or_kill(self.process, deadline)
