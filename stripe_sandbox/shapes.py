"""What each object carries that the sandbox has no value of its own for, written out per kind.

Stripe sends these as null (or the empty value given here). They are spelled out, not read from the
SDK at run time, so that tests/sandbox/test_fields.py, which compares every answer with the SDK's
typed classes, checks the sandbox against Stripe rather than against itself. Keys Stripe leaves out
unless asked for (`expand.INCLUDABLE`, `deleted` on a live object, a payment method's hashes for
other types) are not here and not sent.
"""

from __future__ import annotations

import copy
from typing import Any

_NULL: dict[str, tuple[str, ...]] = {
    "customer": ("address", "business_name", "customer_account", "default_source", "discount", "individual_name",
                 "shipping", "test_clock"),
    "invoice": ("account_tax_ids", "amount_paid_off_stripe", "application", "automatically_finalizes_at",
                "custom_fields", "customer_account", "default_source", "footer", "from_invoice", "latest_revision",
                "on_behalf_of", "receipt_number", "rendering", "shipping_cost", "shipping_details",
                "statement_descriptor", "status_details", "test_clock", "threshold_reason"),
    "line_item": ("quantity_decimal",),
    "payment_method": ("customer_account", "radar_options"),
    "product": ("package_dimensions", "shippable", "statement_descriptor", "tax_code", "tax_details", "unit_label"),
    "subscription": ("application", "application_fee_percent", "billing_cycle_anchor_config", "billing_thresholds",
                     "customer_account", "default_source", "managed_payments", "next_pending_invoice_item_invoice",
                     "on_behalf_of", "pause_collection", "pending_invoice_item_interval", "pending_setup_intent",
                     "presentment_details", "status_details", "test_clock", "transfer_data", "trial_settings"),
    "billing_portal.session": ("after_expiration",),
    "checkout.session": ("adaptive_pricing", "after_expiration", "allow_promotion_codes",
                         "allowed_payment_method_types", "branding_settings", "client_secret",
                         "collected_information", "consent", "consent_collection", "currency_conversion",
                         "customer_account", "discounts", "excluded_payment_method_types", "integration_identifier",
                         "invoice_creation", "managed_payments", "name_collection", "optional_items",
                         "origin_context", "payment_link", "payment_method_collection",
                         "payment_method_configuration_details", "payment_method_options", "permissions",
                         "phone_number_collection", "presentment_details", "recovered_from",
                         "redirect_on_completion", "saved_payment_method_options", "shipping_address_collection",
                         "shipping_cost", "tax_id_collection", "wallet_options"),
}
_EMPTY: dict[str, dict[str, Any]] = {
    "subscription": {"billing_schedules": []},
    "checkout.session": {"custom_fields": [], "shipping_options": [],
                         "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                                         "terms_of_service_acceptance": None}},
}


#: The kinds built explicitly; any other kind is still completed from the SDK's annotations when rendered.
EXPLICIT = frozenset({"billing_portal.configuration", "billing_portal.session", "checkout.session", "customer", "event",
                      "invoice", "item", "line_item", "list", "payment_method", "plan", "price", "product",
                      "subscription", "subscription_item", "subscription_schedule", "webhook_endpoint"})


def build(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """An object of `kind`: the sandbox's fields over the ones it has no value for."""
    out: dict[str, Any] = dict.fromkeys(_NULL.get(kind, ()))
    out.update(copy.deepcopy(_EMPTY.get(kind, {})))
    out.update(fields)
    return out
