"""Which webhook targets are refused: by URL, and by every address the name resolves to."""
from __future__ import annotations

import socket

import pytest

from portrait.services.webhooks import targets
from portrait.services.webhooks.targets import RefusedTarget, parse_url, resolve

REFUSED_ADDRESSES = [
    "10.0.0.1", "172.16.5.4", "192.168.1.1",  # private
    "127.0.0.1", "::1",  # loopback
    "169.254.169.254", "169.254.1.1", "fe80::1",  # link-local, the metadata address
    "224.0.0.1", "ff02::1",  # multicast
    "0.0.0.0", "::",  # unspecified
    "240.0.0.1",  # reserved
    "100.64.0.1",  # shared address space (carrier-grade NAT)
    "fc00::1", "fd12:3456::1",  # IPv6 unique-local
    "::ffff:10.0.0.1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",  # IPv4 in IPv6
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
]


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_internal_addresses_are_refused(address: str) -> None:
    import ipaddress

    assert targets.refusal_of(ipaddress.ip_address(address), allow_loopback=False)
    with pytest.raises(RefusedTarget):
        parse_url(f"https://{'[' + address + ']' if ':' in address else address}/hook",
                  allow_loopback=False)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_are_allowed(address: str) -> None:
    import ipaddress

    assert targets.refusal_of(ipaddress.ip_address(address), allow_loopback=False) is None


def test_loopback_only_with_the_setting_and_private_never() -> None:
    import ipaddress

    assert targets.refusal_of(ipaddress.ip_address("127.0.0.1"), allow_loopback=True) is None
    assert targets.refusal_of(ipaddress.ip_address("::1"), allow_loopback=True) is None
    assert targets.refusal_of(ipaddress.ip_address("10.0.0.1"), allow_loopback=True)
    assert targets.refusal_of(ipaddress.ip_address("169.254.169.254"), allow_loopback=True)


@pytest.mark.parametrize("url", [
    "http://example.com/hook",  # not https
    "ftp://example.com/", "https://user:pw@example.com/", "https:///nohost",
    "https://example.com/a b", "https://exämple.com/", "https://localhost/hook",
    "https://example.com:99999/", "https://example.com/#frag",
])
def test_urls_refused_in_aws(url: str) -> None:
    with pytest.raises(RefusedTarget):
        parse_url(url, allow_loopback=False)


def test_http_and_localhost_with_the_loopback_setting() -> None:
    target = parse_url("http://127.0.0.1:8080/hook?x=1", allow_loopback=True)
    assert (target.scheme, target.host, target.port, target.path) == (
        "http", "127.0.0.1", 8080, "/hook?x=1")
    assert parse_url("https://example.com", allow_loopback=False).path == "/"


def _answers(*addresses: str):
    def getaddrinfo(host, port, type=0, **kw):
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in addresses]
    return getaddrinfo


def test_a_name_is_refused_if_any_answer_is_internal(monkeypatch) -> None:
    target = parse_url("https://hooks.example.com/x", allow_loopback=False)
    monkeypatch.setattr(socket, "getaddrinfo", _answers("93.184.215.14", "10.1.2.3"))
    with pytest.raises(RefusedTarget, match="10.1.2.3"):
        resolve(target, allow_loopback=False)
    monkeypatch.setattr(socket, "getaddrinfo", _answers("93.184.215.14"))
    assert resolve(target, allow_loopback=False) == ["93.184.215.14"]


def test_the_answer_is_checked_on_every_resolution(monkeypatch) -> None:
    """DNS that changes between attempts: the second answer is refused."""
    target = parse_url("https://rebind.example.com/x", allow_loopback=False)
    answers = iter([_answers("93.184.215.14"), _answers("169.254.169.254")])
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: next(answers)(*a, **k))
    assert resolve(target, allow_loopback=False) == ["93.184.215.14"]
    with pytest.raises(RefusedTarget, match="metadata"):
        resolve(target, allow_loopback=False)


def test_a_name_that_does_not_resolve_is_refused(monkeypatch) -> None:
    def fail(*a, **k):
        raise socket.gaierror(-2, "Name or service not known")
    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(RefusedTarget, match="does not resolve"):
        resolve(parse_url("https://nowhere.invalid/", allow_loopback=False), allow_loopback=False)
