"""The `portrait` commands that ask the running local stack (`portrait dev`) through its
/__local/ routes: the one request, and how a command ends with its reply.

A module of its own, not in cli.py: the command modules that cli.py registers
(alarms, iam, ...) import these at the top without importing cli.py back.
"""
from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from portrait_local.running import running_stack


def call_running_stack(args: argparse.Namespace, method: str, path: str,
                       payload: dict | None = None, timeout: float = 120) -> dict | int:
    """One request to the running stack's /__local/ routes: its JSON reply, or the exit
    code after saying why on stderr (2: no stack runs; 1: the stack refused)."""
    state = running_stack(Path(args.template), args.state_dir)
    if state is None:
        print("no running local stack (start it with `portrait dev`)", file=sys.stderr)
        return 2
    request = urllib.request.Request(
        f"{state['api_url']}/__local/{path}", method=method,
        data=None if payload is None else json.dumps(payload).encode(),
        headers={} if payload is None else {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as exc:
        print(json.loads(exc.read()).get("message", exc), file=sys.stderr)
        return 1


def print_reply(reply: dict | int, *, ok: Callable[[dict], bool] = lambda reply: True) -> int:
    """A call_running_stack reply as a command ends with it: an exit code (the call failed
    and said why) as it is; else the reply printed as JSON, and 0, or 1 where `ok` finds
    that the reply reports a failure."""
    if isinstance(reply, int):
        return reply
    print(json.dumps(reply, indent=2))
    return 0 if ok(reply) else 1
