"""`billing-bridge stripe setup`: the manual Stripe Dashboard steps, done by code.

Creates (or finds again, by lookup key) the Starter and Pro products with monthly prices, a
Customer Portal configuration (card update, cancel at period end with reasons, invoice history,
no plan switching: plan changes go through the bridge) and the webhook endpoints of
WEBHOOK_ENDPOINTS. Safe to run again: only the webhook endpoints are replaced, since Stripe shows
an endpoint's secret only at creation and its API version cannot be changed afterwards.

Every endpoint is pinned to the API version the bridge's SDK speaks (gateway.STRIPE_VERSION, the
SDK's `stripe.api_version`): without it Stripe renders events at the account's default version,
whose shapes the bridge does not read.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from server_bridge.connect.event_handlers import CONNECT_EVENTS
from server_bridge.gateway import STRIPE_VERSION, StripeCalls, StripeRefused

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
    """One webhook endpoint setup keeps at Stripe.

    `path` is where the bridge serves it: the platform's own events, or (connect=True) its connected
    accounts', each at its own path. None would leave the endpoint out (a route not served yet).
    """

    name: str
    path: str | None
    events: tuple[str, ...]
    connect: bool = False
    description: str = "Billing Manager bridge"


WEBHOOK_ENDPOINTS: tuple[EndpointSpec, ...] = (
    EndpointSpec("platform", "/v1/webhooks/stripe", WEBHOOK_EVENTS),
    EndpointSpec("connect", "/v1/webhooks/stripe/connect", CONNECT_EVENTS, connect=True,
                 description="Billing Manager bridge: connected accounts"),
)


@dataclass(frozen=True)
class SetupResult:
    plans: dict[str, str]
    webhook_secrets: dict[str, str]       # endpoint name -> its signing secret
    portal_configuration_id: str


def webhook_url(public_url: str, path: str = "/v1/webhooks/stripe") -> str:
    return public_url.rstrip("/") + path


def create_plan_prices(gateway: StripeCalls, run: str) -> dict[str, str]:
    """Plan key -> price id, creating the product and price only where the lookup key is unknown."""
    found = {p.get("lookup_key"): p for p in gateway.list_prices([spec.lookup_key for spec in PLANS])}
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


def find_portal_configuration(gateway: StripeCalls) -> dict | None:
    for config in gateway.list_portal_configurations():
        if (config.get("metadata") or {}).get("app") == APP_TAG and config.get("active", True):
            return config
    return None


def ensure_portal_configuration(gateway: StripeCalls, public_url: str, run: str) -> str:
    params = portal_configuration_params(public_url)
    existing = find_portal_configuration(gateway)
    if existing is not None:
        return gateway.update_portal_configuration(existing["id"], params, key=f"setup:{run}:portal")["id"]
    return gateway.create_portal_configuration(params, key=f"setup:{run}:portal")["id"]


def replace_webhook_endpoints(gateway: StripeCalls, public_url: str, run: str,
                              specs: tuple[EndpointSpec, ...] = WEBHOOK_ENDPOINTS) -> dict[str, str]:
    """Endpoint name -> secret of a fresh endpoint pinned to STRIPE_VERSION, for every spec the bridge
    serves; whatever endpoint was at the same URL (at any version) is deleted first."""
    wanted = [spec for spec in specs if spec.path]
    urls = {webhook_url(public_url, spec.path or "") for spec in wanted}
    for endpoint in gateway.list_webhook_endpoints():
        if endpoint.get("url") in urls and endpoint.get("id"):
            gateway.delete_webhook_endpoint(endpoint["id"])
    secrets: dict[str, str] = {}
    for spec in wanted:
        params = {"url": webhook_url(public_url, spec.path or ""), "enabled_events": list(spec.events),
                  "api_version": STRIPE_VERSION, "description": spec.description,
                  "metadata": {"app": APP_TAG, "endpoint": spec.name}}
        if spec.connect:
            params["connect"] = True
        endpoint = gateway.create_webhook_endpoint(params, key=f"setup:{run}:webhook:{spec.name}")
        if endpoint.get("api_version") != STRIPE_VERSION or not endpoint.get("secret"):
            raise StripeRefused(f"Stripe did not pin the {spec.name} webhook endpoint to {STRIPE_VERSION} "
                                f"(it answered {endpoint.get('api_version')!r}).")
        secrets[spec.name] = endpoint["secret"]
    return secrets


def setup_stripe(gateway: StripeCalls, public_url: str) -> SetupResult:
    run = uuid.uuid4().hex
    plans = create_plan_prices(gateway, run)
    portal = ensure_portal_configuration(gateway, public_url, run)
    secrets = replace_webhook_endpoints(gateway, public_url, run)
    gateway.portal_configuration_id = portal
    return SetupResult(plans=plans, webhook_secrets=secrets, portal_configuration_id=portal)
