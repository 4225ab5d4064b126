"""The official SDK's typed classes, read as the list of Stripe's objects and their fields.

The SDK's classes are generated from Stripe's OpenAPI spec for the pinned API version. The sandbox
reads them to know which fields can be expanded (expand.py); tests/support/shape_check.py compares
every answer with them. Objects are built explicitly by the resource modules (shapes.py holds the
fields they have no value for); only the Connect objects not yet listed in shapes.EXPLICIT are still
completed from these annotations by `complete()` when rendered.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import sys
import types
import typing
from typing import Any, Literal, Union

import stripe
from stripe import ListObject, StripeObject

API_VERSION: str = stripe.api_version
_MAX_DEPTH = 8

#: Stripe's `object` value -> the SDK's public class for it, for every object the sandbox answers.
#: A module that answers a new kind of object adds it here.
OBJECT_CLASSES: dict[str, str] = {
    "account": "Account",
    "account_link": "AccountLink",
    "application_fee": "ApplicationFee",
    "balance": "Balance",
    "balance_transaction": "BalanceTransaction",
    "bank_account": "BankAccount",
    "billing_portal.configuration": "billing_portal.Configuration",
    "billing_portal.session": "billing_portal.Session",
    "capability": "Capability",
    "charge": "Charge",
    "checkout.session": "checkout.Session",
    "customer": "Customer",
    "dispute": "Dispute",
    "event": "Event",
    "fee_refund": "ApplicationFeeRefund",
    "invoice": "Invoice",
    "invoice_payment": "InvoicePayment",
    "item": "LineItem",
    "line_item": "InvoiceLineItem",
    "list": "ListObject",
    "login_link": "LoginLink",
    "payment_intent": "PaymentIntent",
    "payment_method": "PaymentMethod",
    "payout": "Payout",
    "person": "Person",
    "plan": "Plan",
    "price": "Price",
    "product": "Product",
    "refund": "Refund",
    "subscription": "Subscription",
    "subscription_item": "SubscriptionItem",
    "subscription_schedule": "SubscriptionSchedule",
    "webhook_endpoint": "WebhookEndpoint",
}


@functools.cache
def object_class(kind: str) -> type[StripeObject] | None:
    """The SDK class for an `object` value ("invoice", "billing_portal.session", ...)."""
    path = OBJECT_CLASSES.get(kind)
    if path is None:
        return None
    found: Any = stripe
    for part in path.split("."):
        found = getattr(found, part)
    return found


@functools.cache
def _type_checking_names(module_name: str) -> dict[str, Any]:
    """The names a generated module imports only under TYPE_CHECKING, imported for real."""
    module = sys.modules[module_name]
    names: dict[str, Any] = {}
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        return names
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                try:
                    names[alias.asname or alias.name] = getattr(importlib.import_module(node.module), alias.name)
                except (ImportError, AttributeError):
                    continue
    return names


@functools.cache
def fields(cls: type) -> dict[str, Any]:
    """Public field name -> resolved type, for one SDK class (cached: the classes never change)."""
    namespace: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        module = sys.modules.get(base.__module__)
        if module is not None:
            namespace.update(vars(module))
            namespace.update(_type_checking_names(base.__module__))
    namespace.update({name: value for name, value in vars(cls).items() if isinstance(value, type)})
    hints = typing.get_type_hints(cls, globalns=namespace, localns=namespace)
    return {name: tp for name, tp in hints.items()
            if not name.startswith("_") and typing.get_origin(tp) is not typing.ClassVar and name != "OBJECT_NAME"}


@functools.cache
def _strip_optional(tp: Any) -> tuple[Any, bool]:
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        optional = len(args) != len(typing.get_args(tp))
        if len(args) == 1:
            return args[0], optional
        return Union[tuple(args)], optional  # type: ignore[return-value]
    return tp, False


@functools.cache
def _stripe_class(tp: Any) -> type[StripeObject] | None:
    """The StripeObject subclass a (possibly expandable/union) type refers to, if any."""
    if isinstance(tp, type) and issubclass(tp, StripeObject) and not issubclass(tp, ListObject):
        return tp
    origin = typing.get_origin(tp)
    if isinstance(origin, type) and issubclass(origin, StripeObject) and not issubclass(origin, ListObject):
        return origin
    if origin in (Union, types.UnionType):
        for arg in typing.get_args(tp):
            found = _stripe_class(arg)
            if found is not None:
                return found
    return None


@functools.cache
def _list_item_class(tp: Any) -> type[StripeObject] | None:
    origin = typing.get_origin(tp)
    if origin is list or (isinstance(origin, type) and issubclass(origin, ListObject)):
        args = typing.get_args(tp)
        return _stripe_class(args[0]) if args else None
    return None


@functools.cache
def _is_list_object(tp: Any) -> bool:
    origin = typing.get_origin(tp) or tp
    return isinstance(origin, type) and issubclass(origin, ListObject)


def _default(tp: Any, depth: int) -> Any:
    """The value real Stripe sends for a required field the sandbox has no opinion about."""
    tp, optional = _strip_optional(tp)
    if optional:
        return None
    if _is_list_object(tp):
        return {"object": "list", "data": [], "has_more": False, "url": ""}
    origin = typing.get_origin(tp)
    if origin is Literal:
        return typing.get_args(tp)[0]
    if origin in (Union, types.UnionType):
        for arg in typing.get_args(tp):
            if typing.get_origin(arg) is Literal:
                return typing.get_args(arg)[0]
        return _default(typing.get_args(tp)[0], depth)
    if origin in (list, tuple):
        return []
    if origin is dict:
        return {}
    cls = _stripe_class(tp)
    if cls is not None:
        if depth >= _MAX_DEPTH:
            return {}
        if "UntypedStripeObject" in cls.__name__ or not fields(cls):
            return {}
        return complete({}, cls, depth + 1)
    if tp is bool:
        return False
    if tp is int:
        return 0
    if tp is float:
        return 0.0
    if tp is str:
        return ""
    return None


def complete(obj: dict[str, Any], cls: type | None = None, depth: int = 0) -> dict[str, Any]:
    """A copy of `obj` with every field of its SDK class present, nested objects included."""
    if cls is None:
        cls = object_class(obj.get("object", "")) if isinstance(obj.get("object"), str) else None
    if cls is None or depth > _MAX_DEPTH:
        return obj
    out: dict[str, Any] = {}
    declared = fields(cls)
    for name, tp in declared.items():
        if name in obj:
            out[name] = _complete_value(obj[name], tp, depth)
        else:
            out[name] = _default(tp, depth)
    for name, value in obj.items():
        if name not in out and not name.startswith("_"):
            out[name] = value
    return out


def _complete_value(value: Any, tp: Any, depth: int) -> Any:
    if isinstance(value, dict):
        if value.get("object") == "list" and isinstance(value.get("data"), list):
            item_cls = _list_item_class(_strip_optional(tp)[0])
            return {**value, "data": [_complete_item(v, item_cls, depth) for v in value["data"]]}
        return _complete_item(value, _stripe_class(_strip_optional(tp)[0]), depth)
    if isinstance(value, list):
        item_cls = _list_item_class(_strip_optional(tp)[0])
        return [_complete_item(v, item_cls, depth) for v in value]
    return value


def _complete_item(value: Any, cls: type | None, depth: int) -> Any:
    if not isinstance(value, dict):
        return value
    kind = value.get("object")
    if isinstance(kind, str) and object_class(kind) is not None:
        cls = object_class(kind)
    if cls is None or "UntypedStripeObject" in cls.__name__:
        return value
    return complete(value, cls, depth + 1)
