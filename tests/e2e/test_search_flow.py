"""Project search end to end over HTTP against `portrait dev`: projects written over
HTTP become searchable through the bus, the index queue and IndexFunction (the
embedded engine); a rename, a delete, a typo, a prefix and the tag facets, and a
rebuild while queries run."""
from __future__ import annotations

import threading
import time
import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e
DEADLINE = 60  # seconds: generous for a busy machine; the note reports what it took


def _search(stack, **params) -> dict:
    reply = requests.get(stack.url("/search"), params=params, timeout=60)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _until(stack, check, what: str) -> float:
    """Seconds until `check()` is true (polled), failing after DEADLINE."""
    started = time.monotonic()
    while time.monotonic() - started < DEADLINE:
        if check():
            return time.monotonic() - started
        time.sleep(0.1)
    pytest.fail(f"{what} not seen within {DEADLINE} s:\n{stack.output()[-3000:]}")


def _ids(page: dict) -> list[str]:
    return [hit["project_id"] for hit in page["items"]]


def test_projects_are_searchable_renamed_and_removed(local_stack) -> None:
    stack = local_stack
    auth, user_id = stack.new_member("finder")
    word = f"zq{uuid.uuid4().hex[:6]}"  # a word no other test's project has
    made = {}
    for title, tags in ((f"Quantum {word} tracker", ["python", "science"]),
                        (f"Budget {word} planner", ["python", "finance"]),
                        (f"Garden {word} journal", ["hobby"])):
        reply = requests.post(stack.url("/projects"), headers=auth, timeout=60,
                              json={"title": title, "tags": tags, "description": "A project"})
        assert reply.status_code == 201, reply.text
        made[title.split()[0]] = reply.json()["project_id"]
        project_id = made[title.split()[0]]
        waited = _until(stack, lambda: project_id in _ids(_search(stack, query=word)),
                        f"project {project_id} in search")
        print(f"searchable after {waited:.2f} s")

    page = _search(stack, query=word)
    assert page["total"] == 3 and page["pages"] == 1
    assert {f["tag"]: f["count"] for f in page["facets"]["tags"]} == {
        "python": 2, "science": 1, "finance": 1, "hobby": 1}
    assert set(_ids(_search(stack, query=word, tags="finance,hobby"))) == {
        made["Budget"], made["Garden"]}
    hit = _search(stack, query=f"quantum {word}")["items"][0]
    assert hit["project_id"] == made["Quantum"] and "<mark>" in hit["highlights"]["title"][0]
    assert made["Quantum"] in _ids(_search(stack, query=f"quantim {word}"))  # a typo
    assert made["Garden"] in _ids(_search(stack, query=f"{word} gard"))  # a prefix
    suggestions = requests.get(stack.url("/search/suggest"), params={"query": "garde"},
                               timeout=60).json()
    assert any(s["kind"] == "title" and s["project_id"] == made["Garden"] for s in suggestions)

    renamed = requests.patch(stack.url("/me"), headers=auth, json={"name": "Ada Renamed"},
                             timeout=60)
    assert renamed.status_code == 200, renamed.text
    _until(stack, lambda: {h["name"] for h in _search(stack, query=word)["items"]}
           == {"Ada Renamed"}, "the new display name")

    deleted = requests.delete(stack.url(f"/projects/{made['Garden']}"), headers=auth, timeout=60)
    assert deleted.status_code == 200
    _until(stack, lambda: made["Garden"] not in _ids(_search(stack, query=word)),
           "the deleted project gone")
    assert _search(stack, query=word)["total"] == 2


def test_a_rebuild_while_queries_run_fails_none_of_them(local_stack) -> None:
    stack = local_stack
    failures, answered, stop = [], [], threading.Event()

    def query_loop() -> None:
        while not stop.is_set():
            try:
                reply = requests.get(stack.url("/search"), params={"query": "project"},
                                     timeout=60)
                (answered if reply.status_code == 200 else failures).append(reply.status_code)
            except requests.RequestException as exc:
                failures.append(str(exc))

    threads = [threading.Thread(target=query_loop) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        result = stack.portrait("search", "reindex")
        assert result.returncode == 0, result.stderr
        assert "search reindex: done in" in result.stderr
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == [] and len(answered) > 0
    print(f"{len(answered)} queries during the rebuild, none failed")
