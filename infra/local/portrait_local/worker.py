"""One warm "Lambda container": imports one handler, then answers invocations.

Run by runtime.py as `python -I -S worker.py READ_FD WRITE_FD CODE_DIR [PATH_DIR ...]`.
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


def main() -> None:
    read_fd, write_fd, *path = sys.argv[1:]
    sys.path[:0] = path
    requests = os.fdopen(int(read_fd), "r", encoding="utf-8")
    replies = os.fdopen(int(write_fd), "w", encoding="utf-8")

    def reply(message: dict) -> None:
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    function, init_error = _load_handler(os.environ["_HANDLER"])
    reply({"type": "ready", "error": init_error})
    for line in requests:
        request = json.loads(line)
        if init_error:  # Lambda retries init on every invoke; the import fails the same way
            function, init_error = _load_handler(os.environ["_HANDLER"])
            if init_error:
                reply({"type": "result", "id": request["id"], "error": init_error})
                continue
        context = LambdaContext(request["context"])
        try:
            result = function(request["event"], context)
        except Exception as exc:  # noqa: BLE001 - a handler error is a result, not a crash
            error = _error(exc)
            error["requestId"] = context.aws_request_id
            traceback.print_exc()
            sys.stderr.flush()
            reply({"type": "result", "id": request["id"], "error": error})
            continue
        finally:
            sys.stdout.flush()
        try:
            payload = json.dumps(result)
        except (TypeError, ValueError) as exc:
            reply({"type": "result", "id": request["id"],
                   "error": _error(exc, "Runtime.MarshalError") | {
                       "errorMessage": f"Unable to marshal response: {exc}"}})
            continue
        replies.write('{"type": "result", "id": %s, "result": %s}\n'
                      % (json.dumps(request["id"]), payload))
        replies.flush()


if __name__ == "__main__":
    main()
