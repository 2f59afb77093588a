"""`portrait search reindex`: rebuild the project search index now, with a progress bar.

It runs in this process with IndexFunction's environment (as the sweeps adopt
theirs): on the local stack it writes the embedded engine's index under the
stack's state folder; with --stack-name it writes the stack's OpenSearch with
your credentials, which its data access policy must allow (IndexFunction's
role alone is allowed by default: use POST /admin/search/reindex, which
queues the rebuild for IndexFunction, otherwise). Searches keep answering
from the old index until the alias switches. The report is JSON on stdout.
"""
from __future__ import annotations

import argparse
import json
import sys

from portrait_local.operator_commands import API_FUNCTION, add_target_options, adopt_target
from portrait_local.progress import Progress

INDEX_FUNCTION = "IndexFunction"


def run_reindex(args: argparse.Namespace) -> int:
    target = adopt_target(args, INDEX_FUNCTION, API_FUNCTION)
    if target is None:
        return 2
    from portrait.observability import logger
    from portrait.services.search.rebuild import project_count, rebuild_search_index

    logger.registered_handler.setStream(sys.stderr)  # stdout holds the report alone
    with Progress("search reindex", total=project_count(), every_seconds=1) as progress:
        report = rebuild_search_index(progress=lambda done: setattr(progress, "done", done))
    print(json.dumps({"indexed": report.indexed, "index_name": report.index_name,
                      "previous": report.previous}, indent=2))
    progress.finish(f" on {target.description}")
    return 0


def register_search(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="project search: rebuild the index")
    commands = p.add_subparsers(dest="search_command", required=True)
    reindex = commands.add_parser("reindex", help="rebuild the index from the projects table "
                                                  "into a fresh index, then switch to it")
    add_target_options(reindex)
    reindex.set_defaults(handler=run_reindex)
