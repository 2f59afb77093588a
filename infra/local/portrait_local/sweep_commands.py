"""`portrait sweep temp|deleted`: run a storage sweep now, on the local stack or a deployed one.

The sweep runs in this process with the environment its scheduled function
gets (as `portrait admin` does), and prints its report as JSON on stdout;
the sweep's own log lines go to stderr, so the output can be piped to jq.
"""
from __future__ import annotations

import argparse
import json
import sys

from portrait_local.operator_commands import API_FUNCTION, add_target_options, adopt_target
from portrait_local.progress import Progress

SWEEP_FUNCTIONS = {"temp": "SweepTempFunction", "deleted": "SweepDeletedFunction"}


def _run_sweep(args: argparse.Namespace):
    """The sweep's report; imported only here, after the environment is adopted,
    because portrait reads its settings from the environment once."""
    if args.sweep == "temp":
        from portrait.services.hygiene.temp_sweep import sweep_temp_uploads

        older_than = None if args.older_than_hours is None else round(args.older_than_hours * 3600)
        return sweep_temp_uploads(older_than_seconds=older_than, dry_run=args.dry_run)
    from portrait.services.hygiene.deleted_sweep import sweep_deleted_avatars

    return sweep_deleted_avatars(dry_run=args.dry_run)


def run_sweep(args: argparse.Namespace) -> int:
    target = adopt_target(args, SWEEP_FUNCTIONS[args.sweep], API_FUNCTION)
    if target is None:
        return 2
    from portrait.observability import logger

    logger.registered_handler.setStream(sys.stderr)  # stdout holds the report alone
    with Progress(f"sweep {args.sweep}") as progress:
        report = _run_sweep(args).as_dict()
    print(json.dumps(report, indent=2))
    progress.finish(f" on {target.description}"
                    f"{' (dry run: nothing deleted)' if args.dry_run else ''}")
    return 1 if report.get("failed") else 0


def _older_than_hours(text: str) -> float:
    hours = float(text)
    if not 0 <= hours <= 24 * 366:
        raise argparse.ArgumentTypeError("must be between 0 and 8784 hours")
    return hours


def register_sweep(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="run a storage sweep now (abandoned uploads, deleted avatars)")
    sweeps = p.add_subparsers(dest="sweep", required=True)
    temp = sweeps.add_parser("temp", help="delete abandoned uploads under tmp/ "
                                          "and expire their pending avatars")
    temp.add_argument("--older-than-hours", type=_older_than_hours, default=None,
                      help="sweep uploads older than this (0: all); default: the sweep's own age")
    deleted = sweeps.add_parser("deleted", help="purge soft-deleted avatars past their grace, "
                                                "and orphaned objects")
    for parser in (temp, deleted):
        parser.add_argument("--dry-run", action="store_true",
                            help="report what would be deleted, delete nothing")
        add_target_options(parser)
        parser.set_defaults(handler=run_sweep)
