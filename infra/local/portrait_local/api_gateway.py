"""The HTTP API on 127.0.0.1: requests become payload 2.0 events for the routed function.

Also, as API Gateway does: CORS preflight answered from the HttpApi's
CorsConfiguration and CORS headers on responses; 404 {"message": "Not Found"}
when no route matches; 500 {"message": "Internal Server Error"} when the
function fails. Local extras: the web client's static files (web/ next to
the template), documents generated for it (its /config.json) and control
endpoints under /__local/ (no API route uses it).
"""
from __future__ import annotations

import json
import mimetypes
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from portrait_local.http_events import Route, build_event, find_route, http_response
from portrait_local.runtime import Invocation, print_invocation
from portrait_local.template import Template

LOCAL_PREFIX = "/__local/"
# (method, the path after the prefix, body) -> (status, JSON document)
LocalHandler = Callable[[str, str, bytes], tuple[int, Any]]
# A JSON document made at request time for the web client, e.g. "/config.json".
GeneratedDocument = Callable[[], Any]


def http_routes(template: Template) -> list[Route]:
    routes = []
    for fid, spec in template.functions().items():
        for event in spec.events.values():
            if event.get("Type") != "HttpApi":
                continue
            props = template.resolve(event.get("Properties") or {})
            api_id = props.get("ApiId") or template._stable_id("ServerlessHttpApi")
            path, method = props.get("Path"), props.get("Method")
            if path is None and method is None:  # SAM: no path and method is $default
                routes.append(Route(fid, "ANY", "$default", api_id))
            else:
                method = str(method).upper().replace("X-AMAZON-APIGATEWAY-ANY-METHOD", "ANY")
                routes.append(Route(fid, method, path, api_id))
    return routes


def cors_configuration(template: Template) -> dict | None:
    for lid in template.resources_of_type("AWS::Serverless::HttpApi"):
        cors = (template.resolve(template.resources[lid].get("Properties") or {})
                .get("CorsConfiguration"))
        if cors is True:
            return {"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"]}
        if isinstance(cors, dict):
            return cors
    return None


def _origin_allowed(cors: dict, origin: str | None) -> str | None:
    """The Access-Control-Allow-Origin value for this origin, if it is allowed."""
    if not origin:
        return None
    allowed = cors.get("AllowOrigins") or []
    if "*" in allowed:
        return "*" if not cors.get("AllowCredentials") else origin
    return origin if origin in allowed else None


def cors_headers(cors: dict | None, origin: str | None, *, preflight: bool,
                 requested_headers: str | None = None) -> list[tuple[str, str]]:
    if not cors:
        return []
    allow = _origin_allowed(cors, origin)
    if allow is None:
        return []
    headers = [("access-control-allow-origin", allow)]
    if cors.get("AllowCredentials"):
        headers.append(("access-control-allow-credentials", "true"))
    if preflight:
        methods = cors.get("AllowMethods") or []
        allow_headers = cors.get("AllowHeaders") or []
        if "*" in allow_headers and requested_headers:
            allow_headers = [requested_headers]
        if methods:
            headers.append(("access-control-allow-methods", ",".join(methods)))
        if allow_headers:
            headers.append(("access-control-allow-headers", ",".join(allow_headers)))
        if "MaxAge" in cors:
            headers.append(("access-control-max-age", str(cors["MaxAge"])))
    elif cors.get("ExposeHeaders"):
        headers.append(("access-control-expose-headers", ",".join(cors["ExposeHeaders"])))
    return headers



class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    # The kernel's queue of connections not yet accepted: socketserver's default of 5
    # drops clients when dozens connect at once, as browsers and load tests do.
    request_queue_size = 256

    def handle_error(self, request, client_address) -> None:
        # A client that hangs up mid-reply (curl | head, a closed tab) is normal, not a crash.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)

class ApiGateway:
    def __init__(self, template: Template, invoke: Callable[[str, Any], Invocation], *,
                 host: str = "127.0.0.1", port: int = 3000,
                 local_routes: dict[str, LocalHandler] | None = None,
                 local_files: dict[str, Path] | None = None,
                 generated: dict[str, GeneratedDocument] | None = None,
                 static_headers: Callable[[], list[tuple[str, str]]] | None = None,
                 report: Callable[..., None] = print_invocation,
                 observe: Callable[[str, int, float, float | None], None] | None = None) -> None:
        self.template, self.invoke, self.report = template, invoke, report
        # Told of every API request (api id, status, latency ms, integration ms or None):
        # API Gateway's own metrics (the local CloudWatch).
        self.observe = observe
        self.routes = http_routes(template)
        self.cors = cors_configuration(template)
        self.web_dir = template.base_dir / "web"
        self.local_routes = local_routes or {}
        # /__local/{name}/... -> files of a folder: local-only pages (the ops page), never
        # part of the deployed web client.
        self.local_files = local_files or {}
        self.generated = generated or {}
        self.static_headers = static_headers or (lambda: [])
        gateway = self

        class Handler(_Handler):
            pass

        Handler.gateway = gateway
        self.server = _QuietServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.serve_forever, name="api",
                                        kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() waits forever for a loop never started
            self.server.shutdown()
        self.server.server_close()

    def static_file(self, path: str) -> Path | None:
        """A file of the web client for a GET of `/` or of a file inside web/."""
        if not self.web_dir.is_dir():
            return None
        relative = unquote(path).lstrip("/") or "index.html"
        try:
            candidate = (self.web_dir / relative).resolve()
            root = self.web_dir.resolve()
            if candidate.is_file() and root in candidate.parents:
                return candidate
        except (ValueError, OSError):  # a NUL byte, a name too long: no such file
            pass
        return None


class BodyTooLarge(Exception):
    """A request body over API Gateway's 10 MB payload limit."""


class _Handler(BaseHTTPRequestHandler):
    gateway: ApiGateway
    protocol_version = "HTTP/1.1"
    server_version = "portrait-local"
    # Errors http.server answers itself (a malformed request line, a header or request
    # line too long) come as JSON, like every other answer of the API.
    error_content_type = "application/json"
    error_message_format = '{"message": "%(message)s"}'
    # API Gateway's method list; anything else is refused before it reaches a function.
    METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD")
    # A body that has not all arrived this long after the headers (a Content-Length
    # larger than what is sent) is answered 400, not waited on for ever.
    BODY_TIMEOUT_SECONDS = 10.0
    # API Gateway's payload limit: a larger body is refused (413) before it is read.
    MAX_BODY_BYTES = 10 * 1024 * 1024

    def __getattr__(self, name: str):
        if name.startswith("do_"):  # http.server looks up do_<METHOD>; it would answer 501
            return self._method_not_allowed
        raise AttributeError(name)

    def _method_not_allowed(self) -> None:
        self._body_discarded()
        self._json(405, {"message": "Method Not Allowed"},
                   [("allow", ", ".join(self.METHODS))])

    def _body_discarded(self) -> None:
        try:
            self._body()
        except (ValueError, OSError, BodyTooLarge):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silent: the invocation line already says what happened."""
        pass

    def _body(self) -> bytes:
        """The request's body; ValueError for one that cannot be read whole (a length that
        is not a number or is negative, fewer bytes than it says, or too slow to come)."""
        previous = self.connection.gettimeout()
        deadline = time.monotonic() + self.BODY_TIMEOUT_SECONDS
        try:
            return self._read_body(deadline)
        except TimeoutError:
            raise ValueError("the body did not arrive") from None
        finally:
            self.connection.settimeout(previous)

    def _read(self, size: int, deadline: float) -> bytes:
        """Up to `size` bytes, however they are split, until the body's deadline."""
        parts, missing = [], size
        while missing:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.connection.settimeout(left)
            part = self.rfile.read1(missing)
            if not part:
                break  # the client closed: what came is all there is
            parts.append(part)
            missing -= len(part)
        return b"".join(parts)

    def _read_body(self, deadline: float) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks, total = [], 0
            while True:
                self.connection.settimeout(max(0.001, deadline - time.monotonic()))
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size < 0:
                    raise ValueError("a negative chunk size")
                total += size
                if total > self.MAX_BODY_BYTES:
                    raise BodyTooLarge()
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunk = self._read(size, deadline)
                if len(chunk) < size:
                    raise ValueError("a chunk shorter than its size")
                chunks.append(chunk)
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        if length < 0:
            raise ValueError("a negative Content-Length")
        if length > self.MAX_BODY_BYTES:
            raise BodyTooLarge()
        body = self._read(length, deadline) if length else b""
        if len(body) < length:
            raise ValueError("a body shorter than its Content-Length")
        return body

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, document: Any, extra: list[tuple[str, str]] = ()) -> None:
        self._send(status, [("content-type", "application/json"), *extra],
                   json.dumps(document).encode())

    def _handle(self) -> None:
        gateway = self.gateway
        started = time.monotonic()
        split = urlsplit(self.path)
        raw_path, raw_query = split.path or "/", split.query
        try:
            body = self._body()
        except ValueError:  # a Content-Length or chunk size that is wrong, a body cut short
            self.close_connection = True
            return self._json(400, {"message": "Bad Request"})
        except BodyTooLarge:
            self.close_connection = True
            return self._json(413, {"message": "Request Entity Too Large"})
        origin = self.headers.get("origin")
        if raw_path.startswith(LOCAL_PREFIX):
            return self._local(raw_path[len(LOCAL_PREFIX):], body)
        if self.command == "OPTIONS" and gateway.cors and origin and \
                self.headers.get("access-control-request-method"):
            return self._send(204, cors_headers(
                gateway.cors, origin, preflight=True,
                requested_headers=self.headers.get("access-control-request-headers")), b"")
        if self.command in ("GET", "HEAD") and raw_path in gateway.generated:
            # Never cached: it names ports, which change from one `portrait dev` to the next.
            return self._json(200, gateway.generated[raw_path](),
                              [("cache-control", "no-store")])
        if self.command in ("GET", "HEAD"):
            static = gateway.static_file(raw_path)
            if static is not None:
                kind = mimetypes.guess_type(static.name)[0] or "application/octet-stream"
                # no-cache: revalidate, so an edited page shows on the next reload.
                return self._send(200, [("content-type", kind), ("cache-control", "no-cache"),
                                        *gateway.static_headers()], static.read_bytes())
        method = self.command
        found = find_route(gateway.routes, method, unquote(raw_path))
        cors = cors_headers(gateway.cors, origin, preflight=False)
        if found is None:
            self._observe(gateway.routes[0].api_id if gateway.routes else "", 404, started)
            return self._json(404, {"message": "Not Found"}, cors)
        route, params = found
        event = build_event(
            method=method, raw_path=raw_path, raw_query=raw_query,
            headers=list(self.headers.items()), body=body, source_ip=self.client_address[0],
            route=route, path_parameters=params, account_id=gateway.template.account_id,
            protocol=self.request_version)
        invocation = gateway.invoke(route.function_id, event)
        if invocation.ok:
            try:
                status, headers, payload = http_response(invocation.result)
            except (ValueError, TypeError, KeyError):
                status, headers, payload = 500, [("content-type", "application/json")], \
                    b'{"message":"Internal Server Error"}'
        else:
            status, headers, payload = 500, [("content-type", "application/json")], \
                b'{"message":"Internal Server Error"}'
        outcome = str(status) + ("" if invocation.ok else
                                 f" {invocation.error.get('errorType')}: "
                                 f"{invocation.error.get('errorMessage')}")
        gateway.report(route.function_id, f"http {method} {raw_path}", invocation.duration_ms,
                       outcome)
        # API Gateway's CORS headers replace the function's own.
        if cors:
            headers = [h for h in headers if not h[0].lower().startswith("access-control-")]
        headers.append(("apigw-requestid", event["requestContext"]["requestId"]))
        self._send(status, headers + cors, payload)
        self._observe(route.api_id, status, started, invocation.duration_ms)

    def _observe(self, api_id: str, status: int, started: float,
                 integration_ms: float | None = None) -> None:
        if self.gateway.observe is not None:
            self.gateway.observe(api_id, status, (time.monotonic() - started) * 1000,
                                 integration_ms)

    def _local(self, path: str, body: bytes) -> None:
        name, _, rest = path.partition("/")
        if name in self.gateway.local_files and self.command in ("GET", "HEAD"):
            return self._local_file(self.gateway.local_files[name], rest or "index.html")
        for prefix, handler in self.gateway.local_routes.items():
            if path == prefix or path.startswith(prefix + "/"):
                try:
                    status, document = handler(self.command, path[len(prefix):].strip("/"), body)
                except KeyError as exc:
                    status, document = 404, {"message": str(exc.args[0])}
                return self._json(status, document)
        self._json(404, {"message": "Not Found"})

    def _local_file(self, folder: Path, relative: str) -> None:
        try:
            candidate = (folder / unquote(relative)).resolve()
            found = candidate.is_file() and folder.resolve() in candidate.parents
        except (ValueError, OSError):
            found = False
        if not found:
            return self._json(404, {"message": "Not Found"})
        kind = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
        self._send(200, [("content-type", kind), ("cache-control", "no-cache"),
                         *self.gateway.static_headers()], candidate.read_bytes())

    def _dispatch(self) -> None:
        try:
            self._handle()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - a client always gets an answer
            self.close_connection = True
            print(f"local API: {self.command} {self.path[:200]!r} failed: {exc!r}",
                  file=sys.stderr, flush=True)
            try:
                self._json(500, {"message": "Internal Server Error"})
            except OSError:
                pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _dispatch
