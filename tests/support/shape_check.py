"""Compare an answer of the sandbox with the official SDK's typed classes, field by field.

Every key must be declared by the SDK class, every declared key present unless Stripe leaves it out
(fields sent only when expanded, `deleted` on a live object, a payment method's hashes for other
types), values of the declared type (null only where the SDK says Optional, enum values among its
Literal values), nested objects and lists checked the same way.
"""

from __future__ import annotations

import decimal
import types
import typing
from typing import Any, Literal, Union

from stripe import ListObject, StripeObject

from stripe_sandbox.expand import INCLUDABLE
from stripe_sandbox.schema import fields, object_class


def problems(obj: Any, cls: type, path: str, expanded: frozenset[str] = frozenset()) -> list[str]:
    """What is wrong with `obj` as an instance of the SDK class `cls` (empty when nothing is)."""
    if not isinstance(obj, dict):
        return [f"{path}: {type(obj).__name__} where the SDK has {cls.__name__}"]
    if obj.get("object") == "list":
        return _one(obj, ListObject, path, expanded)
    kind = obj.get("object")
    if isinstance(kind, str) and object_class(kind) is not None:
        cls = object_class(kind)
    if "UntypedStripeObject" in cls.__name__:
        return []
    declared = fields(cls)
    out = [f"{path}.{key}: not a field of {cls.__name__}" for key in obj if key not in declared]
    for name, tp in declared.items():
        here = f"{path}.{name}"
        if _left_out(cls, name, obj) and name not in expanded:
            if name in obj:
                out.append(f"{here}: sent, but Stripe leaves it out unless it is expanded")
            continue
        if name not in obj:
            out.append(f"{here}: missing")
            continue
        inner = frozenset(p[len(name) + 1:] for p in expanded if p.startswith(name + "."))
        out += value_problems(obj[name], tp, here, inner)
    return out


def _left_out(cls: type, name: str, obj: dict[str, Any]) -> bool:
    kind = getattr(cls, "OBJECT_NAME", "")
    if name in INCLUDABLE.get(kind, ()):
        return True
    if name == "deleted":
        return not obj.get("deleted")
    if kind == "payment_method" and name != obj.get("type"):
        return name in _literals(fields(cls)["type"])
    if kind == "webhook_endpoint" and name == "secret":
        return "secret" not in obj      # sent only when the endpoint is created
    if cls.__qualname__ == "Event.Data" and name == "previous_attributes":
        return "previous_attributes" not in obj     # sent on *.updated events only
    return False


def _literals(tp: Any) -> set[Any]:
    if typing.get_origin(tp) is Literal:
        return set(typing.get_args(tp))
    if typing.get_origin(tp) in (Union, types.UnionType):
        return {v for arg in typing.get_args(tp) for v in _literals(arg)}
    return set()


def value_problems(value: Any, tp: Any, path: str, expanded: frozenset[str] = frozenset()) -> list[str]:
    args = typing.get_args(tp) if typing.get_origin(tp) in (Union, types.UnionType) else (tp,)
    if value is None:
        return [] if type(None) in args else [f"{path}: null, but the SDK's type is not Optional ({tp})"]
    args = tuple(a for a in args if a is not type(None))
    literals = _literals(tp)
    if literals and all(typing.get_origin(a) is Literal or a is str for a in args):
        return [] if value in literals else [f"{path}: {value!r} is none of {sorted(map(str, literals))}"]
    tried = []
    for arg in args:
        found = _one(value, arg, path, expanded)
        if not found:
            return []
        tried.append(found)
    return min(tried, key=len)


def _one(value: Any, tp: Any, path: str, expanded: frozenset[str]) -> list[str]:
    origin = typing.get_origin(tp) or tp
    if origin is Literal:
        return [] if value in typing.get_args(tp) else [f"{path}: {value!r} not in {typing.get_args(tp)}"]
    if isinstance(origin, type) and issubclass(origin, ListObject):
        if not (isinstance(value, dict) and value.get("object") == "list" and isinstance(value.get("data"), list)
                and isinstance(value.get("has_more"), bool) and isinstance(value.get("url"), str)):
            return [f"{path}: not a list envelope"]
        (item,) = typing.get_args(tp) or (StripeObject,)
        return [p for i, v in enumerate(value["data"]) for p in value_problems(v, item, f"{path}.data[{i}]")]
    if isinstance(origin, type) and issubclass(origin, StripeObject):
        return problems(value, origin, path, expanded)
    if origin in (list, tuple):
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__} where the SDK has a list"]
        (item,) = typing.get_args(tp) or (Any,)
        return [p for i, v in enumerate(value) for p in value_problems(v, item, f"{path}[{i}]")]
    if origin is dict:
        return [] if isinstance(value, dict) else [f"{path}: not an object"]
    if tp is Any:
        return []
    if tp is bool:
        return [] if isinstance(value, bool) else [f"{path}: {value!r} is not a boolean"]
    if tp is int:
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{path}: {value!r} is not an integer"]
    if tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if ok else [f"{path}: {value!r} is not a number"]
    if tp is str or tp is decimal.Decimal:       # Stripe sends decimals as strings ("1000.5")
        return [] if isinstance(value, str) else [f"{path}: {value!r} is not a string"]
    return [f"{path}: the check does not know the type {tp}"]


def missing_fields(value: Any, cls: type | None, path: str) -> list[str]:
    """Only the declared fields an answer lacks (for the Connect objects still completed from the SDK)."""
    return [p for p in problems(value, cls, path) if p.endswith(": missing")] if cls is not None else []
