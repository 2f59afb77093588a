"""`portrait counts backfill | storage`: set the record counts from the tables, or list the
storage totals now, on the local stack or a deployed one (--stack-name).

Both run in this process with StorageCountsFunction's environment (its role's grants
locally), as `portrait sweep` does. The report is JSON on stdout; log lines (and metric
lines) go to stderr, so the output can be piped to jq.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys

from portrait_local.operator_commands import API_FUNCTION, add_target_options, adopt_target
from portrait_local.progress import Progress

STORAGE_COUNTS_FUNCTION = "StorageCountsFunction"


def run_counts(args: argparse.Namespace) -> int:
    target = adopt_target(args, STORAGE_COUNTS_FUNCTION, API_FUNCTION)
    if target is None:
        return 2
    # Imported only now: portrait reads its settings from the environment just adopted.
    from portrait import clock
    from portrait.observability import logger
    from portrait.services.counts.backfill import seed_counters
    from portrait.services.counts.storage import list_storage_totals

    logger.registered_handler.setStream(sys.stderr)
    with Progress(f"counts {args.counts_command}") as progress, \
            contextlib.redirect_stdout(sys.stderr):
        if args.counts_command == "backfill":
            report = seed_counters().as_dict()
        else:
            totals = list_storage_totals()
            report = {"prefixes": totals.prefixes, "as_of": clock.iso(totals.listed_at),
                      "seconds": round(totals.seconds_to_list, 3)}
    print(json.dumps(report, indent=2))
    progress.finish(f" on {target.description}")
    return 0


def register_counts(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("counts", help="the admin counts: seed the record counts from the "
                                      "tables (backfill), list the storage totals now (storage)")
    counts = p.add_subparsers(dest="counts_command", required=True)
    backfill = counts.add_parser(
        "backfill", help="scan the avatars, users and generations tables once and set every "
                         "count from them (a deployment with data; best when writes are quiet)")
    storage = counts.add_parser(
        "storage", help="list avatars/, media/, generations/ and tmp/ now and store the "
                        "totals (the hourly StorageCountsFunction's work)")
    for parser in (backfill, storage):
        add_target_options(parser)
        parser.set_defaults(handler=run_counts)
