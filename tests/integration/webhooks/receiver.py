"""A webhook receiver on 127.0.0.1 for tests: it records every request and answers from a
script of statuses (the last one repeats); NEVER in the script is a request left without
an answer until the receiver stops."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


NEVER = 0  # no answer at all: the sender's timeout decides


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # when it arrived (epoch seconds)


class Receiver:
    def __init__(self, statuses: list[int] | None = None, *, answer: bytes = b"ok") -> None:
        self.statuses = list(statuses or [200])
        self.answer = answer
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.received.append(Received(self.path, dict(self.headers.items()), body,
                                                      time.time()))
                    n = len(receiver.received)
                status = receiver.statuses[min(n, len(receiver.statuses)) - 1]
                if status == NEVER:
                    receiver.stopped.wait(120)
                    return
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                self.send_header("Content-Length", str(len(receiver.answer)))
                self.end_headers()
                self.wfile.write(receiver.answer)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, *, deadline_seconds: float = 120) -> list[Received]:
        """The requests, once at least `count` have come (or AssertionError at the deadline)."""
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.1)
        raise AssertionError(f"{len(self.received)} of {count} webhook requests came")
