"""Connect's hosted pages: onboarding (from an account link) and the Express Dashboard (from a login
link), as Jinja templates over the sandbox's state. No JavaScript; Jinja escapes every value.

Onboarding asks for what is due and changes the account as Stripe would (`account.updated`,
`capability.updated`). A visited or expired link goes to the link's `refresh_url`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from stripe_sandbox.connect.accounts import ONBOARDING_FIELDS, PHOTO_ID, TEST_VALUES
from stripe_sandbox.money import money
from stripe_sandbox.periods import day as _day

if TYPE_CHECKING:
    from stripe_sandbox.state import Sandbox

_ENV = Environment(loader=PackageLoader("stripe_sandbox", "templates"), autoescape=select_autoescape(["html"]))
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}
WORDS = {"external_account": "a bank account for payouts", PHOTO_ID: "a photo ID",
         "individual.id_number": "your Social Security number", "tos_acceptance.date": "accepting the terms",
         "business_profile.url": "your website"}


def _page(template: str, status: int = 200, **values: Any) -> HTMLResponse:
    html = _ENV.get_template(f"connect/{template}").render(**values)
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def _missing() -> HTMLResponse:
    return _page("message.html", 404, title="Link not valid",
                 message="This link is not valid. Go back to the platform and open it again.")


def _needs(due: set[str]) -> dict[str, bool]:
    person = {f for f in ONBOARDING_FIELDS if f.startswith("individual.")} | {"individual.id_number"}
    return {"person": bool(due & person), "business": "business_profile.url" in due,
            "bank": "external_account" in due, "document": PHOTO_ID in due, "tos": "tos_acceptance.date" in due}


def _due(account: dict[str, Any]) -> set[str]:
    req = account["requirements"]
    return set(req["currently_due"] + req["past_due"] + [e["requirement"] for e in req["errors"]])


def make_router(sandbox: Sandbox) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def onboarding(token: str, *, status: int = 200, error: str | None = None,
                   values: dict[str, str] | None = None) -> Response:
        link = sandbox.connect.accounts.link_page(token, "onboarding")
        if link is None:
            return _missing()
        if link["used"] or link["expires_at"] < sandbox.now():
            if link["refresh_url"]:
                return RedirectResponse(link["refresh_url"], status_code=303, headers=_HEADERS)
            return _page("message.html", 410, title="Link expired",
                         message="This setup link has expired. Go back to the platform for a new one.")
        account = sandbox.connect.accounts.account_view(link["account"])
        due = _due(account)
        return _page("onboarding.html", status, title="Set up payments", business=account["business_profile"]["name"],
                     due=sorted(due), needs=_needs(due), errors=account["requirements"]["errors"], error=error,
                     values={**TEST_VALUES, "business_name": account["business_profile"]["name"] or "",
                             "email": account.get("email") or TEST_VALUES["email"], **(values or {})},
                     action=f"/setup/e/{token}", return_url=link["return_url"])

    @router.get("/setup/e/{token}", response_class=HTMLResponse)
    def onboarding_page(token: str) -> Response:
        return onboarding(token)

    @router.post("/setup/e/{token}")
    async def onboarding_submit(token: str, request: Request) -> Response:
        form = await request.form()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        upload = form.get("document")
        if upload is not None and not isinstance(upload, str) and upload.filename:
            values["document_name"] = upload.filename
        link = sandbox.connect.accounts.link_page(token, "onboarding")
        if link is None:
            return _missing()
        if link["used"] or link["expires_at"] < sandbox.now():
            return onboarding(token)
        try:
            await run_in_threadpool(sandbox.connect.accounts.submit_onboarding, token, values)
        except ValueError as exc:
            return onboarding(token, status=400, error=str(exc), values=values)
        if link["return_url"]:
            return RedirectResponse(link["return_url"], status_code=303, headers=_HEADERS)
        return _page("message.html", title="All set", message="Your details are submitted. You can close this page.")

    @router.get("/express/{token}", response_class=HTMLResponse)
    def dashboard(token: str) -> Response:
        link = sandbox.connect.accounts.link_page(token, "dashboard")
        if link is None:
            return _missing()
        view = sandbox.connect.accounts.dashboard_view(link["account"])
        account = view["account"]
        schedule = account["settings"]["payouts"]["schedule"]
        req = account["requirements"]
        return _page(
            "dashboard.html", title="Express Dashboard", business=account["business_profile"]["name"],
            due=[WORDS.get(f, f) for f in sorted(set(req["currently_due"] + req["past_due"]))],
            deadline=_day(req["current_deadline"]), payouts_enabled=account["payouts_enabled"],
            schedule=_schedule_words(schedule),
            balance=[{"currency": a["currency"], "available": money(a["amount"], a["currency"]),
                      "pending": money(p["amount"], p["currency"])}
                     for a, p in zip(view["balance"]["available"], view["balance"]["pending"])],
            payouts=[{"arrival": _day(p["arrival_date"]), "status": p["status"].replace("_", " "),
                      "failure": p["failure_message"], "amount": money(p["amount"], p["currency"])}
                     for p in view["payouts"]],
            charges=[{"date": _day(c["created"]), "description": c["description"] or "",
                      "email": c["billing_details"]["email"] or "", "amount": money(c["amount"], c["currency"])}
                     for c in view["charges"]])

    return router


def _schedule_words(schedule: dict[str, Any]) -> str:
    interval = schedule["interval"]
    if interval == "weekly":
        return f"weekly on {schedule['weekly_anchor'].title()}s"
    if interval == "monthly":
        return f"monthly on day {schedule['monthly_anchor']}"
    return {"daily": f"daily, {schedule['delay_days']} days after each payment", "manual": "manual"}.get(interval,
                                                                                                        interval)
