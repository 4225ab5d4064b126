"""The browser sign-in's HTML: the sign-in page and the error page (Jinja2, autoescaped)."""

from __future__ import annotations

import jinja2
from fastapi.responses import HTMLResponse

from server_bridge.settings import Settings

_TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("server_bridge", "templates"), autoescape=True,
                                undefined=jinja2.StrictUndefined)

# Nothing but this page's own inline style; never framed (clickjacking), never leaking the URL onwards.
HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                                      "frame-ancestors 'none'"}
CSRF_COOKIE = "bm_oauth_csrf"
COOKIE_PATH = "/v1/auth"
# Over https the cookie is a __Host- cookie (Secure, Path=/, no Domain): a sibling host cannot plant one.
SECURE_CSRF_COOKIE = "__Host-bm_oauth_csrf"


def csrf_cookie_name(settings: Settings) -> str:
    return SECURE_CSRF_COOKIE if settings.public_url.startswith("https://") else CSRF_COOKIE


def sign_in_page(settings: Settings, *, request_id: str, csrf: str, email: str = "", error: str = "",
                 status: int = 200) -> HTMLResponse:
    text = _TEMPLATES.get_template("oauth_sign_in.html").render(
        request_id=request_id, csrf=csrf, email=email, error=error,
        oidc_name=settings.oidc_name if settings.oidc_issuer else None)
    response = HTMLResponse(text, status_code=status, headers=HEADERS)
    secure = settings.public_url.startswith("https://")
    response.set_cookie(csrf_cookie_name(settings), csrf, path="/" if secure else COOKIE_PATH, httponly=True,
                        samesite="lax", secure=secure, max_age=86400)
    return response


def error_page(title: str, detail: str, *, status: int = 400) -> HTMLResponse:
    """A dead end that says why (RFC 6749 §4.1.2.1: a bad client or redirect is never redirected to)."""
    text = _TEMPLATES.get_template("oauth_error.html").render(title=title, detail=detail)
    return HTMLResponse(text, status_code=status, headers=HEADERS)
