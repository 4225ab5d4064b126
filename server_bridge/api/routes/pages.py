"""The pages Stripe's hosted pages return to: what happened, and "go back to the app"."""

from __future__ import annotations

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter()

_TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("server_bridge", "templates"), autoescape=True,
                                undefined=jinja2.StrictUndefined)


def _page(title: str, detail: str) -> HTMLResponse:
    text = _TEMPLATES.get_template("return.html").render(title=title, detail=detail)
    return HTMLResponse(text, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


_DONE = {
    "payment_method_update": ("Card updated", "Your new card is saved and will be used for your next bills. "
                              "Billing Manager shows it in a moment."),
    "subscription_cancel": ("Plan canceled", "Your plan is set to end; you keep it until then. "
                            "Billing Manager shows the date in a moment, with a way to keep your plan."),
}
_LEFT = {
    "payment_method_update": "You left before saving a new card: your card on file stays as it was.",
    "subscription_cancel": "You left before canceling: your plan goes on as before.",
}


@router.get("/return/portal", response_class=HTMLResponse)
def portal_return(request: Request) -> HTMLResponse:
    """Where the Customer Portal sends the owner: `done=<flow>` once a flow is completed, `left=<flow>` by
    its back link (so nothing was changed), neither from the full portal (the bridge cannot know). Read from
    the query by hand: any other value is just the plain page, never a validation error."""
    done, left = request.query_params.get("done"), request.query_params.get("left")
    if done in _DONE:
        return _page(*_DONE[done])
    if left in _LEFT:
        return _page("No changes were made", _LEFT[left])
    return _page("Back from Stripe", "Any change you made there is saved, and Billing Manager shows it in a "
                 "moment. If you made none, nothing was changed.")


@router.get("/return/checkout/success", response_class=HTMLResponse)
def checkout_success() -> HTMLResponse:
    return _page("Thank you", "Your subscription has started. Billing Manager will show your new plan in a moment.")


@router.get("/return/checkout/cancel", response_class=HTMLResponse)
def checkout_cancel() -> HTMLResponse:
    return _page("No changes were made", "You left Checkout: nothing was charged and your plan is as it was.")


@router.get("/return/connect", response_class=HTMLResponse)
def connect_return() -> HTMLResponse:
    return _page("Back from Stripe", "Stripe has what you entered (if you left early, it keeps what you had "
                 "entered so far). Billing Manager shows your account's status in a moment.")


@router.get("/return/connect/refresh", response_class=HTMLResponse)
def connect_refresh() -> HTMLResponse:
    return _page("This link has expired", "Choose \u201cFinish setup\u201d in Billing Manager again for a new one.")
