"""Ports `portrait dev` needs, and what to say when one is taken: the port, who holds
it when this machine can tell (Linux: /proc), and the option that picks another."""
from __future__ import annotations

import errno
import os
import socket
from pathlib import Path


class StartFailed(RuntimeError):
    """The local stack cannot start; the message is one line a person can act on."""


class PortBusy(StartFailed):
    pass


def busy_message(host: str, port: int, *, purpose: str, option: str,
                 denied: bool = False) -> str:
    if denied:
        return (f"port {port} ({purpose}) on {host} needs privileges this user lacks (ports "
                f"under 1024): pick another: make dev ARGS=\"{option} {max(port, 1024) + 1}\" "
                f"({option} 0 picks a free one)")
    holder = port_holder(port)
    held = f" by {holder}" if holder else ""
    return (f"port {port} ({purpose}) on {host} is in use{held}: stop it, or pick another "
            f"port: make dev ARGS=\"{option} {port + 1}\" ({option} 0 picks a free one)")


def ensure_free(host: str, port: int, *, purpose: str, option: str) -> None:
    """PortBusy when `port` cannot be listened on at `host` (0: any port, always free)."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortBusy(busy_message(host, port, purpose=purpose, option=option,
                                            denied=exc.errno == errno.EACCES)) from None
            raise


def port_holder(port: int) -> str | None:
    """"pid 1234 (python3 -m http.server 3000)" for the process listening on `port`,
    when /proc says so (this user's processes, or all when root); else None."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").strip()
                    # Printable only: a command line is shown on the terminal as it is.
                    text = "".join(c if c.isprintable() else "?"
                                   for c in command.decode(errors="replace"))
                    return f"pid {proc.name} ({text[:80]})"
        except OSError:
            continue  # gone, or not ours to look at
    return None


def _listening_inodes(port: int) -> set[str]:
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                found.add(f"socket:[{inode}]")
    return found
