"""Which `expand[]` paths Stripe accepts, read from the SDK's typed classes.

A path walks the answer's fields: through embedded objects and lists (`items.data.price`) to a field
that can be expanded, which is either an id the SDK declares as `ExpandableField[...]` (it becomes
the object) or a field Stripe leaves out unless asked for (`INCLUDABLE`, e.g. `customer.sources`).
Anything else answers 400 "This property cannot be expanded (path)." as Stripe does; a list answer's
paths start with `data.`.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Union

from stripe import ListObject, StripeObject

from stripe_sandbox import errors
from stripe_sandbox.schema import fields, object_class

#: Fields Stripe leaves out of an object unless they are expanded (marked "Expandable" in the API
#: reference without being an id).
INCLUDABLE: dict[str, frozenset[str]] = {
    "customer": frozenset({"cash_balance", "invoice_credit_balance", "sources", "subscriptions", "tax", "tax_ids"}),
    "checkout.session": frozenset({"line_items"}),
    "invoice": frozenset({"confirmation_secret", "payments"}),
    "plan": frozenset({"tiers"}),
    "price": frozenset({"currency_options", "tiers"}),
}


def _args(tp: Any) -> tuple[Any, ...]:
    return typing.get_args(tp) if typing.get_origin(tp) in (Union, types.UnionType) else (tp,)


def _objects_in(tp: Any) -> list[type]:
    """The StripeObject classes a field's type names (a union's members, Optional stripped)."""
    found = []
    for arg in _args(tp):
        origin = typing.get_origin(arg) or arg
        if isinstance(origin, type) and issubclass(origin, ListObject):
            found += [cls for inner in typing.get_args(arg) for cls in _objects_in(inner)]
        elif isinstance(origin, type) and issubclass(origin, StripeObject):
            found.append(origin)
    return found


def _is_id_or_object(tp: Any) -> bool:
    """ExpandableField[T] is Union[str, T]: an id that expands to the object."""
    args = [a for a in _args(tp) if a is not type(None)]
    return str in args and bool(_objects_in(tp))


def _is_list(tp: Any) -> bool:
    return any(isinstance(typing.get_origin(a) or a, type) and issubclass(typing.get_origin(a) or a, ListObject)
               for a in _args(tp))


def cannot(path: str, hint: str | None = None) -> errors.StripeError:
    message = f"This property cannot be expanded ({path})."
    if hint:
        message += f" You may want to try expanding '{hint}' instead."
    return errors.StripeError(message)


def check(kind: str | None, is_list: bool, paths: list[str]) -> None:
    """Refuse a path Stripe would refuse for an answer of this kind (a list of it when is_list)."""
    top = object_class(kind) if kind else None
    if top is None:
        return
    for path in paths:
        parts = path.split(".")
        if is_list:
            if parts[0] != "data":
                raise cannot(path, f"data.{path}" if _walk(top, parts) else None)
            parts = parts[1:]
        if not parts or not _walk(top, parts):
            raise cannot(path)


def _walk(cls: type, parts: list[str]) -> bool:
    """True when the path through `cls` ends on an expandable field."""
    name, rest = parts[0], parts[1:]
    tp = fields(cls).get(name)
    if tp is None:
        return False
    includable = name in INCLUDABLE.get(getattr(cls, "OBJECT_NAME", ""), frozenset())
    targets = _objects_in(tp)
    if not rest:
        return includable or _is_id_or_object(tp)
    if _is_list(tp):
        if rest[0] != "data" or len(rest) < 2:
            return False
        rest = rest[1:]
    return any(_walk(target, rest) for target in targets)
