"""Events: the list endpoint over what `Store.emit` recorded."""

from __future__ import annotations

from typing import Any

from stripe_sandbox.params import as_list
from stripe_sandbox.store import Store


def type_matches(pattern: str, event_type: str) -> bool:
    if pattern.endswith("*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def list_events(store: Store, params: dict[str, Any]) -> list[dict[str, Any]]:
    kinds = as_list(params, "types") or ([params["type"]] if params.get("type") else [])
    return [event for event in store.all("event")
            if not kinds or any(type_matches(k, event["type"]) for k in kinds)]
