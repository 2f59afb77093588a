"""What a running `portrait dev` leaves for the other commands: its state folder and
file (local.json: endpoints, pid, the attributes its resources got), and the template
as it loaded them.

Apart from stack.py, which starts and runs a stack: a command that only talks to a
running one (`portrait invoke`, `portrait admin ...`) then loads neither the stack's
machinery nor boto3 at start-up.
"""
from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

from portrait_local.template import Template

# How long a live stack may take to answer: a busy machine (a test suite beside other
# work) can take seconds, and giving up would send the command to an ephemeral stack
# instead of the one the user started. A stack that is gone is known at once.
HEALTH_TIMEOUT_SECONDS = 30


def state_dir_for(template_path: Path, state_dir: Path | str | None = None) -> Path:
    """Where the stack keeps its state and logs: --state-dir, else .portrait/ by the template."""
    return Path(state_dir).resolve() if state_dir else template_path.resolve().parent / ".portrait"


def cache_dir_for(template_path: Path) -> Path:
    """Work every stack of one checkout shares (the SAM transform, the drawn skeletons):
    beside the template, whatever --state-dir each stack has."""
    return template_path.resolve().parent / ".portrait" / "cache"


def running_stack(template_path: Path, state_dir: Path | None = None) -> dict | None:
    """The running local stack's state, if its file exists, its process is alive and
    the stack answers as that process."""
    path = state_dir_for(template_path, state_dir) / "local.json"
    try:
        state = json.loads(path.read_text())
        os.kill(state["pid"], 0)  # raises if no such process: a stale file, no waiting
        with urllib.request.urlopen(f"{state['api_url']}/__local/health",
                                    timeout=HEALTH_TIMEOUT_SECONDS) as reply:
            if json.loads(reply.read()).get("pid") == state["pid"]:
                return state
    except (OSError, ValueError, KeyError):
        pass
    return None


def load_running_template(template_path: Path, state: dict) -> Template:
    """The template as a running stack (described by its state file) loaded it."""
    template = Template.load(template_path, stack_name=state["stack_name"], region=state["region"],
                             account_id=state["account_id"],
                             parameter_overrides=state.get("parameter_overrides"))
    restore_attributes(template, state)
    return template


def restore_attributes(template: Template, state: dict) -> None:
    """Give a freshly loaded template the attributes a running stack recorded."""
    for key, value in state.get("attributes", {}).items():
        lid, attr = key.split(".", 1)
        template.attributes[(lid, attr)] = value
