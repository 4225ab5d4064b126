"""Browser sign-in (OAuth 2.0 for native apps): the authorize page, its form, and the token endpoint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from server_bridge.api import errors, schemas
from server_bridge.api.deps import SessionDep, SettingsDep
from server_bridge.auth.oauth import flow, loopback, pages
from server_bridge.auth.oauth.password import check_password, remember_device

router = APIRouter()

_PAGE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/html": {}}, "description": "The sign-in page."},
    400: {"content": {"text/html": {}}, "description": "An error page: the client_id or redirect_uri is not "
                                                     "acceptable (never redirected to), or the request expired."},
    303: {"description": "To the loopback redirect_uri with `error` (`invalid_request`, "
                         "`unsupported_response_type`), `error_description` and `state`."},
    "default": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
                "description": "`internal_error`: a bug"},
}
_BAD_CLIENT = ("This sign-in link is not valid",
               "It was not made by Billing Manager. Start signing in from the app again.")


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=pages.HEADERS)


def _one(request: Request, name: str) -> str | None:
    """A parameter given once; None if missing, "" (refused as a duplicate) if repeated."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    return values[0] if len(values) == 1 else ""


def _authorize_problem(request: Request) -> tuple[str, str] | None:
    """RFC 6749 §4.1.2.1's error and description for a request from a known client and redirect."""
    for name in ("response_type", "state", "code_challenge", "code_challenge_method"):
        if len(request.query_params.getlist(name)) > 1:
            return "invalid_request", f"{name} is given more than once."
    response_type = _one(request, "response_type")
    if not response_type:
        return "invalid_request", "response_type is required."
    if response_type != "code":
        return "unsupported_response_type", "Only response_type=code is supported."
    state = _one(request, "state")
    if not state or len(state) > loopback.MAX_STATE_LENGTH:
        return "invalid_request", f"state is required, up to {loopback.MAX_STATE_LENGTH} characters."
    challenge = _one(request, "code_challenge")
    if not challenge:
        return "invalid_request", "code_challenge is required (PKCE, RFC 7636)."
    if _one(request, "code_challenge_method") != "S256":
        return "invalid_request", "code_challenge_method must be S256."
    if not loopback.is_code_challenge(challenge):
        return "invalid_request", "code_challenge must be 43 characters of base64url (SHA-256)."
    return None


@router.get("/v1/auth/authorize", response_class=HTMLResponse, responses=_PAGE_RESPONSES)
def authorize(request: Request, session: SessionDep, settings: SettingsDep,
              response_type: Annotated[str | None, Query(description="`code`")] = None,
              client_id: Annotated[str | None, Query(description="`billing-manager`")] = None,
              redirect_uri: Annotated[str | None, Query(
                  description="http://127.0.0.1:PORT/PATH or http://[::1]:PORT/PATH")] = None,
              state: Annotated[str | None, Query(description="Echoed back to the redirect.")] = None,
              code_challenge: Annotated[str | None, Query(description="BASE64URL(SHA256(code_verifier))")] = None,
              code_challenge_method: Annotated[str | None, Query(description="`S256`")] = None) -> Response:
    """The sign-in page for the desktop app's browser sign-in."""
    if _one(request, "client_id") != loopback.CLIENT_ID:
        return pages.error_page(*_BAD_CLIENT)
    redirect = _one(request, "redirect_uri")
    if not redirect or not loopback.is_loopback_redirect(redirect):
        return pages.error_page(*_BAD_CLIENT)
    problem = _authorize_problem(request)
    if problem is not None:
        error, description = problem
        sane_state = _one(request, "state")
        if sane_state and len(sane_state) > loopback.MAX_STATE_LENGTH:
            sane_state = None
        return _redirect(loopback.redirect_with(redirect, error=error, error_description=description,
                                                state=sane_state or None))
    started = flow.start_request(session, redirect_uri=redirect, state=_one(request, "state") or "",
                                 code_challenge=_one(request, "code_challenge") or "",
                                 csrf=request.cookies.get(pages.csrf_cookie_name(settings)))
    return pages.sign_in_page(settings, request_id=started.request_id, csrf=started.csrf)


@router.post("/v1/auth/authorize", response_class=HTMLResponse, responses={
    303: {"description": "Signed in: to the loopback redirect_uri with `code` and `state`."},
    400: {"content": {"text/html": {}}, "description": "The page again with what is wrong, or an error page "
                                                     "when the sign-in request has expired."},
    401: {"content": {"text/html": {}}, "description": "The page again: the email or password is not right."},
    403: {"content": {"text/html": {}}, "description": "An error page: the form was not sent by the page this "
                                                     "browser was shown (CSRF)."},
    429: {"content": {"text/html": {}}, "description": "The page again: too many failed sign-ins."},
    503: {"content": {"text/html": {}}, "description": "The page again: too many sign-ins at once, try again."},
    "default": _PAGE_RESPONSES["default"]})
def authorize_sign_in(request: Request, session: SessionDep, settings: SettingsDep,
                      request_id: Annotated[str, Form(alias="request")] = "",
                      csrf: Annotated[str, Form()] = "", email: Annotated[str, Form()] = "",
                      password: Annotated[str, Form()] = "") -> Response:
    """The sign-in page's form (email, password, and the hidden request and csrf fields)."""
    try:
        pending = flow.pending_request(session, request_id)
    except flow.RequestExpired as exc:
        return pages.error_page("This sign-in has expired", exc.message)
    cookie = request.cookies.get(pages.csrf_cookie_name(settings))
    if not flow.csrf_matches(pending, cookie, csrf):
        return pages.error_page("This sign-in could not be checked",
                                "The form was not sent from the sign-in page this browser opened. "
                                "Start signing in from Billing Manager again.", status=403)
    email = email.strip()

    def again(message: str, status: int) -> HTMLResponse:
        return pages.sign_in_page(settings, request_id=request_id, csrf=csrf, email=email[:320], error=message,
                                  status=status)

    if not email or not password:
        return again("Enter your email and password.", 400)
    if len(email) > 320 or len(password) > 1024:
        return again("The email or password is too long.", 400)
    try:
        owner = check_password(request, email, password)
    except errors.ApiError as exc:
        return again(exc.message, exc.status)
    try:
        answer = _redirect(flow.finish_sign_in(session, settings, request_id, owner))
        remember_device(answer, settings, owner, secure=request.url.scheme == "https")
        return answer
    except flow.RequestExpired as exc:
        return pages.error_page("This sign-in has expired", exc.message)


@router.post("/v1/auth/token", responses=errors.oauth_documented(*errors.OAUTH_TOKEN_ERRORS))
def token(response: Response, session: SessionDep, settings: SettingsDep,
          grant_type: Annotated[str, Form(description="`authorization_code`")] = "",
          code: Annotated[str, Form(description="From the loopback redirect.")] = "",
          code_verifier: Annotated[str, Form(description="The PKCE verifier behind code_challenge.")] = "",
          redirect_uri: Annotated[str, Form(description="Exactly as in the authorize request.")] = "",
          client_id: Annotated[str, Form(description="`billing-manager`")] = "",
          device: Annotated[str, Form(description="This device's name, as for /v1/auth/login.")] = "",
          ) -> schemas.SignedIn:
    """Redeem a browser sign-in's code for the device's token (the answer of POST /v1/auth/login)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    try:
        if not grant_type:
            raise errors.OAuthInvalidRequest("grant_type is required.")
        if grant_type != "authorization_code":
            raise errors.OAuthUnsupportedGrantType()
        for name, value in (("code", code), ("code_verifier", code_verifier), ("redirect_uri", redirect_uri),
                            ("client_id", client_id), ("device", device)):
            if not value:
                raise errors.OAuthInvalidRequest(f"{name} is required.")
        if len(device) > 100:
            raise errors.OAuthInvalidRequest("device: up to 100 characters.")
        if len(code) > 100:
            raise errors.OAuthInvalidGrant("The sign-in code is not valid.")
        signed_in = flow.redeem(session, settings, code=code, verifier=code_verifier, redirect_uri=redirect_uri,
                                client_id=client_id, device=device)
    except errors.OAuthError as exc:
        return exc.response()   # type: ignore[return-value]
    return schemas.SignedIn(token=signed_in.token, expires_at=signed_in.expires_at,
                            owner=schemas.OwnerEmail(email=signed_in.owner.email),
                            device_proof=signed_in.device_proof)
