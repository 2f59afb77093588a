"""One warm "Lambda container": imports one handler, then answers invocations.

Run by runtime.py as `python -I -S worker.py READ_FD WRITE_FD CODE_DIR [PATH_DIR ...]`,
or, for a SnapStart function, `worker.py --snapshot CONTROL_FD CODE_DIR [PATH_DIR ...]`
(below: one initialised process, forked for each new instance).
-I keeps the repo root, the cwd and PYTHON* variables off sys.path and -S
every site-packages folder; the function sees its CodeUri, then its layers,
then their installed requirements and the runtime's SDK (lambda_python.py),
as on Lambda. This file imports only the standard library, so the function's
own modules are never shadowed by the local stack's.

The protocol runs over two dedicated pipes (one JSON object per line), so
whatever the function prints to stdout or stderr stays out of it.
"""
from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback


class LambdaContext:
    """What the Python runtime passes as `context`."""

    def __init__(self, info: dict) -> None:
        self.function_name = info["function_name"]
        self.function_version = info["function_version"]
        self.invoked_function_arn = info["invoked_function_arn"]
        self.memory_limit_in_mb = info["memory_limit_in_mb"]
        self.aws_request_id = info["aws_request_id"]
        self.log_group_name = info["log_group_name"]
        self.log_stream_name = info["log_stream_name"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = info["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))


def _error(exc: BaseException, error_type: str | None = None) -> dict:
    frames = traceback.extract_tb(exc.__traceback__)
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(frames),
    }


def _load_handler(handler: str):
    module_name, _, function_name = handler.rpartition(".")
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - reported the way Lambda reports it
        return None, _error(exc, "Runtime.ImportModuleError") | {
            "errorMessage": f"Unable to import module '{module_name}': {exc}"}
    function = getattr(module, function_name, None)
    if not callable(function):
        return None, {"errorMessage": f"Handler '{function_name}' missing on module "
                                      f"'{module_name}'", "errorType": "Runtime.HandlerNotFound",
                      "requestId": "", "stackTrace": []}
    return function, None


def serve(function, init_error: dict | None, requests, replies) -> None:
    """Answer invocations until the request pipe closes."""
    for line in requests:
        request = json.loads(line)
        if init_error:  # Lambda retries init on every invoke; the import fails the same way
            function, init_error = _load_handler(os.environ["_HANDLER"])
            if init_error:
                _reply(replies, {"type": "result", "id": request["id"], "error": init_error})
                continue
        context = LambdaContext(request["context"])
        try:
            result = function(request["event"], context)
        except Exception as exc:  # noqa: BLE001 - a handler error is a result, not a crash
            error = _error(exc)
            error["requestId"] = context.aws_request_id
            traceback.print_exc()
            sys.stderr.flush()
            _reply(replies, {"type": "result", "id": request["id"], "error": error})
            continue
        finally:
            sys.stdout.flush()
        try:
            payload = json.dumps(result)
        except (TypeError, ValueError) as exc:
            _reply(replies, {"type": "result", "id": request["id"],
                             "error": _error(exc, "Runtime.MarshalError") | {
                                 "errorMessage": f"Unable to marshal response: {exc}"}})
            continue
        replies.write('{"type": "result", "id": %s, "result": %s}\n'
                      % (json.dumps(request["id"]), payload))
        replies.flush()


def _reply(replies, message: dict) -> None:
    replies.write(json.dumps(message) + "\n")
    replies.flush()


# ---------------------------------------------------------------- SnapStart emulation
# A SnapStart function's snapshot worker runs init and the before-snapshot hooks once, then
# parks; every instance the pool needs is a fork of it that runs the after-restore hooks
# and then serves like any worker. The snapshot freezes the process as it is, and fork
# copies it as it is, with two differences we undo or refuse:
# - CPython's at-fork handlers run in the child, and `random` reseeds its global generator
#   there (os.register_at_fork). A restored microVM runs no such thing, so the child gets
#   the parent's generator state back before the hooks: a missing reseed shows locally as
#   it would in AWS. (What still differs: the pid. tempfile's name generator and OpenSSL
#   reseed on a new pid; neither is an id of ours.)
# - A fork keeps only the forking thread, where a snapshot keeps them all. The snapshot
#   worker starts no thread itself, and refuses to fork when init or a hook left threads
#   running: the instances would silently lack them.
SNAPSHOT_ERROR = "LocalSnapStart.ThreadsAtSnapshot"


def _run_hooks(hooks) -> dict | None:
    for function, args, kwargs in hooks:
        try:
            function(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - reported, as Lambda reports a failed hook
            traceback.print_exc()
            sys.stderr.flush()
            return _error(exc)
    return None


def _registered_hooks() -> tuple[list, list]:
    """(before-snapshot, after-restore) in the order Lambda runs them: before-snapshot hooks
    in reverse order of registration, after-restore hooks in order. Only what the function
    imported can have registered any, so the library is not imported here."""
    hooks = sys.modules.get("snapshot_restore_py")
    if hooks is None:
        return [], []
    return list(reversed(hooks.get_before_snapshot())), list(hooks.get_after_restore())


def _threads_left() -> list[str]:
    threading = sys.modules.get("threading")
    if threading is None:
        return []
    return [t.name for t in threading.enumerate() if t is not threading.main_thread()]


def snapshot_main(control_fd: int) -> None:
    """Init, before-snapshot hooks, then one fork per restore request on `control_fd` (a
    SOCK_SEQPACKET socket: each request carries the new instance's two pipe ends)."""
    import signal
    import socket

    control = socket.socket(fileno=control_fd)
    started = time.monotonic()
    function, error = _load_handler(os.environ["_HANDLER"])
    before, after = _registered_hooks()
    if error is None:
        error = _run_hooks(before)
        if error is not None:  # Lambda would fail the version's publication
            error["errorMessage"] = f"a before-snapshot hook failed: {error['errorMessage']}"
    if error is None and _threads_left():
        error = {"errorType": SNAPSHOT_ERROR, "requestId": "", "stackTrace": [],
                 "errorMessage": "init left threads running (" + ", ".join(_threads_left())
                                 + "); a forked instance would not have them"}
    sys.stdout.flush()
    control.send(json.dumps({"type": "snapshot", "error": error,
                             "init_ms": (time.monotonic() - started) * 1000}).encode())
    if error is not None:
        return
    # Restored instances end on their own; the kernel reaps them (no zombies pile up here).
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while True:
        message, fds, _, _ = socket.recv_fds(control, 1024, 2)
        if not message:
            return  # the pool closed the socket: no more restores
        rng = sys.modules.get("random")
        frozen = rng.getstate() if rng is not None else None
        sys.stdout.flush()  # nothing buffered is copied into the child to be written twice
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            control.close()
            _restored_main(fds, function, after, rng, frozen)
        for fd in fds:
            os.close(fd)
        try:
            handle = [os.pidfd_open(pid)]
        except ProcessLookupError:  # it died already
            handle = []
        socket.send_fds(control, [json.dumps({"pid": pid}).encode()], handle)
        for fd in handle:
            os.close(fd)


def _restored_main(fds: list[int], function, after: list, rng, frozen) -> None:
    """The forked child: the snapshot's memory, the after-restore hooks, then invocations."""
    import signal

    code = 0
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the function's own subprocesses
        if rng is not None:
            rng.setstate(frozen)  # undo the at-fork reseed: a restore runs none
        requests = os.fdopen(fds[0], "r", encoding="utf-8")
        replies = os.fdopen(fds[1], "w", encoding="utf-8")
        error = _run_hooks(after)
        if error is not None:  # Lambda fails the invocation and discards the instance
            error["errorType"] = "SnapStartException"
            _reply(replies, {"type": "ready", "error": error})
            return
        _reply(replies, {"type": "ready", "error": None})
        serve(function, None, requests, replies)
    except BaseException:  # noqa: BLE001 - never fall back into the snapshot's loop
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    if sys.argv[1] == "--snapshot":
        control_fd, *path = sys.argv[2:]
        sys.path[:0] = path
        snapshot_main(int(control_fd))
        return
    read_fd, write_fd, *path = sys.argv[1:]
    sys.path[:0] = path
    requests = os.fdopen(int(read_fd), "r", encoding="utf-8")
    replies = os.fdopen(int(write_fd), "w", encoding="utf-8")
    function, init_error = _load_handler(os.environ["_HANDLER"])
    _reply(replies, {"type": "ready", "error": init_error})
    serve(function, init_error, requests, replies)


if __name__ == "__main__":
    main()
