"""`portrait alarms list | clock`: the running stack's local CloudWatch.

list   each alarm of the template with its state and the reason (datapoints)
clock  the local CloudWatch's clock: `--speed 60` makes a real second a simulated minute,
       so alarms with periods of minutes fire (and clear) in seconds; `--speed 1` goes
       back to real time (the clock stays ahead of the wall clock by what it gained).
"""
from __future__ import annotations

import argparse
import json

from portrait_local.stack_calls import call_running_stack, print_reply

DEFAULT_TEMPLATE = "template.yaml"


def _call(args: argparse.Namespace, method: str, path: str, payload=None):
    return call_running_stack(args, method, f"cloudwatch/{path}", payload)


def run_list(args: argparse.Namespace) -> int:
    reply = _call(args, "GET", "alarms")
    if isinstance(reply, int):
        return reply
    if args.json:
        print(json.dumps(reply, indent=2))
        return 0
    for alarm in reply["alarms"]:
        if args.state and alarm["state"] != args.state:
            continue
        print(f"{alarm['state']:<17} {alarm['name']}\n{'':<17} {alarm['reason']}")
    for name, why in reply["not_readable"].items():
        print(f"{'NOT READ':<17} {name}: {why}")
    return 0


def run_clock(args: argparse.Namespace) -> int:
    return print_reply(_call(args, "PUT", "clock", {"speed": args.speed})
                       if args.speed is not None else _call(args, "GET", "clock"))


def register_alarms(sub: argparse._SubParsersAction) -> None:
    from portrait_local.cli import add_state_dir

    p = sub.add_parser("alarms", help="the template's alarms, evaluated by the running local "
                                      "stack from its functions' metrics")
    alarms = p.add_subparsers(dest="alarms_command", required=True)
    listing = alarms.add_parser("list", help="each alarm's state and why")
    listing.add_argument("--state", choices=("OK", "ALARM", "INSUFFICIENT_DATA"))
    listing.add_argument("--json", action="store_true", help="the whole document")
    listing.set_defaults(handler=run_list)
    clock = alarms.add_parser("clock", help="show or set the speed of the alarms' clock")
    clock.add_argument("--speed", type=float, default=None,
                       help="simulated seconds per real second (1: real time; 60: a minute "
                            "a second)")
    clock.set_defaults(handler=run_clock)
    for command in (listing, clock):
        command.add_argument("--template", default=DEFAULT_TEMPLATE)
        add_state_dir(command)
