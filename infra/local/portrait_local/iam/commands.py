"""`portrait iam report | withhold | restore`: the running stack's IAM check.

report    per function, the calls authorised (by action) and denied since the stack
          started, and the permissions its role grants that no call used: what to
          trim (statements of AWS managed policies the Lambda service itself uses are
          listed apart).
withhold  leave statements out of a function's role, as if a deploy had removed
          them: what fails without them is what needs them.
restore   every role as the template has it again.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from portrait_local.stack_calls import call_running_stack, print_reply

DEFAULT_TEMPLATE = "template.yaml"


def format_report(report: dict) -> str:
    lines = []
    for function_id, entry in report["functions"].items():
        lines.append(f"{function_id} ({entry['role']}): {entry['calls']} calls authorised")
        for action, count in entry["authorised"].items():
            lines.append(f"    {count:>6}  {action}")
        for action, count in entry["denied"].items():
            lines.append(f"    {count:>6}  {action}  DENIED")
        if entry["unused"]:
            lines.append("  granted, never used:")
            for unused in entry["unused"]:
                lines.append(f"    {unused['action']:<32} {unused['statement']}  on "
                             f"{', '.join(unused['resource'])}")
        if entry["service_side"]:
            actions = sorted({u["action"] for u in entry["service_side"]})
            lines.append(f"  used by the Lambda service, not the code: {', '.join(actions)}")
    if report.get("withheld"):
        lines.append(f"withheld: {json.dumps(report['withheld'])}")
    totals = {f: e["calls"] for f, e in report["functions"].items()}
    lines.append(f"{sum(totals.values())} calls authorised, "
                 f"{sum(sum(e['denied'].values()) for e in report['functions'].values())} "
                 f"denied, {sum(len(e['unused']) for e in report['functions'].values())} "
                 "granted actions never used")
    return "\n".join(lines)


def merge_reports(reports: list[dict]) -> dict:
    """Several stacks' reports as one run's (the end-to-end suite starts several): calls
    and denials added up; a grant is unused when no stack used it."""
    merged: dict = {"functions": {}, "denials": [], "withheld": {}}
    for report in reports:
        merged["denials"] += report.get("denials", [])
        for function_id, entry in report["functions"].items():
            into = merged["functions"].setdefault(function_id, {
                "role": entry["role"], "calls": 0, "authorised": {}, "denied": {},
                "unused": entry["unused"], "service_side": entry["service_side"]})
            into["calls"] += entry["calls"]
            for field in ("authorised", "denied"):
                for action, count in entry[field].items():
                    into[field][action] = into[field].get(action, 0) + count
            for field in ("unused", "service_side"):
                still = {(u["statement"], u["action"]) for u in entry[field]}
                into[field] = [u for u in into[field] if (u["statement"], u["action"]) in still]
    for entry in merged["functions"].values():
        for field in ("authorised", "denied"):
            entry[field] = dict(sorted(entry[field].items()))
    return merged


def run_report(args: argparse.Namespace) -> int:
    if args.merge:
        reply = merge_reports([json.loads(Path(path).read_text()) for path in args.merge])
    else:
        reply = call_running_stack(args, "GET", "iam")
    if isinstance(reply, int):
        return reply
    if args.function:
        reply["functions"] = {f: e for f, e in reply["functions"].items()
                              if f in args.function}
    print(json.dumps(reply, indent=2) if args.json else format_report(reply))
    return 0


def run_withhold(args: argparse.Namespace) -> int:
    current = call_running_stack(args, "GET", "iam")
    if isinstance(current, int):
        return current
    selection = {f: list(s) for f, s in current.get("withheld", {}).items()}
    selection[args.function] = sorted(set(selection.get(args.function, [])) |
                                      set(args.statement))
    return print_reply(call_running_stack(args, "PUT", "iam/withheld", selection))


def run_restore(args: argparse.Namespace) -> int:
    return print_reply(call_running_stack(args, "PUT", "iam/withheld", {}))


def register_iam(sub: argparse._SubParsersAction) -> None:
    from portrait_local.cli import add_state_dir

    p = sub.add_parser("iam", help="least privilege on the running local stack: the calls "
                                   "each function's role authorised, and what it never used")
    commands = p.add_subparsers(dest="iam_command", required=True)
    report = commands.add_parser("report", help="calls authorised and denied per function, "
                                                "and the granted actions no call used")
    report.add_argument("--json", action="store_true", help="the report as JSON")
    report.add_argument("--function", nargs="+", metavar="LOGICAL_ID",
                        help="only these functions")
    report.add_argument("--merge", nargs="+", metavar="REPORT_JSON",
                        help="no running stack: these saved reports (--json) as one run's, "
                             "e.g. the end-to-end suite's stacks' (PORTRAIT_TEST_ARTIFACTS)")
    report.set_defaults(handler=run_report)
    withhold = commands.add_parser("withhold", help="leave statements out of a function's "
                                                    "role until `portrait iam restore`")
    withhold.add_argument("function", metavar="FUNCTION", help="the function's logical id")
    withhold.add_argument("statement", nargs="+", metavar="STATEMENT",
                          help="a Sid, a policy name (all its statements), or a statement "
                               "as the report names it (Policy/Sid, Policy#n)")
    withhold.set_defaults(handler=run_withhold)
    restore = commands.add_parser("restore", help="every role as the template has it")
    restore.set_defaults(handler=run_restore)
    for command in (report, withhold, restore):
        command.add_argument("--template", default=DEFAULT_TEMPLATE)
        add_state_dir(command)
