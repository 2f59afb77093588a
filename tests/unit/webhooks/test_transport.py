"""The request itself: TLS to the checked address with the name for SNI and the
certificate, the Host header, bounded answers, timeouts. A local TLS server stands in for
a receiver whose name resolves (patched) to 127.0.0.1."""
from __future__ import annotations

import datetime
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from portrait.services.webhooks import transport

NAME = "hooks.example.test"


def _certificate(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    cert_file, key_file = _certificate(tmp_path)
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append({"host": self.headers["Host"], "path": self.path})
            if self.path == "/slow":
                time.sleep(1.5)
            answer = b"x" * 10_000
            self.send_response(204 if self.path == "/empty" else 200)
            self.send_header("Content-Length", "0" if self.path == "/empty" else str(len(answer)))
            self.end_headers()
            if self.path != "/empty":
                self.wfile.write(answer)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # Our CA is the receiver's own certificate; every name resolves to the receiver.
    monkeypatch.setattr(transport.certifi, "where", lambda: str(cert_file))
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: real(
        "127.0.0.1", port, *a, **k))
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def _post(url: str, timeout: float = 5) -> transport.Outcome:
    return transport.post(url, body=b"{}", headers={"Content-Type": "application/json"},
                          timeout=timeout, allow_loopback=True)


def test_tls_goes_to_the_checked_address_with_the_name_for_sni_and_host(tls_receiver) -> None:
    port, seen = tls_receiver
    outcome = _post(f"https://{NAME}:{port}/hooks?x=1")
    assert outcome.succeeded(), outcome
    assert seen == [{"host": f"{NAME}:{port}", "path": "/hooks?x=1"}]
    assert len(outcome.response) == transport.MAX_RESPONSE_BYTES  # of 10 000 bytes


def test_a_certificate_for_another_name_fails(tls_receiver) -> None:
    port, seen = tls_receiver
    outcome = _post(f"https://other.example.test:{port}/hooks")
    assert not outcome.succeeded() and outcome.status_code is None
    assert seen == []


def test_a_slow_receiver_times_out(tls_receiver) -> None:
    port, _ = tls_receiver
    outcome = _post(f"https://{NAME}:{port}/slow", timeout=0.5)
    assert (outcome.status_code, outcome.error) == (None, "timed out")


def test_2xx_without_a_body_succeeds(tls_receiver) -> None:
    port, _ = tls_receiver
    outcome = _post(f"https://{NAME}:{port}/empty")
    assert (outcome.status_code, outcome.succeeded(), outcome.response) == (204, True, "")


def test_nothing_listening_is_a_failed_attempt() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    outcome = _post(f"http://127.0.0.1:{port}/")
    assert outcome.status_code is None and outcome.error.startswith("could not connect")
