"""The sandbox's hosted pages: Customer Portal, Checkout and the hosted invoice, as plain HTML forms.

They stand in for Stripe's own pages: the site owner opens them in the system browser, and a submitted
form changes the sandbox's state and fires the webhooks Stripe would, through the Sandbox's own
methods (which take its lock). No JavaScript; every value from the state is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from string import Template
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from server_bridge.sandbox import cards, checkout, invoices, portal
from server_bridge.sandbox.errors import CardError, StripeError
from server_bridge.sandbox.pdf import day, money, period, still_owed

if TYPE_CHECKING:
    from server_bridge.sandbox.state import Sandbox

BUSINESS = "Website Builder Platform"
CANCEL_REASONS: dict[str, str] = {
    "too_expensive": "It's too expensive",
    "missing_features": "Some features are missing",
    "switched_service": "I found an alternative",
    "unused": "I no longer need it",
    "customer_service": "Customer service was less than expected",
    "too_complex": "Ease of use was less than expected",
    "low_quality": "Quality was less than expected",
    "other": "Other reason",
}
LIVE_STATUSES = ("active", "trialing", "past_due", "unpaid", "incomplete")
_TEMPLATE_DIR = resources.files(__package__) / "templates"
_TEMPLATES = {f.name: Template(f.read_text(encoding="utf-8"))
              for f in _TEMPLATE_DIR.iterdir() if f.name.endswith(".html")}
_CSS = (_TEMPLATE_DIR / "pages.css").read_text(encoding="utf-8")
# The session id in the URL is the key to the page: keep it out of caches, Referer headers and frames.
# No form-action rule: browsers apply it to the 303 that leaves for the return URL.
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _fill(template: str, fragments: Mapping[str, str] | None = None, /, **text: object) -> str:
    """A template from templates/: `text` values escaped, `fragments` (HTML built here) inserted as they are."""
    return _TEMPLATES[template].substitute({**{k: e(v) for k, v in text.items()}, **(fragments or {})})


class _PageError(Exception):
    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def _not_found() -> _PageError:
    return _PageError(404, "Page not found", "This link is not valid. Go back to the site and open it again.")


# ---------------------------------------------------------------------------------------------- reading state

def _read(sandbox: Sandbox, kind: str, ref: object) -> dict | None:
    """The object behind an id or an expanded object; None for none or an unknown id."""
    if isinstance(ref, Mapping):
        return dict(ref)
    if not ref:
        return None
    try:
        return sandbox.get(kind, str(ref))
    except (KeyError, StripeError):
        return None


def _get(obj: Any, *path: str | int) -> Any:
    for key in path:
        if isinstance(key, int):
            obj = obj[key] if isinstance(obj, list) and len(obj) > key else None
        else:
            obj = obj.get(key) if isinstance(obj, Mapping) else None
    return obj


def _price_words(price: Mapping[str, Any] | None) -> str:
    if not price:
        return ""
    amount = money(price.get("unit_amount"), price.get("currency"))
    recurring = price.get("recurring") or {}
    interval, count = recurring.get("interval"), recurring.get("interval_count") or 1
    if not interval:
        return amount
    return f"{amount} per {interval}" if count == 1 else f"{amount} every {count} {interval}s"


def _plan_name(sandbox: Sandbox, price: Mapping[str, Any] | None, fallback: str = "") -> str:
    if not price:
        return fallback
    product = _read(sandbox, "product", price.get("product"))
    return (product or {}).get("name") or price.get("nickname") or fallback or "Plan"


def _card_of(sandbox: Sandbox, customer: Mapping[str, Any], subscription: Mapping[str, Any] | None) -> dict | None:
    """The card the next bill is charged to: the subscription's own, else the customer's default."""
    for ref in ((subscription or {}).get("default_payment_method"),
                _get(customer, "invoice_settings", "default_payment_method")):
        method = _read(sandbox, "payment_method", ref)
        if method and method.get("card"):
            return method["card"]
    return None


def _card_words(card: Mapping[str, Any] | None) -> tuple[str, str]:
    if not card:
        return "No card on file", ""
    brand = str(card.get("brand") or "card")
    brand = {"amex": "American Express", "mastercard": "Mastercard", "visa": "Visa"}.get(brand, brand.title())
    expiry = f"Expires {int(card.get('exp_month') or 0):02d}/{card.get('exp_year') or ''}"
    return f"{brand} \u2022\u2022\u2022\u2022 {card.get('last4') or ''}", expiry


@dataclass
class _Portal:
    session: dict
    customer: dict
    subscription: dict | None
    card: dict | None
    invoices: list[dict] = field(default_factory=list)

    @property
    def flow(self) -> str | None:
        return _get(self.session, "flow", "type")

    @property
    def return_url(self) -> str | None:
        redirect = _get(self.session, "flow", "after_completion", "redirect", "return_url")
        return redirect or self.session.get("return_url")


def _load_portal(sandbox: Sandbox, session_id: str) -> _Portal:
    session = _read(sandbox, "billing_portal.session", session_id)
    if session is None:
        raise _not_found()
    expires_at = session.get("expires_at")
    if expires_at and expires_at <= sandbox.now():
        raise _PageError(410, "This link has expired", "Portal links work for a short while only. "
                         "Go back to the site and open the billing portal again.")
    customer = _read(sandbox, "customer", session.get("customer")) or {"id": session.get("customer")}
    subscription = _subscription_for(sandbox, session, customer["id"])
    invoices = [i for i in sandbox.list("invoice", customer=customer["id"]) if i.get("status") != "draft"]
    return _Portal(session, customer, subscription, _card_of(sandbox, customer, subscription), invoices[:24])


def _subscription_for(sandbox: Sandbox, session: Mapping[str, Any], customer_id: str) -> dict | None:
    for flow in ("subscription_cancel", "subscription_update"):
        chosen = _read(sandbox, "subscription", _get(session, "flow", flow, "subscription"))
        if chosen:
            return chosen
    subscriptions = sandbox.list("subscription", customer=customer_id)
    live = [s for s in subscriptions if s.get("status") in LIVE_STATUSES]
    return (live or subscriptions or [None])[0]


def _headline(sandbox: Sandbox, session: Mapping[str, Any]) -> str:
    """The portal configuration's message to customers, shown under the title."""
    configuration = _read(sandbox, "billing_portal.configuration", session.get("configuration"))
    return _get(configuration, "business_profile", "headline") or ""


# ---------------------------------------------------------------------------------------------- HTML pieces

def _page(title: str, body: str, *, status: int = 200, business: str = BUSINESS, nav: str = "") -> HTMLResponse:
    text = _fill("page.html", {"css": _CSS, "nav": nav, "body": body}, title=title, business=business)
    return HTMLResponse(text, status_code=status, headers=_PAGE_HEADERS)


def _error_page(error: _PageError) -> HTMLResponse:
    body = f'<section class="card"><h1>{e(error.title)}</h1><p class="muted">{e(error.message)}</p></section>'
    return _page(error.title, body, status=error.status)


def _notice(kind: str, text: str, *, element_id: str = "") -> str:
    ident = f' id="{e(element_id)}"' if element_id else ""
    role = ' role="alert"' if kind == "bad" else ' role="status"'
    return f'<div class="notice {kind}"{ident}{role}>{e(text)}</div>'


def _status_badge(subscription: Mapping[str, Any]) -> str:
    status = subscription.get("status") or ""
    words, kind = {
        "active": ("Active", "ok"), "trialing": ("Trial", "ok"), "past_due": ("Past due", "bad"),
        "unpaid": ("Unpaid", "bad"), "incomplete": ("Incomplete", "warn"), "canceled": ("Canceled", ""),
        "incomplete_expired": ("Expired", ""), "paused": ("Paused", "warn"),
    }.get(status, (status.replace("_", " ").capitalize(), ""))
    if subscription.get("cancel_at_period_end") and status in LIVE_STATUSES:
        words, kind = "Cancels soon", "warn"
    return f'<span class="badge {kind}" id="status">{e(words)}</span>'


def _invoice_badge(status: str | None) -> str:
    kind = {"paid": "ok", "open": "warn", "uncollectible": "bad"}.get(status or "", "")
    return f'<span class="badge {kind}">{e((status or "").capitalize())}</span>'


def _card_fields(values: Mapping[str, str]) -> str:
    """The card inputs; a number or CVC typed before an error is never sent back."""
    return _fill("card_fields.html", exp_month=values.get("exp_month", ""), exp_year=values.get("exp_year", ""))


# ---------------------------------------------------------------------------------------------- portal views

_DONE_WORDS = {
    "card": "Your card was updated. It will be used for your next bill.",
    "cancel": "Your plan was canceled. You keep it until the end of the billing period.",
    "renew": "Your plan was renewed. It will continue as before.",
}


def _portal_page(sandbox: Sandbox, portal: _Portal, *, status: int = 200, done: str | None = None,
                 error: str | None = None, error_form: str = "",
                 values: Mapping[str, str] | None = None) -> HTMLResponse:
    values = values or {}
    business = BUSINESS
    nav = (f'<a id="return" href="{e(portal.return_url)}">&larr; Return to {e(business)}</a>'
           if portal.return_url else "")
    sid = portal.session["id"]
    parts: list[str] = []
    if done in _DONE_WORDS:
        custom = _get(portal.session, "flow", "after_completion", "hosted_confirmation", "custom_message")
        parts.append(_notice("ok", custom or _DONE_WORDS[done], element_id="done"))
        if portal.flow:
            link = (f'<p><a class="button" href="{e(portal.return_url)}">Return to {e(business)}</a></p>'
                    if portal.return_url else "")
            return _page("Done", "<h1>All set</h1>" + "".join(parts) + link, business=business, nav=nav)
    if error:
        parts.append(_notice("bad", error, element_id="error"))
    flow = portal.flow
    if flow == "payment_method_update":
        parts.append(_card_section(portal, sid, values, open_form=True))
        title = "Update your card"
    elif flow == "subscription_cancel":
        parts.append(_cancel_section(sandbox, portal, sid, values))
        title = "Cancel your plan"
    elif flow:
        parts.append(_plan_section(sandbox, portal, sid, values, forms=False))
        parts.append('<section class="card"><p class="muted" id="no-flow">Plan changes are made in Billing Manager; '
                     'this portal does not offer them.</p></section>')
        title = "Your plan"
    else:
        parts.append(_plan_section(sandbox, portal, sid, values, forms=True, open_cancel=error_form == "cancel"))
        parts.append(_card_section(portal, sid, values, open_form=error_form == "card"))
        parts.append(_customer_section(portal))
        parts.append(_invoices_section(portal))
        title = "Billing"
    headline = _headline(sandbox, portal.session) if not flow else ""
    lead = f'<p class="muted lead">{e(headline)}</p>' if headline else ""
    body = f"<h1>{e(title)}</h1>{lead}" + "\n".join(parts)
    return _page(f"{title} \u00b7 {business}", body, status=status, business=business, nav=nav)


def _plan_section(sandbox: Sandbox, portal: _Portal, sid: str, values: Mapping[str, str], *,
                  forms: bool, open_cancel: bool = False) -> str:
    sub = portal.subscription
    price = _read(sandbox, "price", _get(sub, "items", "data", 0, "price"))
    name = _plan_name(sandbox, price, fallback="Your plan")
    if not sub or sub.get("status") not in LIVE_STATUSES:
        ended = (sub or {}).get("ended_at")
        words = f"Your {name} plan ended on {day(ended)}. " if ended else ""
        return ('<section class="card" id="plan"><h2>Current plan</h2>'
                f'<p class="muted">{e(words)}You have no active plan.</p></section>')
    period_end = _get(sub, "items", "data", 0, "current_period_end")
    if sub.get("cancel_at_period_end"):
        when = f'<p id="renewal">Cancels on {e(day(sub.get("cancel_at") or period_end))}</p>'
    elif sub.get("status") == "trialing" and sub.get("trial_end"):
        when = f'<p id="renewal">Trial ends on {e(day(sub.get("trial_end")))}</p>'
    else:
        when = f'<p id="renewal">Renews on {e(day(period_end))}</p>'
    warning = ""
    if sub.get("status") in ("past_due", "unpaid"):
        unpaid = _read(sandbox, "invoice", sub.get("latest_invoice")) or {}
        retry = unpaid.get("next_payment_attempt") if unpaid.get("status") == "open" else None
        owed = f" of {money(still_owed(unpaid), unpaid.get('currency'))}" if unpaid.get("status") == "open" else ""
        then = f" We will try again on {day(retry)}." if retry else ""
        warning = _notice("bad", f"Your last payment{owed} failed.{then} Update your card so it goes through.",
                          element_id="payment-failed")
    html_parts = [f'<section class="card" id="plan"><h2>Current plan</h2>{warning}',
                  f'<div class="row"><div><span class="big" id="plan-name">{e(name)}</span> {_status_badge(sub)}</div>',
                  f'<div class="big" id="price">{e(_price_words(price))}</div></div>',
                  f'<div class="muted">{when}</div>']
    if forms and sub.get("cancel_at_period_end"):
        html_parts.append(_renew_form(sid))
    elif forms:
        html_parts.append(f'<details{" open" if open_cancel else ""}><summary>Cancel plan</summary>'
                          f'{_cancel_form(sid, values, period_end)}</details>')
    html_parts.append("</section>")
    return "".join(html_parts)


def _renew_form(sid: str) -> str:
    return (f'<form id="renew" method="post" action="/p/session/{e(sid)}/renew">'
            '<p class="hint">Changed your mind? Renew to keep your plan after this period.</p>'
            '<button type="submit">Renew plan</button></form>')


def _cancel_form(sid: str, values: Mapping[str, str], period_end: int | None) -> str:
    chosen = values.get("reason", "")
    options = ['<option value="">Choose a reason</option>'] + [
        f'<option value="{e(key)}"{" selected" if key == chosen else ""}>{e(words)}</option>'
        for key, words in CANCEL_REASONS.items()]
    until = f" You keep it until {day(period_end)}." if period_end else ""
    return _fill("cancel_form.html", {"options": "".join(options)}, sid=sid, until=until,
                 comment=values.get("comment", ""))


def _cancel_section(sandbox: Sandbox, portal: _Portal, sid: str, values: Mapping[str, str]) -> str:
    sub = portal.subscription
    if not sub or sub.get("status") not in LIVE_STATUSES:
        return '<section class="card"><p class="muted">You have no active plan to cancel.</p></section>'
    if sub.get("cancel_at_period_end"):
        return _plan_section(sandbox, portal, sid, values, forms=True)
    price = _read(sandbox, "price", _get(sub, "items", "data", 0, "price"))
    name = _plan_name(sandbox, price, fallback="Your plan")
    period_end = _get(sub, "items", "data", 0, "current_period_end")
    return (f'<section class="card" id="plan"><div class="row"><span class="big" id="plan-name">{e(name)}</span>'
            f'<span class="big" id="price">{e(_price_words(price))}</span></div>'
            f'{_cancel_form(sid, values, period_end)}</section>')


def _expires_before(card: Mapping[str, Any] | None, ts: int | None) -> bool:
    """True when the card stops working before `ts` (a card is valid through the end of its expiry month)."""
    if not card or not ts or not card.get("exp_year") or not card.get("exp_month"):
        return False
    year, month = int(card["exp_year"]), int(card["exp_month"])
    first_invalid = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc)
    return first_invalid.timestamp() <= ts


def _card_section(portal: _Portal, sid: str, values: Mapping[str, str], *, open_form: bool) -> str:
    label, expiry = _card_words(portal.card)
    sub = portal.subscription
    warning = ""
    if sub and sub.get("status") in LIVE_STATUSES and not sub.get("cancel_at_period_end"):
        next_bill = _get(sub, "items", "data", 0, "current_period_end")
        if _expires_before(portal.card, next_bill):
            warning = _notice("warn", f"This card expires before your next bill on {day(next_bill)}. "
                              "Update it to keep your plan.", element_id="card-warning")
    form = (f'<form id="update-card" method="post" action="/p/session/{e(sid)}/card">{_card_fields(values)}'
            '<button type="submit">Update card</button></form>')
    if not open_form:
        form = f"<details><summary>Update card</summary>{form}</details>"
    return (f'<section class="card" id="card"><h2>Payment method</h2>{warning}'
            f'<div class="row"><span id="card-label">{e(label)}</span><span class="muted" id="card-expiry">'
            f'{e(expiry)}</span></div>{form}</section>')


def _customer_section(portal: _Portal) -> str:
    customer = portal.customer
    rows = "".join(f"<div>{e(v)}</div>" for v in (customer.get("name"), customer.get("email")) if v)
    return f'<section class="card" id="customer"><h2>Billing information</h2>{rows or "<div>-</div>"}</section>'


def _invoices_section(portal: _Portal) -> str:
    if not portal.invoices:
        return ('<section class="card" id="invoices"><h2>Invoice history</h2>'
                '<p class="muted">No invoices yet.</p></section>')
    rows = []
    for invoice in portal.invoices:
        links = []
        if invoice.get("hosted_invoice_url"):
            words = "Pay" if invoice.get("status") == "open" else "View"
            links.append(f'<a href="{e(invoice["hosted_invoice_url"])}">{words}</a>')
        if invoice.get("invoice_pdf"):
            links.append(f'<a href="{e(invoice["invoice_pdf"])}">PDF</a>')
        rows.append(f'<tr id="invoice-{e(invoice.get("id"))}"><td>{e(day(invoice.get("created")))}</td>'
                    f'<td>{e(invoice.get("number") or "")}</td>'
                    f'<td class="num">{e(money(invoice.get("total"), invoice.get("currency")))}</td>'
                    f'<td>{_invoice_badge(invoice.get("status"))}</td>'
                    f'<td class="num">{" &middot; ".join(links)}</td></tr>')
    return ('<section class="card" id="invoices"><h2>Invoice history</h2><table><thead><tr><th>Date</th>'
            '<th>Number</th><th class="num">Amount</th><th>Status</th><th class="num"></th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></section>')


# ---------------------------------------------------------------------------------------------- checkout view

def _load_checkout(sandbox: Sandbox, session_id: str) -> dict:
    session = _read(sandbox, "checkout.session", session_id)
    if session is None:
        raise _not_found()
    expired = session.get("expires_at") and session["expires_at"] <= sandbox.now()
    if session.get("status") == "complete":
        raise _PageError(410, "Payment already completed", "This checkout was already paid. "
                         "Go back to the site to see your plan.")
    if session.get("status") == "expired" or expired:
        raise _PageError(410, "This checkout has expired", "Go back to the site and choose your plan again.")
    return session


def _checkout_items(sandbox: Sandbox, session: Mapping[str, Any]) -> list[tuple[str, str, int | None]]:
    """(name, price words, amount) per line item."""
    items = []
    for item in checkout.line_items(sandbox.store, session["id"]):
        price = _read(sandbox, "price", item.get("price"))
        name = _plan_name(sandbox, price, fallback=item.get("description") or "Plan")
        amount = item.get("amount_total")
        if amount is None and price:
            amount = (price.get("unit_amount") or 0) * (item.get("quantity") or 1)
        items.append((name, _price_words(price), amount))
    return items


def _checkout_page(sandbox: Sandbox, session: dict, *, status: int = 200, error: str | None = None,
                   values: Mapping[str, str] | None = None) -> HTMLResponse:
    values = values or {}
    customer = _read(sandbox, "customer", session.get("customer")) or {}
    email = values.get("email") or session.get("customer_email") or customer.get("email") or ""
    name = values.get("name") or customer.get("name") or ""
    items = _checkout_items(sandbox, session)
    currency = session.get("currency") or "usd"
    headline_name = items[0][0] if items else "your plan"
    headline_price = items[0][1] if items else money(session.get("amount_total"), currency)
    rows = "".join(f'<tr><td>{e(n)}<div class="muted">{e(p)}</div></td><td class="num">{e(money(a, currency))}</td>'
                   '</tr>' for n, p, a in items)
    total = session.get("amount_total")
    if total is None:
        total = sum(a or 0 for _, _, a in items)
    cancel_url = session.get("cancel_url")
    nav = f'<a id="cancel" href="{e(cancel_url)}">&larr; Back</a>' if cancel_url else ""
    body = _fill("checkout.html", {
        "rows": rows, "card_fields": _card_fields(values),
        "error": _notice("bad", error, element_id="error") if error else "",
    }, plan=headline_name, price=headline_price, total=money(total, currency), sid=session["id"], email=email,
        name=name)
    return _page(f"Subscribe to {headline_name}", body, status=status, nav=nav)


# ---------------------------------------------------------------------------------------------- invoice view

def _load_invoice(sandbox: Sandbox, invoice_id: str) -> dict:
    invoice = _read(sandbox, "invoice", invoice_id)
    if invoice is None or invoice.get("status") == "draft":
        raise _not_found()
    return invoice


def _invoice_page(sandbox: Sandbox, invoice: dict, *, status_code: int = 200, done: str | None = None,
                  error: str | None = None, values: Mapping[str, str] | None = None) -> HTMLResponse:
    currency = invoice.get("currency") or "usd"
    customer = _read(sandbox, "customer", invoice.get("customer")) or {}
    status = invoice.get("status") or ""
    paid_at = _get(invoice, "status_transitions", "paid_at")
    if status == "paid":
        headline = f"{money(invoice.get('amount_paid'), currency)} paid on {day(paid_at or invoice.get('created'))}"
    elif status == "open":
        due = invoice.get("due_date")
        headline = f"{money(still_owed(invoice), currency)} due" + (f" {day(due)}" if due else "")
    else:
        headline = f"{money(invoice.get('total'), currency)}"
    number = invoice.get("number") or ""
    facts = [("Invoice number", number), ("Date of issue", day(invoice.get("created")))]
    if invoice.get("due_date"):
        facts.append(("Date due", day(invoice.get("due_date"))))
    if status == "paid" and paid_at:
        facts.append(("Date paid", day(paid_at)))
    fact_rows = "".join(f'<tr><td class="muted">{e(k)}</td><td>{e(v)}</td></tr>' for k, v in facts)
    lines = "".join(
        f'<tr><td>{e(line.get("description"))}<div class="muted">'
        f'{e(period(_get(line, "period", "start"), _get(line, "period", "end")))}</div></td>'
        f'<td class="num">{e(money(line.get("amount"), line.get("currency") or currency))}</td></tr>'
        for line in _get(invoice, "lines", "data") or [])
    totals = "".join(
        f'<tr{" class=strong" if strong else ""}><td>{e(label)}</td>'
        f'<td class="num">{e(money(amount, currency))}</td></tr>'
        for label, amount, strong in (("Subtotal", invoice.get("subtotal"), False),
                                      ("Total", invoice.get("total"), False),
                                      ("Amount paid", invoice.get("amount_paid"), False),
                                      ("Amount due", still_owed(invoice), True)))
    bill_to = "".join(f"<div>{e(v)}</div>" for v in (invoice.get("customer_name") or customer.get("name"),
                                                      invoice.get("customer_email") or customer.get("email")) if v)
    notice = _notice("bad", error, element_id="error") if error else ""
    if done == "paid" and status == "paid":
        notice = _notice("ok", "Payment received. Thank you!", element_id="done")
    pay = ""
    if status == "open":
        owed = money(still_owed(invoice), currency)
        pay = (f'<section class="card" id="payment"><h2>Pay this invoice</h2>'
               f'<form id="pay-invoice" method="post" action="/i/{e(invoice["id"])}/pay">{_card_fields(values or {})}'
               f'<button type="submit" class="full">Pay {e(owed)}</button></form></section>')
    body = _fill("invoice.html", {
        "notice": notice, "pay": pay, "badge": _invoice_badge(status), "facts": fact_rows, "lines": lines,
        "totals": totals,
        "bill_to": bill_to or "<div>-</div>",
    }, headline=headline, invoice_id=invoice["id"], business=BUSINESS)
    return _page(f"Invoice {number}", body, status=status_code)


# ---------------------------------------------------------------------------------------------- form input

def _card_input(number: str, exp_month: str, exp_year: str, cvc: str) -> dict[str, Any]:
    """Parse the card fields; a ValueError's text is shown to the owner."""
    digits = "".join(ch for ch in number if ch not in " -")
    if not digits.isdigit():
        raise ValueError("Your card number is incomplete.")
    try:
        month, year = int(exp_month.strip()), int(exp_year.strip())
    except ValueError:
        raise ValueError("Enter the expiry month and year as numbers, like 12 and 2030.") from None
    if not 1 <= month <= 12:
        raise ValueError("Your card's expiration month is invalid.")
    if year < 100:
        year += 2000
    cvc = cvc.strip()
    if not (cvc.isdigit() and 3 <= len(cvc) <= 4):
        raise ValueError("Your card's security code is incomplete.")
    return {"number": digits, "exp_month": month, "exp_year": year, "cvc": cvc}


FormText = Annotated[str, Form()]


# ---------------------------------------------------------------------------------------------- routes

def make_router(sandbox: Sandbox) -> APIRouter:
    """The hosted pages over one Sandbox; create_sandbox_app includes this router."""
    router = APIRouter(include_in_schema=False)

    def portal_action(session_id: str, form: str, values: dict[str, str], action: Any) -> Response:
        try:
            portal = _load_portal(sandbox, session_id)
        except _PageError as error:
            return _error_page(error)
        try:
            action()
        except CardError as exc:
            return _portal_page(sandbox, _load_portal(sandbox, session_id), status=402, error=exc.message,
                                error_form=form, values=values)
        except StripeError as exc:
            if exc.status == 404:
                return _error_page(_not_found())
            return _portal_page(sandbox, _load_portal(sandbox, session_id), status=400, error=exc.message,
                                error_form=form, values=values)
        except ValueError as exc:
            return _portal_page(sandbox, portal, status=400, error=str(exc), error_form=form, values=values)
        except KeyError:
            return _portal_page(sandbox, _load_portal(sandbox, session_id), status=409,
                                error="You have no active plan to change.", error_form=form, values=values)
        if portal.flow and _get(portal.session, "flow", "after_completion", "type") == "redirect" and portal.return_url:
            return RedirectResponse(portal.return_url, status_code=303)
        return RedirectResponse(f"/p/session/{quote(session_id, safe='')}?done={form}", status_code=303)

    @router.get("/p/session/{session_id}", response_class=HTMLResponse)
    def portal_page(session_id: str, done: str | None = None) -> Response:
        try:
            return _portal_page(sandbox, _load_portal(sandbox, session_id), done=done)
        except _PageError as error:
            return _error_page(error)

    @router.post("/p/session/{session_id}/card")
    def portal_card(session_id: str, number: FormText = "", exp_month: FormText = "", exp_year: FormText = "",
                    cvc: FormText = "") -> Response:
        values = {"exp_month": exp_month, "exp_year": exp_year}

        def update() -> None:
            portal.update_card(sandbox.store, session_id, **_card_input(number, exp_month, exp_year, cvc))
        return portal_action(session_id, "card", values, update)

    @router.post("/p/session/{session_id}/cancel")
    def portal_cancel(session_id: str, reason: FormText = "", comment: FormText = "") -> Response:
        def cancel() -> None:
            if reason not in CANCEL_REASONS:
                raise ValueError("Choose a reason for canceling.")
            portal.cancel(sandbox.store, session_id, reason=reason, comment=comment.strip()[:500])
        return portal_action(session_id, "cancel", {"reason": reason, "comment": comment}, cancel)

    @router.post("/p/session/{session_id}/renew")
    def portal_renew(session_id: str) -> Response:
        return portal_action(session_id, "renew", {}, lambda: portal.renew(sandbox.store, session_id))

    @router.get("/c/pay/{session_id}", response_class=HTMLResponse)
    def checkout_page(session_id: str) -> Response:
        try:
            return _checkout_page(sandbox, _load_checkout(sandbox, session_id))
        except _PageError as error:
            return _error_page(error)

    @router.post("/c/pay/{session_id}")
    def checkout_pay(session_id: str, email: FormText = "", name: FormText = "", number: FormText = "",
                     exp_month: FormText = "", exp_year: FormText = "", cvc: FormText = "") -> Response:
        try:
            session = _load_checkout(sandbox, session_id)
        except _PageError as error:
            return _error_page(error)
        values = {"email": email, "name": name, "exp_month": exp_month, "exp_year": exp_year}
        try:
            if "@" not in email:
                raise ValueError("Enter your email address.")
            card = _card_input(number, exp_month, exp_year, cvc)
            url = checkout.complete(sandbox.store, session_id, email=email.strip(), name=name.strip(), **card)
        except CardError as exc:
            return _checkout_page(sandbox, session, status=402, error=exc.message, values=values)
        except StripeError as exc:
            try:
                session = _load_checkout(sandbox, session_id)  # paid or expired meanwhile: say so
            except _PageError as error:
                return _error_page(error)
            return _checkout_page(sandbox, session, status=400, error=exc.message, values=values)
        except ValueError as exc:
            return _checkout_page(sandbox, session, status=400, error=str(exc), values=values)
        except KeyError:
            return _error_page(_not_found())
        return RedirectResponse(url, status_code=303)

    @router.get("/i/{invoice_id}", response_class=HTMLResponse)
    def invoice_page(invoice_id: str, done: str | None = None) -> Response:
        try:
            return _invoice_page(sandbox, _load_invoice(sandbox, invoice_id), done=done)
        except _PageError as error:
            return _error_page(error)

    @router.post("/i/{invoice_id}/pay")
    def invoice_pay(invoice_id: str, number: FormText = "", exp_month: FormText = "", exp_year: FormText = "",
                    cvc: FormText = "") -> Response:
        """Pay an open invoice with a card, as Stripe's hosted invoice page does (not made the default card)."""
        try:
            invoice = _load_invoice(sandbox, invoice_id)
        except _PageError as error:
            return _error_page(error)
        values = {"exp_month": exp_month, "exp_year": exp_year}
        try:
            card = _card_input(number, exp_month, exp_year, cvc)
            method = cards.create_payment_method(sandbox.store, {"type": "card", "card": card})
            cards.attach_payment_method(sandbox.store, method["id"], {"customer": invoice["customer"]})
            invoices.pay_invoice(sandbox.store, invoice_id, {"payment_method": method["id"]})
        except ValueError as exc:
            status, message = 400, str(exc)
        except CardError as exc:
            status, message = 402, exc.message
        except StripeError as exc:
            status, message = (409, exc.message) if exc.status != 404 else (404, "")
        else:
            return RedirectResponse(f"/i/{quote(invoice_id, safe='')}?done=paid", status_code=303)
        if status == 404:
            return _error_page(_not_found())
        return _invoice_page(sandbox, _load_invoice(sandbox, invoice_id), status_code=status, error=message,
                             values=values)

    @router.get("/i/{invoice_id}/pdf")
    def invoice_pdf(invoice_id: str) -> Response:
        try:
            invoice = _load_invoice(sandbox, invoice_id)
            pdf = sandbox.invoice_pdf(invoice_id)
        except _PageError as error:
            return _error_page(error)
        except (KeyError, StripeError):
            return _error_page(_not_found())
        filename = f"Invoice-{invoice.get('number') or invoice_id}.pdf"
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in filename)
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{safe}"', "Cache-Control": "no-store"})

    return router
