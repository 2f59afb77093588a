"""One webhook request: resolve, check, connect to the checked address, POST, read a
little of the answer.

The connection goes to the address `targets.resolve` checked, never to the name again:
resolving twice (once to check, once to connect) would let a name that changes its answer
in between (DNS rebinding) reach an internal address. So the pool is opened on the
address, TLS is given the name for SNI and the certificate check, and the Host header
names the host. Redirects are not followed (a 3xx is a failed attempt): a redirect could
point anywhere, checked or not. urllib3 comes with botocore, so no new client library.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import certifi
import urllib3
from urllib3.exceptions import HTTPError

from portrait.services.webhooks.targets import RefusedTarget, Target, parse_url, resolve

MAX_RESPONSE_BYTES = 4096  # what the log keeps of an answer


@dataclass(frozen=True)
class Outcome:
    status_code: int | None  # None: no answer (refused, unreachable, timed out)
    latency_ms: int
    error: str | None
    response: str | None  # the answer's first bytes, as text

    def succeeded(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float,
         allow_loopback: bool) -> Outcome:
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = parse_url(url, allow_loopback=allow_loopback)
        addresses = resolve(target, allow_loopback=allow_loopback)
    except RefusedTarget as exc:
        return Outcome(None, elapsed(), f"refused: {exc}", None)
    error = "no address answered"
    for address in addresses:
        try:
            status, answer = _post_to(address, target, body=body, headers=headers,
                                      timeout=max(0.1, timeout - elapsed() / 1000))
        except urllib3.exceptions.NewConnectionError as exc:
            error = f"could not connect: {_reason(exc)}"
            continue  # the name's next address
        except HTTPError as exc:
            return Outcome(None, elapsed(), _reason(exc), None)
        latency = elapsed()
        if latency > timeout * 1000:  # a receiver that trickles its answer out
            return Outcome(status, latency, f"no complete answer within {timeout:g} s", answer)
        failed = None if 200 <= status < 300 else f"answered {status}"
        return Outcome(status, latency, failed, answer)
    return Outcome(None, elapsed(), error, None)


def _post_to(address: str, target: Target, *, body: bytes, headers: dict[str, str],
             timeout: float) -> tuple[int, str]:
    options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False,
               "maxsize": 1, "block": False}
    if target.scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            address, target.port, server_hostname=target.host, assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED", ca_certs=certifi.where(), **options)
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, **options)
    default_port = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    host_header = host if target.port == default_port else f"{host}:{target.port}"
    try:
        response = pool.urlopen("POST", target.path, body=body,
                                headers={**headers, "Host": host_header}, redirect=False,
                                retries=False, preload_content=False, decode_content=False,
                                assert_same_host=False)
        try:
            answer = response.read(MAX_RESPONSE_BYTES)
        finally:
            response.close()  # the rest is never read
        return response.status, answer.decode("utf-8", errors="replace")
    finally:
        pool.close()


def _reason(exc: Exception) -> str:
    text = str(getattr(exc, "reason", None) or exc)
    if "timed out" in text.lower() or isinstance(exc, urllib3.exceptions.TimeoutError):
        return "timed out"
    return text[:300]
