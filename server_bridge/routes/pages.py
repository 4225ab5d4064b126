"""The pages Stripe's hosted pages return to: they only say "go back to the app"."""

from __future__ import annotations

import jinja2
from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter()

_TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("server_bridge", "templates"), autoescape=True,
                                undefined=jinja2.StrictUndefined)


def _page(title: str, detail: str) -> HTMLResponse:
    text = _TEMPLATES.get_template("return.html").render(title=title, detail=detail)
    return HTMLResponse(text, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@router.get("/return/portal", response_class=HTMLResponse)
def portal_return() -> HTMLResponse:
    return _page("All done", "Your billing changes have been saved. Billing Manager will show them in a moment.")


@router.get("/return/checkout/success", response_class=HTMLResponse)
def checkout_success() -> HTMLResponse:
    return _page("Thank you", "Your subscription has started. Billing Manager will show your new plan in a moment.")


@router.get("/return/checkout/cancel", response_class=HTMLResponse)
def checkout_cancel() -> HTMLResponse:
    return _page("Checkout cancelled", "Nothing was charged and nothing has changed.")


@router.get("/return/connect", response_class=HTMLResponse)
def connect_return() -> HTMLResponse:
    return _page("Thanks", "Stripe has what you entered. Billing Manager will show your account's status in a moment.")


@router.get("/return/connect/refresh", response_class=HTMLResponse)
def connect_refresh() -> HTMLResponse:
    return _page("This link has expired", "Choose \u201cFinish setup\u201d in Billing Manager again for a new one.")
