"""The sandbox's hosted pages, used as a site owner uses them: real HTTP, real forms, state checked via the SDK."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stripe

from stripe_sandbox import Sandbox, create_sandbox_app
from stripe_sandbox.periods import day as _day
from stripe_sandbox.serving import ThreadedServer

RETURN_URL = "http://bridge.test/return/portal"
SUCCESS_URL = "http://bridge.test/return/checkout/success?session_id={CHECKOUT_SESSION_ID}"
CANCEL_URL = "http://bridge.test/return/checkout/cancel"
GOOD = {"number": "4242 4242 4242 4242", "exp_month": "12", "exp_year": "2034", "cvc": "123"}
DECLINED = {**GOOD, "number": "4000000000000002"}


# ---------------------------------------------------------------------------------------------- HTML reading

@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)
    field_ids: dict[str, str] = field(default_factory=dict)


class Page(HTMLParser):
    """The forms, links, labels and visible text of one page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.forms: dict[str, Form] = {}
        self.links: dict[str, str] = {}
        self.hrefs: list[str] = []
        self.labels: set[str] = set()
        self.ids: set[str] = set()
        self._form: Form | None = None
        self._select: str | None = None
        self._hidden = 0
        self._text: list[str] = []
        self.feed(text)
        self.text = re.sub(r"\s+", " ", "".join(self._text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("style", "script", "title"):
            self._hidden += 1
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "form":
            self._form = self.forms[a["id"]] = Form(a.get("action", ""), a.get("method", "get").lower())
        elif tag in ("input", "select", "textarea") and self._form is not None and "name" in a:
            self._form.fields[a["name"]] = a.get("value", "")
            self._form.field_ids[a["name"]] = a.get("id", "")
            if tag == "select":
                self._select = a["name"]
                self._form.options[a["name"]] = []
        elif tag == "option" and self._form is not None and self._select:
            self._form.options[self._select].append(a.get("value", ""))
        elif tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        elif tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
            if "id" in a:
                self.links[a["id"]] = a["href"]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title"):
            self._hidden -= 1
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._text.append(data)

    def unlabelled(self) -> list[str]:
        return [f"{name} in {fid}" for fid, form in self.forms.items()
                for name, ident in form.field_ids.items() if ident not in self.labels]


# ---------------------------------------------------------------------------------------------- fixtures

@dataclass
class World:
    sandbox: Sandbox
    url: str
    http: httpx.Client
    stripe: stripe.StripeClient
    prices: dict[str, str]

    def owner(self, plan: str | None = "pro", *, name: str = "Ada Lovelace", email: str = "ada@example.com",
              number: str = "4242424242424242") -> str:
        """A customer with a default card and, given a plan, an active subscription (its first invoice paid)."""
        card = self.stripe.v1.payment_methods.create({"type": "card", "card": {
            "number": number, "exp_month": 12, "exp_year": 2031, "cvc": "123"}})
        customer = self.stripe.v1.customers.create({"email": email, "name": name, "payment_method": card.id,
                                                    "invoice_settings": {"default_payment_method": card.id}})
        if plan:
            subscription = self.stripe.v1.subscriptions.create({"customer": customer.id,
                                                                "items": [{"price": self.prices[plan]}]})
            assert subscription.status == "active"
        return customer.id

    def page(self, path_or_url: str, expect: int = 200) -> Page:
        response = self.http.get(path_or_url)
        assert response.status_code == expect, response.text[:500]
        assert response.headers["content-type"].startswith("text/html")
        return Page(response.text)

    def submit(self, page_url: str, form_id: str, **values: str) -> httpx.Response:
        """Fill and post a form the way a browser does: its own action, its prefilled fields plus ours."""
        form = self.page(page_url).forms[form_id]
        assert form.method == "post"
        return self.http.post(form.action, data={**form.fields, **values})

    def fail_renewal(self, customer: str) -> None:
        """Switch to a card whose charges fail and let the next renewal fail: the plan is then past due."""
        failing = self.stripe.v1.payment_methods.create({"type": "card", "card": {
            "number": "4000000000000341", "exp_month": 12, "exp_year": 2031, "cvc": "123"}})
        self.stripe.v1.payment_methods.attach(failing.id, {"customer": customer})
        self.stripe.v1.customers.update(customer, {"invoice_settings": {"default_payment_method": failing.id}})
        self.sandbox.advance_clock(32 * 86_400)
        assert self.live_subscription(customer).status == "past_due"

    def portal(self, customer: str, **params: Any) -> str:
        session = self.stripe.v1.billing_portal.sessions.create({"customer": customer, "return_url": RETURN_URL,
                                                                  **params})
        assert session.url.startswith(self.url + "/p/session/")
        return session.url

    def checkout(self, customer: str, plan: str = "pro") -> tuple[str, str]:
        session = self.stripe.v1.checkout.sessions.create({
            "mode": "subscription", "customer": customer, "line_items": [{"price": self.prices[plan], "quantity": 1}],
            "success_url": SUCCESS_URL, "cancel_url": CANCEL_URL})
        assert session.url.startswith(self.url + "/c/pay/")
        return session.id, session.url

    def events(self, kind: str) -> list[dict]:
        return self.sandbox.list("event", type=kind)

    def live_subscription(self, customer: str) -> Any:
        subscriptions = self.stripe.v1.subscriptions.list({"customer": customer, "status": "all"}).data
        live = [s for s in subscriptions if s.status in ("active", "trialing", "past_due")]
        return live[0] if live else None

    def card_of(self, customer: str) -> Any:
        found = self.stripe.v1.customers.retrieve(customer, {"expand": ["invoice_settings.default_payment_method"]})
        return found.invoice_settings.default_payment_method


@pytest.fixture(autouse=True)
def no_threads_left() -> Iterator[None]:
    """The server, the webhook worker and the server's thread pool all end with the test."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    while (left := [t for t in set(threading.enumerate()) - before if t.is_alive()]) and time.monotonic() < deadline:
        left[0].join(0.05)
    assert [t.name for t in left] == []


@pytest.fixture
def world(no_threads_left: None) -> Iterator[World]:
    """A fresh sandbox on a real port with the two plans, per test."""
    sandbox = Sandbox(webhook_retry_delays=(0.01,))
    server = ThreadedServer(create_sandbox_app(sandbox))
    sandbox.base_url = server.bind()
    server.start()
    try:
        client = _stripe_client(sandbox, server.url)
        prices = {}
        for key, name, amount in (("starter", "Starter", 1000), ("pro", "Pro", 2500)):
            product = client.v1.products.create({"name": name})
            prices[key] = client.v1.prices.create({"product": product.id, "unit_amount": amount, "currency": "usd",
                                                   "recurring": {"interval": "month"}, "lookup_key": key}).id
        with httpx.Client(base_url=server.url, follow_redirects=False, timeout=10) as http:
            yield World(sandbox, server.url, http, client, prices)
    finally:
        server.stop()
        sandbox.close()


def _stripe_client(sandbox: Sandbox, url: str) -> stripe.StripeClient:
    return stripe.StripeClient(sandbox.api_key, base_addresses={"api": url}, max_network_retries=0)


# ---------------------------------------------------------------------------------------------- portal

def test_portal_shows_the_plan_card_and_invoices_the_owner_has(world: World) -> None:
    customer = world.owner("pro")
    for _ in range(2):
        world.sandbox.advance_clock(32 * 86_400)
    url = world.portal(customer)
    page = world.page(url)
    subscription = world.live_subscription(customer)
    renews = subscription["items"].data[0].current_period_end
    card = world.card_of(customer).card

    assert "Pro" in page.text and "$25.00 per month" in page.text and "Active" in page.text
    assert "Renews on" in page.text and _day(renews) in page.text
    assert f"\u2022\u2022\u2022\u2022 {card.last4}" in page.text and f"{card.exp_month:02d}/{card.exp_year}" in page.text
    invoices = world.stripe.v1.invoices.list({"customer": customer, "limit": 100}).data
    shown = [i for i in invoices if i.status != "draft"]
    assert len(shown) == 3
    for invoice in shown:
        assert invoice.number in page.text
        assert invoice.hosted_invoice_url in page.hrefs and invoice.invoice_pdf in page.hrefs
    assert set(page.forms) == {"update-card", "cancel"}
    assert set(page.forms["update-card"].fields) == {"number", "exp_month", "exp_year", "cvc"}
    assert page.forms["cancel"].action.endswith("/cancel")
    assert set(page.forms["cancel"].options["reason"]) >= {
        "too_expensive", "missing_features", "switched_service", "unused", "customer_service", "too_complex",
        "low_quality", "other"}
    assert page.unlabelled() == []
    assert page.links["return"] == RETURN_URL
    headers = world.http.get(url).headers
    assert headers["cache-control"] == "no-store" and headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_portal_shows_only_this_customers_invoices(world: World) -> None:
    other = world.owner("pro", name="Grace Hopper", email="grace@example.com")
    mine = world.page(world.portal(world.owner("starter")))
    others = world.stripe.v1.invoices.list({"customer": other, "limit": 100}).data
    assert others and not any(i.number and i.number in mine.text for i in others)


def test_updating_the_card_changes_the_default_card_and_fires_events(world: World) -> None:
    customer = world.owner("starter", number="5555555555554444")
    before = world.card_of(customer)
    attached, updated = len(world.events("payment_method.attached")), len(world.events("customer.updated"))
    url = world.portal(customer)

    response = world.submit(url, "update-card", **GOOD)

    assert response.status_code == 303
    assert response.headers["location"] == urlsplit(url).path + "?done=card"
    after = world.card_of(customer)
    assert after.id != before.id
    assert (after.card.brand, after.card.last4, after.card.exp_month, after.card.exp_year) == ("visa", "4242", 12, 2034)
    assert len(world.events("payment_method.attached")) == attached + 1
    assert len(world.events("customer.updated")) == updated + 1
    done = world.page(response.headers["location"])
    assert "card was updated" in done.text and done.links["return"] == RETURN_URL
    assert "12/2034" in done.text


def test_a_declined_card_answers_402_and_changes_nothing(world: World) -> None:
    customer = world.owner("starter")
    before = world.card_of(customer)
    events = len(world.sandbox.list("event"))
    url = world.portal(customer)

    response = world.submit(url, "update-card", **DECLINED)

    assert response.status_code == 402
    page = Page(response.text)
    assert "declined" in page.text.lower() and "update-card" in page.forms
    assert world.card_of(customer).id == before.id
    assert len(world.sandbox.list("event")) == events


def test_bad_card_input_is_refused_with_a_message_and_changes_nothing(world: World) -> None:
    customer = world.owner("starter")
    before = world.card_of(customer)
    url = world.portal(customer)
    response = world.submit(url, "update-card", **{**GOOD, "exp_month": "thirteen"})
    assert response.status_code == 400 and "expiry month" in Page(response.text).text
    assert world.card_of(customer).id == before.id


def test_cancel_with_a_reason_then_renew(world: World) -> None:
    customer = world.owner("pro")
    updates = len(world.events("customer.subscription.updated"))
    url = world.portal(customer)

    response = world.submit(url, "cancel", reason="too_expensive", comment="Costs more than <b>it</b> earns")

    assert response.status_code == 303 and response.headers["location"].endswith("?done=cancel")
    subscription = world.live_subscription(customer)
    assert subscription.cancel_at_period_end is True
    details = subscription.cancellation_details
    assert details.reason == "cancellation_requested" and details.feedback == "too_expensive"
    assert details.comment == "Costs more than <b>it</b> earns"
    assert len(world.events("customer.subscription.updated")) == updates + 1
    page = world.page(url)
    ends = subscription["items"].data[0].current_period_end
    assert f"Cancels on {_day(ends)}" in page.text
    assert set(page.forms) == {"update-card", "renew"}

    response = world.submit(url, "renew")

    assert response.status_code == 303 and response.headers["location"].endswith("?done=renew")
    assert world.live_subscription(customer).cancel_at_period_end is False
    assert len(world.events("customer.subscription.updated")) == updates + 2
    assert "Renews on" in world.page(url).text


def test_cancel_needs_a_known_reason(world: World) -> None:
    customer = world.owner("pro")
    url = world.portal(customer)
    response = world.submit(url, "cancel", reason="because")
    assert response.status_code == 400 and "Choose a reason" in Page(response.text).text
    assert world.live_subscription(customer).cancel_at_period_end is False


def test_card_flow_shows_only_the_card_form_and_returns_to_the_app(world: World) -> None:
    customer = world.owner("pro")
    url = world.portal(customer, flow_data={
        "type": "payment_method_update",
        "after_completion": {"type": "redirect", "redirect": {"return_url": RETURN_URL + "?flow=card"}}})
    page = world.page(url)
    assert set(page.forms) == {"update-card"} and "Invoice history" not in page.text

    response = world.submit(url, "update-card", **{**GOOD, "number": "5555555555554444"})

    assert response.status_code == 303 and response.headers["location"] == RETURN_URL + "?flow=card"
    assert world.card_of(customer).card.brand == "mastercard"


def test_cancel_flow_shows_only_the_cancel_form_and_confirms(world: World) -> None:
    customer = world.owner("pro")
    subscription = world.live_subscription(customer)
    url = world.portal(customer, flow_data={"type": "subscription_cancel",
                                            "subscription_cancel": {"subscription": subscription.id}})
    page = world.page(url)
    assert set(page.forms) == {"cancel"}

    response = world.submit(url, "cancel", reason="unused")

    assert response.status_code == 303
    done = world.page(response.headers["location"])
    assert done.forms == {} and done.links["return"] == RETURN_URL
    assert world.live_subscription(customer).cancel_at_period_end is True


# ---------------------------------------------------------------------------------------------- checkout

def test_checkout_pays_and_starts_the_subscription(world: World) -> None:
    customer = world.owner(None, name="New Owner", email="new@example.com")
    completed = len(world.events("checkout.session.completed"))
    session_id, url = world.checkout(customer)
    page = world.page(url)
    email = world.stripe.v1.customers.retrieve(customer).email
    assert "Pro" in page.text and "$25.00 per month" in page.text
    assert page.forms["pay"].fields["email"] == email
    assert set(page.forms["pay"].fields) >= {"email", "name", "number", "exp_month", "exp_year", "cvc"}
    assert page.links["cancel"] == CANCEL_URL and page.unlabelled() == []

    response = world.submit(url, "pay", name="New Owner", **GOOD)

    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("http://bridge.test/return/checkout/success")
    assert parse_qs(urlsplit(location).query)["session_id"] == [session_id]
    subscription = world.live_subscription(customer)
    assert subscription is not None and subscription.status == "active"
    assert subscription["items"].data[0].price.id == world.prices["pro"]
    assert len(world.events("checkout.session.completed")) == completed + 1
    session = world.stripe.v1.checkout.sessions.retrieve(session_id)
    assert session.status == "complete" and session.subscription == subscription.id

    assert world.http.get(url).status_code == 410
    again = world.http.post(urlsplit(url).path, data={"email": email, **GOOD})
    assert again.status_code == 410 and "already" in Page(again.text).text
    assert len(world.stripe.v1.subscriptions.list({"customer": customer, "status": "all"}).data) == 1


def test_checkout_decline_answers_402_and_starts_nothing(world: World) -> None:
    customer = world.owner(None, name="New Owner", email="new@example.com")
    _, url = world.checkout(customer, "starter")

    response = world.submit(url, "pay", name="New Owner", **{**DECLINED, "number": "4000000000009995"})

    assert response.status_code == 402
    page = Page(response.text)
    assert "insufficient funds" in page.text.lower() and "pay" in page.forms
    assert page.forms["pay"].fields["name"] == "New Owner" and page.forms["pay"].fields["number"] == ""
    assert world.live_subscription(customer) is None


# ---------------------------------------------------------------------------------------------- invoices

def test_hosted_invoice_page_and_pdf(world: World) -> None:
    invoice = world.stripe.v1.invoices.list({"customer": world.owner("pro"), "status": "paid"}).data[0]
    page = world.page(invoice.hosted_invoice_url)
    assert invoice.number in page.text and "Paid" in page.text and "$25.00" in page.text
    assert page.links["download"] == urlsplit(invoice.invoice_pdf).path

    response = world.http.get(invoice.invoice_pdf)

    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and 1_000 < len(response.content) < 200_000
    assert invoice.number in response.headers["content-disposition"]


# ---------------------------------------------------------------------------------------------- wrong links

@pytest.mark.parametrize("method, path", [
    ("GET", "/p/session/bps_nope"), ("POST", "/p/session/bps_nope/card"), ("POST", "/p/session/bps_nope/cancel"),
    ("POST", "/p/session/bps_nope/renew"), ("GET", "/c/pay/cs_test_nope"), ("POST", "/c/pay/cs_test_nope"),
    ("GET", "/i/in_nope"), ("GET", "/i/in_nope/pdf"),
])
def test_unknown_ids_answer_a_404_page(world: World, method: str, path: str) -> None:
    response = world.http.request(method, path, data=GOOD if method == "POST" else None)
    assert response.status_code == 404
    assert "Page not found" in Page(response.text).text


def test_names_are_escaped_on_every_page(world: World) -> None:
    evil = '<script>alert("owned")</script>'
    customer = world.owner("pro", name=evil, email="x@example.com")
    newcomer = world.owner(None, name=evil, email="y@example.com")
    invoice = world.stripe.v1.invoices.list({"customer": customer}).data[0]
    for url in (world.portal(customer), world.checkout(newcomer)[1], invoice.hosted_invoice_url):
        response = world.http.get(url)
        assert response.status_code == 200
        assert "<script>" not in response.text
        page = Page(response.text)
        shown = [page.text] + [value for form in page.forms.values() for value in form.fields.values()]
        assert any(evil in text for text in shown)
    assert Page(world.http.get(world.checkout(newcomer)[1]).text).forms["pay"].fields["name"] == evil


def test_a_failed_renewal_shows_past_due_and_an_open_invoice(world: World) -> None:
    customer = world.owner("pro")
    world.fail_renewal(customer)

    page = world.page(world.portal(customer))

    assert "Past due" in page.text and "last payment of $25.00 failed" in page.text
    assert "\u2022\u2022\u2022\u2022 0341" in page.text and "Open" in page.text
    unpaid = world.stripe.v1.invoices.list({"customer": customer, "status": "open"}).data[0]
    invoice_page = world.page(unpaid.hosted_invoice_url)
    assert f"{unpaid.number}" in invoice_page.text and "$25.00 due" in invoice_page.text


def test_an_expired_checkout_answers_410(world: World) -> None:
    customer = world.owner(None)
    session_id, url = world.checkout(customer)
    world.stripe.v1.checkout.sessions.expire(session_id)
    assert world.http.get(url).status_code == 410

    _, url = world.checkout(customer)
    world.sandbox.advance_clock(25 * 3600)
    response = world.http.post(urlsplit(url).path, data={"email": "ada@example.com", **GOOD})
    assert response.status_code == 410 and "expired" in Page(response.text).text
    assert world.live_subscription(customer) is None


def test_each_demo_owner_sees_their_own_situation(world: World) -> None:
    owners = world.sandbox.seed_demo_owners(world.prices)
    pages = {email.split("@")[0]: world.page(world.portal(customer)) for email, customer in owners.items()}

    assert "Pro" in pages["pro"].text and "Renews on" in pages["pro"].text
    assert sum(1 for href in pages["pro"].hrefs if href.endswith("/pdf")) >= 12
    assert "expires before your next bill" in pages["starter"].text and "card-warning" in pages["starter"].ids
    assert "Past due" in pages["pastdue"].text and "payment-failed" in pages["pastdue"].ids
    assert "You have no active plan" in pages["new"].text and "No invoices yet" in pages["new"].text
    assert "cancel" not in pages["new"].forms


def test_paying_twice_at_once_starts_one_subscription(world: World) -> None:
    customer = world.owner(None)
    _, url = world.checkout(customer)
    path = urlsplit(url).path
    form = {"email": "ada@example.com", **GOOD}

    def pay() -> int:
        with httpx.Client(base_url=world.url, follow_redirects=False, timeout=10) as http:
            return http.post(path, data=form).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(lambda _: pay(), range(2)))

    assert statuses == [303, 410]
    assert len(world.stripe.v1.subscriptions.list({"customer": customer, "status": "all"}).data) == 1


def test_an_open_invoice_is_paid_from_its_hosted_page(world: World) -> None:
    customer = world.owner("pro")
    world.fail_renewal(customer)
    unpaid = world.stripe.v1.invoices.list({"customer": customer, "status": "open"}).data[0]
    paid_events = len(world.events("invoice.paid"))
    portal = world.page(world.portal(customer))
    assert unpaid.hosted_invoice_url in portal.hrefs and "Pay" in portal.text

    declined = world.submit(unpaid.hosted_invoice_url, "pay-invoice", **DECLINED)

    assert declined.status_code == 402 and "declined" in Page(declined.text).text.lower()
    assert world.stripe.v1.invoices.retrieve(unpaid.id).status == "open"

    response = world.submit(unpaid.hosted_invoice_url, "pay-invoice", **GOOD)

    assert response.status_code == 303
    page = world.page(response.headers["location"])
    assert "Payment received" in page.text and "pay-invoice" not in page.forms
    assert world.stripe.v1.invoices.retrieve(unpaid.id).status == "paid"
    assert world.live_subscription(customer).status == "active"
    assert len(world.events("invoice.paid")) == paid_events + 1
    again = world.http.post(urlsplit(unpaid.hosted_invoice_url).path + "/pay", data=GOOD)
    assert again.status_code == 409 and "already paid" in Page(again.text).text


def test_a_trial_shows_when_it_ends(world: World) -> None:
    customer = world.owner(None)
    subscription = world.stripe.v1.subscriptions.create({"customer": customer, "items": [{"price": world.prices["pro"]}],
                                                         "trial_period_days": 14})
    page = world.page(world.portal(customer))
    assert "Trial" in page.text and f"Trial ends on {_day(subscription.trial_end)}" in page.text


def test_plan_change_flow_points_back_to_the_app(world: World) -> None:
    customer = world.owner("starter")
    subscription = world.live_subscription(customer)
    url = world.portal(customer, flow_data={"type": "subscription_update",
                                            "subscription_update": {"subscription": subscription.id}})
    page = world.page(url)
    assert page.forms == {} and "Starter" in page.text and "Billing Manager" in page.text
    assert page.links["return"] == RETURN_URL


def test_cancel_without_a_plan_answers_409(world: World) -> None:
    customer = world.owner(None)
    url = world.portal(customer)
    assert "cancel" not in world.page(url).forms
    response = world.http.post(urlsplit(url).path + "/cancel", data={"reason": "unused"})
    assert response.status_code == 409 and "no active plan" in Page(response.text).text
    assert world.stripe.v1.subscriptions.list({"customer": customer, "status": "all"}).data == []


def test_a_plan_that_ran_out_says_when_it_ended(world: World) -> None:
    customer = world.owner("pro")
    subscription = world.live_subscription(customer)
    world.stripe.v1.subscriptions.update(subscription.id, {"cancel_at_period_end": True})
    world.sandbox.advance_clock(32 * 86_400)
    ended = world.stripe.v1.subscriptions.retrieve(subscription.id)
    assert ended.status == "canceled"

    page = world.page(world.portal(customer))

    assert f"Your Pro plan ended on {_day(ended.ended_at)}" in page.text and "You have no active plan" in page.text
    assert set(page.forms) == {"update-card"}
