"""Stripe's form encoding, decoded: `items[0][price]=x` -> {"items": [{"price": "x"}]}.

Values stay strings (as on the wire); the helpers below convert and validate them with Stripe's
parameter errors.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from stripe_sandbox import errors

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def decode(body: str) -> dict[str, Any]:
    """Nested dicts from a query string; dicts keyed 0..n (and `a[]` repeats) become lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        match = _KEY.match(key)
        if match is None:
            raise errors.StripeError(f"Invalid parameter name: {key}", code="parameter_unknown", param=key)
        parts = [match.group(1)] + re.findall(r"\[([^\[\]]*)\]", match.group(2))
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "":
                part = str(sum(1 for k in node if k.isdigit()))
            if last:
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise errors.StripeError(f"Invalid parameter: {key}", code="parameter_invalid", param=key)
                node = child
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    node = {k: _listify(v) for k, v in node.items()}
    if node and all(k.isdigit() for k in node):
        return [node[k] for k in sorted(node, key=int)]
    return node


def as_int(params: dict[str, Any], name: str, default: int | None = None, *, minimum: int | None = None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise errors.invalid(name, f"Invalid integer: {value}") from None
    if minimum is not None and number < minimum:
        raise errors.invalid(name, f"Invalid {name}: must be at least {minimum}")
    return number


def as_bool(params: dict[str, Any], name: str, default: bool | None = None) -> bool | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    if value in ("true", True):
        return True
    if value in ("false", False):
        return False
    raise errors.invalid(name, f"Invalid boolean: {value}")


def as_list(params: dict[str, Any], name: str) -> list[Any]:
    value = params.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        raise errors.invalid(name, f"Invalid array: {name}")
    return [value]


def require(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise errors.missing(name)
    return value


def choice(params: dict[str, Any], name: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    if value not in allowed:
        raise errors.invalid(name, f"Invalid {name}: must be one of {', '.join(allowed)}")
    return value


def merge_metadata(current: dict[str, str] | None, update: Any) -> dict[str, str]:
    """Stripe's rules: keys merge, an empty value deletes a key, an empty metadata clears all."""
    if update is None:
        return dict(current or {})
    if update == "":
        return {}
    if not isinstance(update, dict):
        raise errors.invalid("metadata", "Invalid object: metadata")
    merged = dict(current or {})
    for key, value in update.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return merged
