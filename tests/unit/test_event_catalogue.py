"""The event catalogue (portrait.events): docs/EVENTS.md is what the code generates, every
publisher goes through it, and payloads keep their shape."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import ValidationError

from portrait import events
from portrait_local.event_docs import document
from tests.conftest import ROOT

LIBRARY = ROOT / "layers" / "common" / "python" / "portrait"


def test_the_committed_event_list_is_what_the_code_generates() -> None:
    committed = (ROOT / "docs" / "EVENTS.md").read_text()
    assert committed == document(), "docs/EVENTS.md is stale: run `make events-doc`"


def test_every_event_is_listed_once_by_its_name() -> None:
    names = [event.detail_type for event in events.CATALOGUE.values()]
    assert len(names) == len(set(names)) and all("." in name for name in names)
    assert set(events.json_schemas()) == set(names)


ENVELOPE = {"event_id": "evt_1", "occurred_at": "2026-12-06T18:00:00.000Z"}


def test_a_payload_round_trips_and_carries_its_envelope() -> None:
    event = events.AvatarPurged(**ENVELOPE, user_id="U", avatar_id="A")
    detail = event.detail()
    assert detail == {**ENVELOPE, "type": "avatar.purged", "schema_version": 2, "user_id": "U",
                      "avatar_id": "A"}
    assert events.parse_event("avatar.purged", detail) == event
    with pytest.raises(ValueError):
        events.parse_event("avatar.purged", {**detail, "type": "avatar.ready"})


def test_a_payload_with_a_missing_or_unknown_field_is_refused() -> None:
    with pytest.raises(ValidationError):
        events.AvatarPurged(user_id="U", avatar_id="A")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        events.AvatarPurged(**ENVELOPE, user_id="U", avatar_id="A", colour="red")  # type: ignore[call-arg]


def _publish_calls(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text())
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == "publish"
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "events"]


def test_only_the_stream_publisher_puts_events_on_the_bus() -> None:
    # A transactional outbox by construction: events come from the tables' streams
    # (services/domain_events.py), never from a request or worker after its commit.
    callers = {str(path.relative_to(LIBRARY)) for path in LIBRARY.rglob("*.py") if _publish_calls(path)}
    assert callers == {"services/domain_events.py"}


def test_no_publisher_hands_the_bus_a_name_or_a_dict_of_its_own() -> None:
    # store.events.publish takes one catalogue event: a string literal or a dict literal
    # among its arguments would be an event built outside the catalogue.
    offenders = []
    for path in LIBRARY.rglob("*.py"):
        for call in _publish_calls(path):
            if len(call.args) != 1 or call.keywords or isinstance(
                    call.args[0], (ast.Constant, ast.Dict, ast.JoinedStr)):
                offenders.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert offenders == []
