"""The official SDK's typed classes, read as the list of Stripe's objects and their fields.

The SDK's classes are generated from Stripe's OpenAPI spec for the pinned API version. The sandbox
reads them to know which fields can be expanded (expand.py); tests/sandbox/shape_check.py compares
every answer with them. Objects themselves are built explicitly by the resource modules (shapes.py
holds the fields they have no value for), never completed from these annotations.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import sys
import typing
from typing import Any

import stripe
from stripe import StripeObject

API_VERSION: str = stripe.api_version

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
