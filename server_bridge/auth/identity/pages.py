"""The identity pages' HTML (Jinja templates in server_bridge/templates/identity, on the bridge's one page.html) and their guards.

Every page: no caching, no Referer (a reset link's token is in the URL), no framing. Forms carry a
double-submit CSRF token: a random value in a SameSite=Strict cookie and the same in a hidden field.
"""

from __future__ import annotations

import secrets
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from server_bridge.settings import Settings

CSRF_COOKIE = "bm_csrf"
_TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("server_bridge", "templates"),
                                autoescape=True, undefined=jinja2.StrictUndefined)
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                      "frame-ancestors 'none'"}


def page(template: str, status: int = 200, **values: Any) -> HTMLResponse:
    text = _TEMPLATES.get_template(f"identity/{template}").render(**values)
    return HTMLResponse(text, status_code=status, headers=HEADERS)


def message(title: str, detail: str, *, status: int = 200, link: tuple[str, str] | None = None) -> HTMLResponse:
    """A page that only says something, with at most one link (href, label)."""
    return page("message.html", status, title=title, detail=detail, link=link)


def cookie_name(settings: Settings, name: str) -> str:
    """Over https a __Host- cookie (Secure, Path=/, no Domain): a sibling host cannot plant one."""
    return f"__Host-{name}" if settings.public_url.startswith("https://") else name


def set_cookie(response: Response, settings: Settings, name: str, value: str, *, path: str, samesite: str,
               max_age: int | None = None) -> None:
    secure = settings.public_url.startswith("https://")
    response.set_cookie(cookie_name(settings, name), value, max_age=max_age, path="/" if secure else path,
                        httponly=True, samesite=samesite, secure=secure)  # type: ignore[arg-type]


def form(template: str, request: Request, settings: Settings, status: int = 200, **values: Any) -> HTMLResponse:
    """A form page with its CSRF token, in the field and (again) in the cookie."""
    token = request.cookies.get(cookie_name(settings, CSRF_COOKIE)) or ""
    if len(token) != 43:
        token = secrets.token_urlsafe(32)
    response = page(template, status, csrf=token, **values)
    set_cookie(response, settings, CSRF_COOKIE, token, path="/v1/auth", samesite="strict")
    return response


def csrf_ok(request: Request, settings: Settings, field: str) -> bool:
    cookie = request.cookies.get(cookie_name(settings, CSRF_COOKIE), "")
    return bool(cookie) and secrets.compare_digest(cookie.encode(), field.encode())


def expired_form(again: str) -> HTMLResponse:
    return message("This form has expired", "Open the page again and send it from there.", status=403,
                   link=(again, "Open it again"))
