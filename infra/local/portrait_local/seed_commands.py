"""`portrait seed poses`: load the generated pose catalogue (and the style presets' sample
portraits) into the local stack or a deployed one.

It runs in this process with the API function's environment (as `portrait admin`
does): the records go to its poses table, the skeletons under poses/ in its
bucket. Only what is missing is written, so it is safe to run after every deploy;
--refresh rewrites everything (after a change to the generator).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from portrait_local.operator_commands import API_FUNCTION, add_target_options, adopt_target
from portrait_local.progress import Progress
from portrait_local.running import cache_dir_for
from portrait_local.skeleton_cache import cached_drawer

# Tries before seeding gives up; between them it waits 1, 2, 4, ... s (at most 30).
SEED_ATTEMPTS = 6


def run_seed_poses(args: argparse.Namespace) -> int:
    target = adopt_target(args, API_FUNCTION)
    if target is None:
        return 2
    # Imported only now: portrait reads its settings from the environment just adopted.
    from portrait.observability import logger
    from portrait.poses.catalogue import generate_catalogue
    from portrait.services.poses.seeding import seed_pose_catalogue
    from portrait.services.poses.styles import seed_style_samples

    logger.registered_handler.setStream(sys.stderr)  # stdout says what was done, alone
    logger.setLevel("WARNING")  # the progress lines say more than one "seeded" line
    catalogue = generate_catalogue()
    # Drawn once per checkout: every local stack (the tests start several) seeds them all.
    draw = cached_drawer(cache_dir_for(Path(args.template)) / "skeletons")
    print(f"seeding poses: started ({len(catalogue)} poses, on {target.description})",
          file=sys.stderr, flush=True)
    with Progress("seeding poses", total=len(catalogue)) as progress:
        def report(stage: str, done: int, total: int) -> None:
            progress.stage = stage
            progress.done = done

        for attempt in range(1, SEED_ATTEMPTS + 1):
            try:
                # Only what is missing: a retry resumes where the failed attempt stopped.
                result = seed_pose_catalogue(only_missing=not args.refresh or attempt > 1,
                                             catalogue=catalogue, progress=report,
                                             draw=draw)
                samples = seed_style_samples()  # the style presets' sample portraits
                break
            except Exception as exc:  # noqa: BLE001 - any failure: say why, wait, resume
                reason = f"{type(exc).__name__}: {exc}"
                if attempt == SEED_ATTEMPTS:
                    print(f"seeding poses: failed after {attempt} attempts: {reason}",
                          file=sys.stderr, flush=True)
                    return 1
                pause = min(30, 2 ** (attempt - 1))
                print(f"seeding poses: attempt {attempt} failed ({reason}); resuming in "
                      f"{pause} s", file=sys.stderr, flush=True)
                time.sleep(pause)
    print(f"pose catalogue on {target.description}: {len(catalogue)} poses; wrote "
          f"{result.skeletons_written} skeletons, {result.records_written} records and "
          f"{samples} style samples in "
          f"{progress.seconds:.1f} s", flush=True)
    return 0


def register_seed(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("seed", help="load the pose catalogue (`make dev` does it; "
                                   "run it after a deploy)")
    seed = p.add_subparsers(dest="seed_command", required=True)
    poses = seed.add_parser("poses", help="write the pose catalogue's records and skeletons "
                                          "(only the missing ones)")
    poses.add_argument("--refresh", action="store_true",
                       help="rewrite every catalogue pose, not only the missing ones")
    add_target_options(poses)
    poses.set_defaults(handler=run_seed_poses)
