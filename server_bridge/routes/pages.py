"""The pages Stripe's hosted pages return to: they only say "go back to the app"."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter()

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - Billing Manager</title>
<style>
  body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; min-height: 100vh;
         display: flex; align-items: center; justify-content: center; background: #f6f7f9; color: #1d2330; }}
  main {{ max-width: 28rem; padding: 2.5rem; background: #fff; border-radius: 12px;
         box-shadow: 0 1px 4px rgba(0, 0, 0, .08); text-align: center; }}
  h1 {{ font-size: 1.35rem; margin: 0 0 .75rem; }}
  p {{ margin: .5rem 0; line-height: 1.5; }}
  @media (prefers-color-scheme: dark) {{
    body {{ background: #15181e; color: #e6e8ec; }} main {{ background: #20242c; box-shadow: none; }}
  }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p>{detail}</p>
<p>You can close this tab and go back to Billing Manager.</p>
</main>
</body>
</html>
"""


def _page(title: str, detail: str) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=escape(title), detail=escape(detail)),
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


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
