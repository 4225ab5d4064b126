"""The sandbox's hosted pages: Customer Portal, Checkout and the hosted invoice, as plain HTML forms.

They stand in for Stripe's own pages: the site owner opens them in the system browser, and a submitted
form changes the sandbox's state and fires the webhooks Stripe would, through the resource modules
(which take the store's lock). No JavaScript; the Jinja2 templates in templates/ escape every value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stripe_sandbox.billing import cards, checkout, collection, portal
from stripe_sandbox.errors import CardError, StripeError
from stripe_sandbox.money import money, still_owed
from stripe_sandbox.periods import day, period

if TYPE_CHECKING:
    from stripe_sandbox.state import Sandbox

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
_TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("stripe_sandbox", "templates"),
                                autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                                lstrip_blocks=True)
_TEMPLATES.filters.update(day=day, money=money, period=period)
# The session id in the URL is the key to the page: keep it out of caches, Referer headers and frames.
# No form-action rule: browsers apply it to the 303 that leaves for the return URL.
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}
_DONE_WORDS = {
    "card": "Your card was updated. It will be used for your next bill.",
    "cancel": "Your plan was canceled. You keep it until the end of the billing period.",
    "renew": "Your plan was renewed. It will continue as before.",
}
_BADGES = {
    "active": ("Active", "ok"), "trialing": ("Trial", "ok"), "past_due": ("Past due", "bad"),
    "unpaid": ("Unpaid", "bad"), "incomplete": ("Incomplete", "warn"), "canceled": ("Canceled", ""),
    "incomplete_expired": ("Expired", ""), "paused": ("Paused", "warn"),
}


class PageError(Exception):
    """A page that cannot be shown (unknown, expired or already used link): answered as an error page."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def _not_found() -> PageError:
    return PageError(404, "Page not found", "This link is not valid. Go back to the site and open it again.")


def _render(template: str, *, title: str, status: int = 200, **values: Any) -> HTMLResponse:
    text = _TEMPLATES.get_template(template).render(title=title, business=BUSINESS, **values)
    return HTMLResponse(text, status_code=status, headers=_PAGE_HEADERS)


def error_page(_request: Request, error: Exception) -> Response:
    """The one handler for every PageError a page raises (installed on the app)."""
    assert isinstance(error, PageError)
    return _render("error.html", title=error.title, status=error.status, heading=error.title,
                   message=error.message)


def _submit(action: Callable[[], Response], again: Callable[[int, str], Response], *,
            refused: int = 400) -> Response:
    """Run a form's action; a refusal shows the form again with the reason and Stripe's status for it."""
    try:
        return action()
    except CardError as exc:
        return again(402, exc.message)
    except StripeError as exc:
        if exc.status == 404:
            raise _not_found() from None
        return again(exc.status if exc.status == 409 else refused, exc.message)
    except ValueError as exc:
        return again(400, str(exc))
    except KeyError:
        raise _not_found() from None


# ---------------------------------------------------------------------------------------------- reading state

def _read(sandbox: Sandbox, kind: str, ref: object) -> dict | None:
    """The object behind an id or an expanded object; None for none or an unknown id."""
    if isinstance(ref, Mapping):
        return dict(ref)
    if not ref:
        return None
    return sandbox.get(kind, str(ref))


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


def _expires_before(card: Mapping[str, Any] | None, ts: int | None) -> bool:
    """True when the card stops working before `ts` (a card is valid through the end of its expiry month)."""
    if not card or not ts or not card.get("exp_year") or not card.get("exp_month"):
        return False
    year, month = int(card["exp_year"]), int(card["exp_month"])
    first_invalid = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc)
    return first_invalid.timestamp() <= ts


# ---------------------------------------------------------------------------------------------- portal

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
        """The portal's link back to the business (Stripe: the session's `return_url`), whether or not
        the owner completed anything."""
        return self.session.get("return_url")

    @property
    def completion_url(self) -> str | None:
        """Where a completed flow redirects (Stripe: `flow.after_completion.redirect.return_url`)."""
        return _get(self.session, "flow", "after_completion", "redirect", "return_url")


def _load_portal(sandbox: Sandbox, session_id: str) -> _Portal:
    session = _read(sandbox, "billing_portal.session", session_id)
    if session is None:
        raise _not_found()
    expires_at = session.get("expires_at")
    if expires_at and expires_at <= sandbox.now():
        raise PageError(410, "This link has expired", "Portal links work for a short while only. "
                        "Go back to the site and open the billing portal again.")
    customer = _read(sandbox, "customer", session.get("customer")) or {"id": session.get("customer")}
    subscription = _subscription_for(sandbox, session, customer["id"])
    shown = [i for i in sandbox.list("invoice", customer=customer["id"]) if i.get("status") != "draft"]
    return _Portal(session, customer, subscription, _card_of(sandbox, customer, subscription), shown[:24])


def _subscription_for(sandbox: Sandbox, session: Mapping[str, Any], customer_id: str) -> dict | None:
    for flow in ("subscription_cancel", "subscription_update"):
        chosen = _read(sandbox, "subscription", _get(session, "flow", flow, "subscription"))
        if chosen:
            return chosen
    subscriptions = sandbox.list("subscription", customer=customer_id)
    live = [s for s in subscriptions if s.get("status") in LIVE_STATUSES]
    return (live or subscriptions or [None])[0]


def _plan_view(sandbox: Sandbox, sub: dict | None) -> dict[str, Any]:
    """What the portal says about the plan: name, price, status badge, next date, a failed payment."""
    price = _read(sandbox, "price", _get(sub, "items", "data", 0, "price"))
    view: dict[str, Any] = {"name": _plan_name(sandbox, price, fallback="Your plan"), "price": _price_words(price),
                            "live": bool(sub) and sub.get("status") in LIVE_STATUSES,
                            "ended_at": (sub or {}).get("ended_at")}
    if not view["live"] or sub is None:
        return view
    status = sub.get("status") or ""
    period_end = _get(sub, "items", "data", 0, "current_period_end")
    badge, kind = _BADGES.get(status, (status.replace("_", " ").capitalize(), ""))
    if sub.get("cancel_at_period_end"):
        badge, kind = "Cancels soon", "warn"
        when = f"Cancels on {day(sub.get('cancel_at') or period_end)}"
    elif status == "trialing" and sub.get("trial_end"):
        when = f"Trial ends on {day(sub.get('trial_end'))}"
    else:
        when = f"Renews on {day(period_end)}"
    failed = ""
    if status in ("past_due", "unpaid"):
        unpaid = _read(sandbox, "invoice", sub.get("latest_invoice")) or {}
        is_open = unpaid.get("status") == "open"
        owed = f" of {money(still_owed(unpaid), unpaid.get('currency'))}" if is_open else ""
        retry = unpaid.get("next_payment_attempt") if is_open else None
        then = f" We will try again on {day(retry)}." if retry else ""
        failed = f"Your last payment{owed} failed.{then} Update your card so it goes through."
    view.update(badge=badge, badge_kind=kind, when=when, failed=failed, period_end=period_end,
                cancel_at_period_end=bool(sub.get("cancel_at_period_end")))
    return view


def _card_view(portal: _Portal) -> dict[str, str]:
    card, sub = portal.card, portal.subscription
    if not card:
        label, expiry = "No card on file", ""
    else:
        brand = str(card.get("brand") or "card")
        brand = {"amex": "American Express", "mastercard": "Mastercard", "visa": "Visa"}.get(brand, brand.title())
        label = f"{brand} \u2022\u2022\u2022\u2022 {card.get('last4') or ''}"
        expiry = f"Expires {int(card.get('exp_month') or 0):02d}/{card.get('exp_year') or ''}"
    warning = ""
    if sub and sub.get("status") in LIVE_STATUSES and not sub.get("cancel_at_period_end"):
        next_bill = _get(sub, "items", "data", 0, "current_period_end")
        if _expires_before(card, next_bill):
            warning = f"This card expires before your next bill on {day(next_bill)}. Update it to keep your plan."
    return {"label": label, "expiry": expiry, "warning": warning}


def _portal_page(sandbox: Sandbox, portal: _Portal, *, status: int = 200, done: str | None = None,
                 error: str | None = None, error_form: str = "",
                 values: Mapping[str, str] | None = None) -> HTMLResponse:
    flow = portal.flow
    done_words = ""
    if done in _DONE_WORDS:
        custom = _get(portal.session, "flow", "after_completion", "hosted_confirmation", "custom_message")
        done_words = custom or _DONE_WORDS[done]
    heading = {"payment_method_update": "Update your card", "subscription_cancel": "Cancel your plan"}.get(
        flow or "", "Your plan" if flow else "Billing")
    configuration = _read(sandbox, "billing_portal.configuration", portal.session.get("configuration"))
    customer = portal.customer
    return _render(
        "portal.html", title="Done" if done_words and flow else f"{heading} \u00b7 {BUSINESS}", status=status,
        flow=flow, heading=heading, headline="" if flow else _get(configuration, "business_profile", "headline"),
        done_words=done_words, error=error, error_form=error_form, values=values or {},
        return_url=portal.return_url, sid=portal.session["id"], reasons=CANCEL_REASONS,
        plan=_plan_view(sandbox, portal.subscription), card=_card_view(portal), invoices=portal.invoices,
        customer_lines=[v for v in (customer.get("name"), customer.get("email")) if v])


# ---------------------------------------------------------------------------------------------- checkout

def _load_checkout(sandbox: Sandbox, session_id: str) -> dict:
    session = _read(sandbox, "checkout.session", session_id)
    if session is None:
        raise _not_found()
    expired = session.get("expires_at") and session["expires_at"] <= sandbox.now()
    if session.get("status") == "complete":
        raise PageError(410, "Payment already completed", "This checkout was already paid. "
                        "Go back to the site to see your plan.")
    if session.get("status") == "expired" or expired:
        raise PageError(410, "This checkout has expired", "Go back to the site and choose your plan again.")
    return session


def _checkout_page(sandbox: Sandbox, session: dict, *, status: int = 200, error: str | None = None,
                   values: Mapping[str, str] | None = None) -> HTMLResponse:
    values = values or {}
    customer = _read(sandbox, "customer", session.get("customer")) or {}
    items = []
    for item in checkout.line_items(sandbox.store, session["id"]):
        price = _read(sandbox, "price", item.get("price"))
        amount = item.get("amount_total")
        if amount is None and price:
            amount = (price.get("unit_amount") or 0) * (item.get("quantity") or 1)
        items.append({"name": _plan_name(sandbox, price, fallback=item.get("description") or "Plan"),
                      "price": _price_words(price), "amount": amount})
    currency = session.get("currency") or "usd"
    total = session.get("amount_total")
    if total is None:
        total = sum(i["amount"] or 0 for i in items)
    plan = items[0]["name"] if items else "your plan"
    return _render(
        "checkout.html", title=f"Subscribe to {plan}", status=status, plan=plan,
        price=items[0]["price"] if items else money(session.get("amount_total"), currency), items=items,
        currency=currency, total=total, sid=session["id"], cancel_url=session.get("cancel_url"), error=error,
        values=values, email=values.get("email") or session.get("customer_email") or customer.get("email") or "",
        name=values.get("name") or customer.get("name") or "")


# ---------------------------------------------------------------------------------------------- invoice

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
        headline = money(invoice.get("total"), currency)
    number = invoice.get("number") or ""
    facts = [("Invoice number", number), ("Date of issue", day(invoice.get("created")))]
    if invoice.get("due_date"):
        facts.append(("Date due", day(invoice.get("due_date"))))
    if status == "paid" and paid_at:
        facts.append(("Date paid", day(paid_at)))
    totals = [("Subtotal", invoice.get("subtotal"), False), ("Total", invoice.get("total"), False),
              ("Amount paid", invoice.get("amount_paid"), False), ("Amount due", still_owed(invoice), True)]
    bill_to = [v for v in (invoice.get("customer_name") or customer.get("name"),
                           invoice.get("customer_email") or customer.get("email")) if v]
    return _render(
        "invoice.html", title=f"Invoice {number}", status=status_code, invoice=invoice, currency=currency,
        headline=headline, facts=facts, totals=totals, bill_to=bill_to, owed=still_owed(invoice),
        done=done == "paid" and status == "paid", error=error, values=values or {})


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

def install(app: FastAPI, sandbox: Sandbox) -> None:
    """The hosted pages over one Sandbox, and the one handler that answers a PageError."""
    app.include_router(make_router(sandbox))
    app.add_exception_handler(PageError, error_page)


def make_router(sandbox: Sandbox) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    store = sandbox.store

    def portal_form(session_id: str, form: str, values: dict[str, str], action: Callable[[], object]) -> Response:
        loaded = _load_portal(sandbox, session_id)

        def act() -> Response:
            action()
            if loaded.flow and _get(loaded.session, "flow", "after_completion", "type") == "redirect" \
                    and loaded.completion_url:
                return RedirectResponse(loaded.completion_url, status_code=303)
            return RedirectResponse(f"/p/session/{quote(session_id, safe='')}?done={form}", status_code=303)

        def again(status: int, message: str) -> Response:
            return _portal_page(sandbox, _load_portal(sandbox, session_id), status=status, error=message,
                                error_form=form, values=values)
        return _submit(act, again)

    @router.get("/p/session/{session_id}", response_class=HTMLResponse)
    def portal_page(session_id: str, done: str | None = None) -> Response:
        return _portal_page(sandbox, _load_portal(sandbox, session_id), done=done)

    @router.post("/p/session/{session_id}/card")
    def portal_card(session_id: str, number: FormText = "", exp_month: FormText = "", exp_year: FormText = "",
                    cvc: FormText = "") -> Response:
        return portal_form(session_id, "card", {"exp_month": exp_month, "exp_year": exp_year},
                           lambda: portal.update_card(store, session_id,
                                                      **_card_input(number, exp_month, exp_year, cvc)))

    @router.post("/p/session/{session_id}/cancel")
    def portal_cancel(session_id: str, reason: FormText = "", comment: FormText = "") -> Response:
        def cancel() -> None:
            if reason not in CANCEL_REASONS:
                raise ValueError("Choose a reason for canceling.")
            portal.cancel(store, session_id, reason=reason, comment=comment.strip()[:500])
        return portal_form(session_id, "cancel", {"reason": reason, "comment": comment}, cancel)

    @router.post("/p/session/{session_id}/renew")
    def portal_renew(session_id: str) -> Response:
        return portal_form(session_id, "renew", {}, lambda: portal.renew(store, session_id))

    @router.get("/c/pay/{session_id}", response_class=HTMLResponse)
    def checkout_page(session_id: str) -> Response:
        return _checkout_page(sandbox, _load_checkout(sandbox, session_id))

    @router.post("/c/pay/{session_id}")
    def checkout_pay(session_id: str, email: FormText = "", name: FormText = "", number: FormText = "",
                     exp_month: FormText = "", exp_year: FormText = "", cvc: FormText = "") -> Response:
        _load_checkout(sandbox, session_id)
        values = {"email": email, "name": name, "exp_month": exp_month, "exp_year": exp_year}

        def pay() -> Response:
            if "@" not in email:
                raise ValueError("Enter your email address.")
            url = checkout.complete(store, session_id, email=email.strip(), name=name.strip(),
                                    **_card_input(number, exp_month, exp_year, cvc))
            return RedirectResponse(url, status_code=303)

        def again(status: int, message: str) -> Response:
            # paid or expired meanwhile: loading it again says so
            return _checkout_page(sandbox, _load_checkout(sandbox, session_id), status=status, error=message,
                                  values=values)
        return _submit(pay, again)

    @router.get("/i/{invoice_id}", response_class=HTMLResponse)
    def invoice_page(invoice_id: str, done: str | None = None) -> Response:
        return _invoice_page(sandbox, _load_invoice(sandbox, invoice_id), done=done)

    @router.post("/i/{invoice_id}/pay")
    def invoice_pay(invoice_id: str, number: FormText = "", exp_month: FormText = "", exp_year: FormText = "",
                    cvc: FormText = "") -> Response:
        """Pay an open invoice with a card, as Stripe's hosted invoice page does (not made the default card)."""
        invoice = _load_invoice(sandbox, invoice_id)

        def pay() -> Response:
            method = cards.create_payment_method(store, {"type": "card",
                                                         "card": _card_input(number, exp_month, exp_year, cvc)})
            cards.attach_payment_method(store, method["id"], {"customer": invoice["customer"]})
            collection.pay_invoice(store, invoice_id, {"payment_method": method["id"]})
            return RedirectResponse(f"/i/{quote(invoice_id, safe='')}?done=paid", status_code=303)

        def again(status: int, message: str) -> Response:
            return _invoice_page(sandbox, _load_invoice(sandbox, invoice_id), status_code=status, error=message,
                                 values={"exp_month": exp_month, "exp_year": exp_year})
        return _submit(pay, again, refused=409)

    @router.get("/i/{invoice_id}/pdf")
    def invoice_pdf(invoice_id: str) -> Response:
        invoice = _load_invoice(sandbox, invoice_id)
        document = sandbox.invoice_pdf(invoice_id)
        filename = f"Invoice-{invoice.get('number') or invoice_id}.pdf"
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in filename)
        return Response(document, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{safe}"', "Cache-Control": "no-store"})

    return router
