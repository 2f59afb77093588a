"""Which stack a command talks to: the one whose state file names a live process that
answers as itself; a stale file is known at once, without waiting on its port."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from portrait_local.running import running_stack

TEMPLATE = Path("template.yaml")


def _state(folder: Path, pid: int, port: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "local.json").write_text(json.dumps({"pid": pid,
                                                   "api_url": f"http://127.0.0.1:{port}"}))
    return folder


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_state_file_of_a_process_that_is_gone_is_no_stack(tmp_path: Path,
                                                             monkeypatch) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    folder = _state(tmp_path / "state", gone.pid, _free_port())

    def never(*args, **kwargs):
        raise AssertionError("asked the port of a process that is gone")

    # Known from the process table alone: its port is never asked (nor waited on).
    monkeypatch.setattr("portrait_local.running.urllib.request.urlopen", never)
    assert running_stack(TEMPLATE, folder) is None


def test_a_live_stack_that_answers_slowly_is_still_the_stack(tmp_path: Path) -> None:
    class SlowHealth(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(1.5)  # longer than the old one-second limit
            body = json.dumps({"pid": os.getpid()}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowHealth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        folder = _state(tmp_path / "state", os.getpid(), server.server_address[1])
        assert running_stack(TEMPLATE, folder)["pid"] == os.getpid()
    finally:
        server.shutdown()


def test_nothing_listening_is_no_stack(tmp_path: Path) -> None:
    folder = _state(tmp_path / "state", os.getpid(), _free_port())
    assert running_stack(TEMPLATE, folder) is None
