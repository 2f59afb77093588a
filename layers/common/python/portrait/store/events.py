"""Domain events onto the EventBridge bus: `detail-type` is the event's name and `detail`
its payload, both from the event catalogue (portrait.events)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from portrait.config import get_settings
from portrait.store.aws import client

if TYPE_CHECKING:  # publishers build the events; this module only sends them
    from portrait.events import DomainEvent

SOURCE = "portrait"


class PublishFailed(RuntimeError):
    pass


def publish(event: DomainEvent) -> None:
    reply = client("events").put_events(Entries=[{
        "EventBusName": get_settings().event_bus_name,
        "Source": SOURCE,
        "DetailType": event.detail_type,
        "Detail": json.dumps(event.detail()),
    }])
    if reply.get("FailedEntryCount"):
        # Raise so an at-least-once consumer retries rather than silently dropping the event.
        raise PublishFailed(f"{event.detail_type}: {reply['Entries'][0].get('ErrorMessage')}")
