"""`portrait seed poses`: load the generated pose catalogue into the local stack or a deployed one.

It runs in this process with the API function's environment (as `portrait admin`
does): the records go to its poses table, the skeletons under poses/ in its
bucket. Only what is missing is written, so it is safe to run after every deploy;
--refresh rewrites everything (after a change to the generator).
"""
from __future__ import annotations

import argparse
import sys

from portrait_local.operator_commands import API_FUNCTION, add_target_options, target_of
from portrait_local.targets import NoTarget


def run_seed_poses(args: argparse.Namespace) -> int:
    try:
        target = target_of(args)
    except NoTarget as exc:
        print(exc, file=sys.stderr)
        return 2
    target.adopt_environment_of(API_FUNCTION)
    # Imported only now: portrait reads its settings from the environment just adopted.
    from portrait.observability import logger
    from portrait.services.pose_seeding import seed_pose_catalogue

    logger.registered_handler.setStream(sys.stderr)  # stdout says what was done, alone
    report = seed_pose_catalogue(only_missing=not args.refresh)
    print(f"pose catalogue on {target.description}: {report.catalogue} poses; wrote "
          f"{report.skeletons_written} skeletons and {report.records_written} records "
          f"in {report.seconds:.1f} s", flush=True)
    return 0


def register_seed(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("seed", help="load generated data (the pose catalogue)")
    seed = p.add_subparsers(dest="seed_command", required=True)
    poses = seed.add_parser("poses", help="write the pose catalogue's records and skeletons "
                                          "(only the missing ones)")
    poses.add_argument("--refresh", action="store_true",
                       help="rewrite every catalogue pose, not only the missing ones")
    add_target_options(poses)
    poses.set_defaults(handler=run_seed_poses)
