"""Domain events on the EventBridge bus (detail-type such as "avatar.ready")."""
from __future__ import annotations

import json
from typing import Any

from portrait.config import get_settings
from portrait.store.aws import client

SOURCE = "portrait"


class PublishFailed(RuntimeError):
    pass


def publish(detail_type: str, detail: dict[str, Any]) -> None:
    reply = client("events").put_events(Entries=[{
        "EventBusName": get_settings().event_bus_name,
        "Source": SOURCE,
        "DetailType": detail_type,
        "Detail": json.dumps(detail, default=str),
    }])
    if reply.get("FailedEntryCount"):
        # Raise so an at-least-once consumer retries rather than silently dropping the event.
        raise PublishFailed(f"{detail_type}: {reply['Entries'][0].get('ErrorMessage')}")
