"""Which URLs and addresses a webhook may reach.

A receiver's URL is the user's to choose, and the delivery function runs inside our
network: every attempt resolves the host afresh and refuses any address that is not a
public unicast one (private, loopback, link-local with the metadata service at
169.254.169.254, multicast, reserved, unspecified, shared address space, IPv6 unique-local
fc00::/7, and IPv4 addresses wrapped in IPv6). If any address the name resolves to is
refused, the attempt is: a name that mixes a public and a private answer is an attack.
Loopback and plain http are allowed only when WEBHOOK_ALLOW_LOOPBACK is on (the local stack
and tests; the template never sets it).
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048
_ULA = ipaddress.ip_network("fc00::/7")
_METADATA = ipaddress.ip_address("169.254.169.254")


class RefusedTarget(ValueError):
    """The URL or an address it resolves to may not be reached; the message says why."""


@dataclass(frozen=True)
class Target:
    scheme: str  # https, or http (loopback setting only)
    host: str  # as in the URL (for Host and SNI)
    port: int
    path: str  # with the query


def parse_url(url: str, *, allow_loopback: bool) -> Target:
    """The URL's parts, or RefusedTarget: https only (http only with the loopback setting),
    no user or password, a host name or address, nothing but ASCII and no spaces."""
    if len(url) > MAX_URL_LENGTH or not url.isascii() or any(c.isspace() for c in url):
        raise RefusedTarget("the URL must be ASCII, without spaces, at most 2048 characters")
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_loopback else ("https",)
    if parts.scheme not in schemes:
        raise RefusedTarget("the URL must be https")
    if parts.username is not None or parts.password is not None:
        raise RefusedTarget("the URL must not carry a user or password")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RefusedTarget("the URL's port is not valid") from None
    host = (parts.hostname or "").rstrip(".")
    if not host or parts.fragment:
        raise RefusedTarget("the URL needs a host and no fragment")
    literal = _literal(host)
    if literal is not None:
        refusal = refusal_of(literal, allow_loopback=allow_loopback)
        if refusal:
            raise RefusedTarget(refusal)
    elif host.lower() == "localhost" and not allow_loopback:
        raise RefusedTarget("loopback addresses are not allowed")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=parts.scheme, host=host, port=port, path=path)


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def refusal_of(address: ipaddress.IPv4Address | ipaddress.IPv6Address, *,
               allow_loopback: bool) -> str | None:
    """Why `address` may not be reached, or None if it may."""
    if isinstance(address, ipaddress.IPv6Address):
        wrapped = address.ipv4_mapped or address.sixtofour or (
            address.teredo[1] if address.teredo else None)
        if wrapped is not None:
            return refusal_of(wrapped, allow_loopback=allow_loopback)
        if address in _ULA:
            return f"{address} is an IPv6 unique-local address"
    if address.is_loopback:
        return None if allow_loopback else f"{address} is a loopback address"
    if address == _METADATA:
        return f"{address} is the instance metadata address"
    for test, kind in ((address.is_link_local, "a link-local"), (address.is_multicast, "a multicast"),
                       (address.is_unspecified, "an unspecified"), (address.is_reserved, "a reserved"),
                       (address.is_private, "a private")):
        if test:
            return f"{address} is {kind} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def resolve(target: Target, *, allow_loopback: bool) -> list[str]:
    """The addresses to connect to, every one checked; RefusedTarget if the name does not
    resolve or any answer is refused."""
    try:
        answers = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedTarget(f"{target.host} does not resolve ({exc})") from None
    addresses = list(dict.fromkeys(answer[4][0] for answer in answers))
    if not addresses:
        raise RefusedTarget(f"{target.host} does not resolve")
    for text in addresses:
        refusal = refusal_of(ipaddress.ip_address(text.split("%")[0]),
                             allow_loopback=allow_loopback)
        if refusal:
            raise RefusedTarget(f"{target.host} resolves to {refusal.split(' ', 1)[0]}, which "
                                f"{refusal.split(' ', 1)[1]}")
    return addresses
