"""Print docs/EVENTS.md: every domain event of the catalogue (portrait.events), with its
JSON Schema, generated from the code.

    python -m portrait_local.event_docs > docs/EVENTS.md      (what `make events-doc` runs)

A test checks the committed file against this output, as the OpenAPI test does for
openapi.json, so the list cannot drift from the events the code publishes.
"""
from __future__ import annotations

import json

from portrait.events import CATALOGUE, SCHEMA_VERSION, json_schemas

HEADER = f"""# Domain events

Generated from `layers/common/python/portrait/events.py` by `make events-doc`; do not
edit by hand (a test compares this file with the code).

Every event is derived from its owning table's stream (EventPublisherFunction), never
sent by the request or worker that wrote, so a change is never committed without its
event. It goes on the EventBridge bus `portrait` with `source` = `portrait`,
`detail-type` = the event's name and `detail` = its payload below.

Every payload starts with the same envelope: `event_id` (the same on every redelivery
of one change: deduplicate on it), `type` (the event's name), `occurred_at` (when the
change was committed) and `schema_version` (now {SCHEMA_VERSION}): it changes only when
a field is removed, renamed or retyped; new fields may appear at any time, so consumers
ignore fields they do not know. Timestamps are ISO 8601 UTC with milliseconds
(`2026-12-06T07:20:38.123Z`). Events are delivered at least once: consumers are
idempotent.

A resource travels in the API's shape for it: `avatar` as `GET /me/avatars/{{id}}`
answers it, `generation` as `GET /generations/{{id}}`, `media` as `GET /media/{{id}}`.
Where the API hands out an expiring URL an event carries the CDN's lasting URL, or
null when there is no CDN (object keys are given beside): consumers keep what they
receive. A generation's photo and portrait are private, so its URLs are null.

| event | what happened |
|---|---|
"""


def document() -> str:
    schemas = json_schemas()
    rows = [f"| `{name}` | {' '.join((event.__doc__ or '').split())} |"
            for name, event in CATALOGUE.items()]
    sections = [f"## `{name}`\n\n```json\n{json.dumps(schema, indent=2)}\n```\n"
                for name, schema in schemas.items()]
    return HEADER + "\n".join(rows) + "\n\n" + "\n".join(sections)


if __name__ == "__main__":
    print(document(), end="")
