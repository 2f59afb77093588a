"""docs/API.md, the API by example, still says what the API answers: the tour
(tests/e2e/api_tour.py) runs again on the local stack and every route, status and reply
shape must match the committed file; and every route of openapi.json is in it."""
from __future__ import annotations

import json
import re
from typing import Iterator

import pytest

from tests.e2e.api_tour import Tour, abridge, run, shape_differences
from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e
DOC = ROOT / "docs" / "API.md"
HEADING = re.compile(r"^## (GET|POST|PUT|PATCH|DELETE) (\S+)$")
ANSWER = re.compile(r"^Answer: \*\*(\d{3})\*\*")


def committed_calls() -> list[tuple[str, str, int, object]]:
    """(method, route, status, reply JSON or None) of each example in docs/API.md."""
    calls: list[tuple[str, str, int, object]] = []
    lines = DOC.read_text().splitlines()
    for n, line in enumerate(lines):
        if heading := HEADING.match(line):
            calls.append((heading[1], heading[2], 0, None))
        elif answer := ANSWER.match(line):
            method, route, _, _ = calls[-1]
            reply = None
            if n + 2 < len(lines) and lines[n + 2] == "```json":
                end = lines.index("```", n + 3)
                reply = json.loads("\n".join(lines[n + 3:end]))
            calls[-1] = (method, route, int(answer[1]), reply)
    return calls


@pytest.fixture(scope="module")
def tour(local_stack) -> Iterator[Tour]:
    """On the worker's stack, as the other modules are: its accounts are the run's own
    (tagged), and its search rebuild (the admin routes) cannot switch under another
    test's fresh projects, since a worker runs one test at a time."""
    tour = Tour(local_stack.api_url, local_stack.state_dir)
    run(tour)
    yield tour


def test_every_route_of_the_openapi_document_is_in_the_tour(tour) -> None:
    document = json.loads((ROOT / "openapi.json").read_text())
    routes = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    toured = {(call.method, call.route.split("?")[0]) for call in tour.calls}
    assert sorted(routes - toured) == []


def test_the_committed_examples_match_what_the_api_answers_now(tour) -> None:
    committed = committed_calls()
    fresh = [(c.method, c.route, c.status, None if isinstance(c.reply, str) else c.reply)
             for c in tour.calls]
    def steps(calls):  # the query's values hold ids of the run: compare the routes
        return [(method, route.split("?")[0], status) for method, route, status, _ in calls]

    assert steps(committed) == steps(fresh), \
        "routes or statuses changed: regenerate docs/API.md (see tests/e2e/api_tour.py)"
    drift = {f"{method} {route}": sorted(differences)
             for (method, route, _, old), (_, _, _, new) in zip(committed, fresh)
             if (differences := shape_differences(old, abridge(new)))}
    assert drift == {}, "reply shapes changed: regenerate docs/API.md (tests/e2e/api_tour.py)"
