"""`billing-bridge stripe setup`: the manual Stripe Dashboard steps, done by code.

Creates (or finds again, by lookup key) the Starter and Pro products with monthly prices, a
Customer Portal configuration (card update, cancel at period end with reasons, invoice history,
no plan switching: plan changes go through the bridge) and the webhook endpoint. Safe to run
again: only the webhook endpoint is replaced, since Stripe shows its secret only at creation.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from server_bridge.connect.events import CONNECT_EVENTS
from server_bridge.gateway import STRIPE_VERSION, Gateway

APP_TAG = "billing-manager"


@dataclass(frozen=True)
class PlanSpec:
    key: str
    name: str
    amount: int
    features: tuple[str, ...]
    currency: str = "usd"
    interval: str = "month"

    @property
    def lookup_key(self) -> str:
        return f"{APP_TAG}-{self.key}"


PLANS: tuple[PlanSpec, ...] = (
    PlanSpec("starter", "Starter", 1000, ("1 site", "Custom domain", "10 GB storage", "Email support")),
    PlanSpec("pro", "Pro", 2500, ("Up to 10 sites", "Custom domains", "100 GB storage", "Priority support",
                                  "Visitor analytics")),
)

CANCELLATION_REASONS = [
    "too_expensive", "missing_features", "switched_service", "unused",
    "customer_service", "too_complex", "low_quality", "other",
]

WEBHOOK_EVENTS: tuple[str, ...] = (
    "customer.created", "customer.updated", "customer.deleted",
    "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
    "customer.subscription.paused", "customer.subscription.resumed", "customer.subscription.trial_will_end",
    "invoice.created", "invoice.finalized", "invoice.updated", "invoice.paid", "invoice.payment_succeeded",
    "invoice.payment_failed", "invoice.voided", "invoice.marked_uncollectible",
    "payment_method.attached", "payment_method.updated", "payment_method.detached",
    "checkout.session.completed",
    "subscription_schedule.created", "subscription_schedule.updated", "subscription_schedule.released",
    "subscription_schedule.canceled", "subscription_schedule.completed",
)


@dataclass(frozen=True)
class EndpointSpec:
    """A webhook endpoint setup keeps at Stripe: the platform's own events, or (connect=True) its
    connected accounts', each at its own path on the bridge."""

    name: str
    path: str
    events: tuple[str, ...]
    connect: bool = False
    description: str = "Billing Manager bridge"


ENDPOINTS: tuple[EndpointSpec, ...] = (
    EndpointSpec("platform", "/v1/webhooks/stripe", WEBHOOK_EVENTS),
    EndpointSpec("connect", "/v1/webhooks/stripe/connect", CONNECT_EVENTS, connect=True,
                 description="Billing Manager bridge: connected accounts"),
)


@dataclass(frozen=True)
class SetupResult:
    plans: dict[str, str]
    webhook_secrets: tuple[str, ...]   # one per endpoint, in the order of ENDPOINTS
    portal_configuration_id: str

    @property
    def webhook_secret(self) -> str:
        return self.webhook_secrets[0]


def webhook_url(public_url: str, path: str = "/v1/webhooks/stripe") -> str:
    return public_url.rstrip("/") + path


def ensure_prices(gateway: Gateway, run: str) -> dict[str, str]:
    """Plan key -> price id, creating the product and price only where the lookup key is unknown."""
    found = {p["lookup_key"]: p for p in gateway.list_prices([spec.lookup_key for spec in PLANS])}
    plans: dict[str, str] = {}
    for spec in PLANS:
        price = found.get(spec.lookup_key)
        if price is None:
            product = gateway.create_product(
                {"name": spec.name, "marketing_features": [{"name": f} for f in spec.features],
                 "metadata": {"app": APP_TAG, "plan": spec.key, "features": json.dumps(list(spec.features))}},
                key=f"setup:{run}:product:{spec.key}",
            )
            price = gateway.create_price(
                {"product": product["id"], "currency": spec.currency, "unit_amount": spec.amount,
                 "recurring": {"interval": spec.interval}, "lookup_key": spec.lookup_key,
                 "metadata": {"app": APP_TAG, "plan": spec.key}},
                key=f"setup:{run}:price:{spec.key}",
            )
        plans[spec.key] = price["id"]
    return plans


def portal_configuration_params(public_url: str) -> dict:
    return {
        "business_profile": {"headline": "Manage your site plan"},
        "default_return_url": public_url.rstrip("/") + "/return/portal",
        "features": {
            "payment_method_update": {"enabled": True},
            "subscription_cancel": {
                "enabled": True,
                "mode": "at_period_end",
                "cancellation_reason": {"enabled": True, "options": CANCELLATION_REASONS},
            },
            "invoice_history": {"enabled": True},
            "subscription_update": {"enabled": False},
        },
        "metadata": {"app": APP_TAG},
    }


def find_portal_configuration(gateway: Gateway) -> dict | None:
    for config in gateway.list_portal_configurations():
        if (config.get("metadata") or {}).get("app") == APP_TAG and config.get("active", True):
            return config
    return None


def ensure_portal_configuration(gateway: Gateway, public_url: str, run: str) -> str:
    params = portal_configuration_params(public_url)
    existing = find_portal_configuration(gateway)
    if existing is not None:
        return gateway.update_portal_configuration(existing["id"], params, key=f"setup:{run}:portal")["id"]
    return gateway.create_portal_configuration(params, key=f"setup:{run}:portal")["id"]


def replace_webhook_endpoint(gateway: Gateway, public_url: str, run: str, spec: EndpointSpec = ENDPOINTS[0]) -> str:
    """Replace the endpoint at this spec's URL, pinned to the SDK's API version (Stripe shows an
    endpoint's secret only at creation)."""
    url = webhook_url(public_url, spec.path)
    for endpoint in gateway.list_webhook_endpoints():
        if endpoint.get("url") == url:
            gateway.delete_webhook_endpoint(endpoint["id"])
    params: dict = {"url": url, "enabled_events": list(spec.events), "description": spec.description,
                    "api_version": STRIPE_VERSION, "metadata": {"app": APP_TAG, "endpoint": spec.name}}
    if spec.connect:
        params["connect"] = True
    endpoint = gateway.create_webhook_endpoint(params, key=f"setup:{run}:webhook:{spec.name}")
    return endpoint["secret"]


def setup_stripe(gateway: Gateway, public_url: str) -> SetupResult:
    run = uuid.uuid4().hex
    plans = ensure_prices(gateway, run)
    portal = ensure_portal_configuration(gateway, public_url, run)
    secrets = tuple(replace_webhook_endpoint(gateway, public_url, run, spec) for spec in ENDPOINTS)
    gateway.portal_configuration_id = portal
    return SetupResult(plans=plans, webhook_secrets=secrets, portal_configuration_id=portal)
