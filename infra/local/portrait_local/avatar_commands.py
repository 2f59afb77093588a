"""`portrait avatars ensure-defaults`: give the users the stream missed their default avatar.

DefaultAvatarFunction skips a users-stream record after its retries and sends
only the record's position to DefaultAvatarFailuresQueue (whose alarm says so).
Once the cause is fixed, this finds the recent users who never had an avatar
and makes theirs, in this process, with the environment DefaultAvatarFunction
gets (as `portrait sweep` does). The report is JSON on stdout; log lines (and
metric lines) go to stderr, so the output can be piped to jq.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys

from portrait_local.operator_commands import API_FUNCTION, add_target_options, adopt_target
from portrait_local.progress import Progress

DEFAULT_AVATAR_FUNCTION = "DefaultAvatarFunction"


def run_ensure_defaults(args: argparse.Namespace) -> int:
    target = adopt_target(args, DEFAULT_AVATAR_FUNCTION, API_FUNCTION)
    if target is None:
        return 2
    # Imported only now: portrait reads its settings from the environment just adopted.
    from portrait.observability import logger
    from portrait.services.avatars.defaults import backfill_default_avatars

    logger.registered_handler.setStream(sys.stderr)
    # stdout goes to stderr meanwhile: metrics print their EMF lines.
    with Progress("ensure-defaults") as progress, contextlib.redirect_stdout(sys.stderr):
        report = backfill_default_avatars(limit=args.limit, dry_run=args.dry_run,
                                          days=args.days).as_dict()
    print(json.dumps(report, indent=2))
    notes = [" (dry run: nothing made)" if args.dry_run else ""]
    if report["being_made"]:
        notes.append(f"; {report['being_made']} being made right now: run again in 15 minutes "
                     "if they are still missing")
    if report["failed"]:
        notes.append(f"; {report['failed']} failed (see the log above): fix, then run again")
    progress.finish(f" on {target.description}{''.join(notes)}")
    return 1 if report["failed"] else 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _days(text: str) -> float:
    days = float(text)
    if not 0 < days <= 3660:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 3660 days")
    return days


def register_avatars(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("avatars", help="avatar repairs: make the default avatars a failed "
                                      "stream missed (ensure-defaults)")
    avatars = p.add_subparsers(dest="avatars_command", required=True)
    ensure = avatars.add_parser(
        "ensure-defaults",
        help="make a default avatar for each recent user who never had an avatar "
             "(after DefaultAvatarFailuresQueue alarmed and the cause is fixed)")
    ensure.add_argument("--dry-run", action="store_true",
                        help="report who needs one, make nothing")
    ensure.add_argument("--limit", type=_positive_int, default=None,
                        help="stop after this many users in need (run again for the rest)")
    ensure.add_argument("--days", type=_days, default=14,
                        help="only users created in the last DAYS (default 14: as long as "
                             "the failure queue keeps its messages)")
    add_target_options(ensure)
    ensure.set_defaults(handler=run_ensure_defaults)
