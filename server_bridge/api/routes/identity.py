"""The browser's identity pages: "forgot password" and its one-time link, and the trip to the
platform's OpenID Connect provider. HTML for a person, not JSON for the desktop."""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from server_bridge.api.deps import SessionDep, SettingsDep
from server_bridge.api.errors import AccountDisabled, ApiError, InvalidRequest, documented
from server_bridge.auth import oauth
from server_bridge.auth.identity import oidc, pages, resets
from server_bridge.db.models import OidcSignIn, Owner
from server_bridge.edge.client_address import client_address
from server_bridge.settings import Settings

router = APIRouter()


PAGE_ANSWERS = {
    400: "a page saying what is wrong (the sign-in it belongs to has expired)",
    403: "a page: the form was not sent from the page this browser opened, or the account may not sign in",
    404: "a page: the link is not valid or has expired, or this bridge does not offer it",
    429: "a page: too many requests from this address or for this email; `Retry-After`",
}


def _page_errors(*failures: type[ApiError]) -> dict[int | str, dict[str, Any]]:
    """documented(...) for a route that answers HTML: the input the route cannot take (400), a body over
    its limit (413) and a bug are the JSON envelope; what a person meets answers a page (PAGE_ANSWERS)."""
    responses = documented(*failures)
    for response in responses.values():
        response.pop("model")
        response["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for status, page in PAGE_ANSWERS.items():
        answer = responses.setdefault(status, {"description": page, "content": {}})
        if answer["description"] != page:
            answer["description"] += f"; or {page}"
        answer["content"]["text/html"] = {}
    return responses


FORGOT_PATH = "/v1/auth/forgot"
BROWSER_COOKIE = "bm_oidc"
Token = Annotated[str, Path(min_length=1, max_length=128)]


def _address(request: Request) -> str:
    """The client, as sign-in counts it: the peer, or a trusted proxy's header (client_address)."""
    return client_address(request, request.app.state.settings)


def _no_mail() -> HTMLResponse:
    return pages.message("Ask the platform", "This bridge does not send mail. Ask the platform's support for a "
                         "link to choose a new password.")


# Forgot password --------------------------------------------------------------------------------

@router.get(FORGOT_PATH, response_class=HTMLResponse, responses=_page_errors())
def forgot_form(request: Request, settings: SettingsDep) -> Response:
    """The "forgot password" form: an email address."""
    if not settings.sends_mail:
        return _no_mail()
    return pages.form("forgot.html", request, settings, title="Forgot your password?", problem=None, email="")


@router.post(FORGOT_PATH, response_class=HTMLResponse, responses=_page_errors(InvalidRequest))
def forgot(request: Request, session: SessionDep, settings: SettingsDep, background: BackgroundTasks,
           email: Annotated[str, Form(max_length=320)] = "",
           csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Mail a one-time link if the email is an owner's. The answer is the same either way; 429 (a page,
    with Retry-After) when this client address sent too many forms lately; 403 when the form's CSRF
    token does not match its cookie."""
    if not settings.sends_mail:
        return _no_mail()
    if not pages.csrf_ok(request, settings, csrf):
        return pages.expired_form(FORGOT_PATH)
    email = email.strip()
    if "@" not in email:
        return pages.form("forgot.html", request, settings, title="Forgot your password?", email=email,
                          problem="Enter the email address you sign in with.")
    try:
        may_send = resets.count_request(session, email, _address(request))
    except resets.TooManyRequests as exc:
        minutes = max(1, -(-(exc.retry_after - 1) // 60))
        response = pages.message("Too many requests", f"Wait {minutes} minutes, then ask again.", status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if may_send:
        background.add_task(resets.send_link, request.app.state.sessions, settings, email)
    return pages.message("Check your mail", f"If {email} belongs to a Billing Manager account, a link to choose a "
                         f"new password is on its way. It works once, within {settings.password_reset_minutes} "
                         "minutes. Nothing after a few minutes? Look in the spam folder.")


def _dead_link(settings: Settings) -> HTMLResponse:
    again = (FORGOT_PATH, "Ask for a new link") if settings.sends_mail else None
    return pages.message("This link no longer works", "It was used already, or it expired. Links work once, "
                         f"within {settings.password_reset_minutes} minutes.", status=404, link=again)


def _reset_form(request: Request, settings: Settings, token: str, owner: Owner, problem: str | None) -> Response:
    return pages.form("reset.html", request, settings, title="Choose a new password", email=owner.email,
                      problem=problem, action=f"/v1/auth/reset/{token}", min_length=settings.password_min_length,
                      max_length=resets.PASSWORD_MAX_LENGTH)


@router.get("/v1/auth/reset/{token}", response_class=HTMLResponse, responses=_page_errors(InvalidRequest))
def reset_form(token: Token, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The new-password form of a live link (404 page for a used, expired or unknown one). Opening it
    does not spend the link: mail scanners open links too."""
    owner = resets.live_link_owner(session, token)
    if owner is None:
        return _dead_link(settings)
    return _reset_form(request, settings, token, owner, None)


@router.post("/v1/auth/reset/{token}", response_class=HTMLResponse, responses=_page_errors(InvalidRequest))
def reset(token: Token, request: Request, session: SessionDep, settings: SettingsDep,
          password: Annotated[str, Form(max_length=4096)] = "", repeated: Annotated[str, Form(max_length=4096)] = "",
          csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Set the new password (twice the same, long enough) and spend the link: the owner's devices are
    signed out. 404 page for a dead link, 403 for a CSRF token that does not match its cookie."""
    if not pages.csrf_ok(request, settings, csrf):
        return pages.expired_form(f"/v1/auth/reset/{token}")
    owner = resets.live_link_owner(session, token)
    if owner is None:
        return _dead_link(settings)
    problem = resets.new_password_problem(settings, password, repeated)
    if problem:
        return _reset_form(request, settings, token, owner, problem)
    try:
        owner = resets.use(session, token, password)
    except resets.LinkDead:
        return _dead_link(settings)
    return pages.message("Your password is changed", f"Sign in to Billing Manager as {owner.email} with the new "
                         "password. Devices that were signed in have been signed out.")


# OpenID Connect ---------------------------------------------------------------------------------

def _provider(request: Request) -> oidc.Provider | None:
    return request.app.state.oidc


def _refused(exc: oidc.SignInRefused, back: str | None = None) -> HTMLResponse:
    return pages.message(exc.title, exc.detail, status=exc.status,
                         link=(back, "Sign in another way") if back else None)


def _sign_in_page(sessions: sessionmaker[Session], request_id: str) -> str | None:
    """The bridge's sign-in page again for the desktop's request, while it is pending: the desktop still
    waits on its loopback address with the same state and verifier, so a password sign-in there works."""
    with sessions() as session:
        try:
            pending = oauth.pending_request(session, request_id)
        except oauth.RequestExpired:
            return None
        return "/v1/auth/authorize?" + urlencode({
            "response_type": "code", "client_id": pending.client_id, "redirect_uri": pending.redirect_uri,
            "state": pending.state, "code_challenge": pending.code_challenge, "code_challenge_method": "S256"})


def _not_set_up() -> HTMLResponse:
    return pages.message("Not available", "This bridge does not sign in with the platform's accounts. Sign in "
                         "with your Billing Manager password.", status=404)


@router.get("/v1/auth/oidc/start", response_class=HTMLResponse,
            responses={302: {"description": "To the platform's identity provider"}, **_page_errors(InvalidRequest)})
async def oidc_start(request: Request, settings: SettingsDep,
                     authorization_request: Annotated[str, Query(alias="request", min_length=1, max_length=255)]
                     ) -> Response:
    """Send the browser to the platform's identity provider (302) for the desktop's pending authorization
    request `request`. A page instead when OpenID Connect is not configured (404), the request is not
    pending (400) or the provider's discovery fails (502, with a way back to the sign-in page)."""
    provider = _provider(request)
    if provider is None:
        return _not_set_up()
    try:
        trip = await provider.trip()
    except oidc.SignInRefused as exc:
        return _refused(exc, await run_in_threadpool(_sign_in_page, request.app.state.sessions,
                                                     authorization_request))
    browser = request.cookies.get(pages.cookie_name(settings, BROWSER_COOKIE)) or ""
    if len(browser) != 43:
        browser = secrets.token_urlsafe(32)

    def save() -> None:
        with request.app.state.sessions() as session:
            oauth.pending_request(session, authorization_request)
            oidc.save_trip(session, trip, browser, authorization_request)

    try:
        await run_in_threadpool(save)
    except oauth.RequestExpired as exc:
        return pages.message("This sign-in has expired", exc.message, status=400)
    response = RedirectResponse(trip.url, status_code=302, headers=pages.HEADERS)
    # Lax: the provider sends the browser back with a top-level GET from its own site.
    pages.set_cookie(response, settings, BROWSER_COOKIE, browser, path="/v1/auth/oidc", samesite="lax",
                     max_age=oidc.TRIP_SECONDS)
    return response


@router.get(oidc.CALLBACK_PATH, response_class=HTMLResponse,
            responses={303: {"description": "To the desktop's loopback address, with a code"},
                       **_page_errors(InvalidRequest)})
async def oidc_callback(request: Request, settings: SettingsDep,
                        state: Annotated[str, Query(max_length=512)] = "",
                        code: Annotated[str, Query(max_length=4096)] = "",
                        error: Annotated[str, Query(max_length=128)] = "") -> Response:
    """Where the provider sends the browser back. A verified email of an owner finishes the desktop's
    sign-in (303 to its loopback address with a code); anything else is a page saying why (400; 403 for
    an email that is not an owner's or not verified; 502 when the provider fails), with a way back to
    the sign-in page while the desktop's request is pending."""
    provider = _provider(request)
    if provider is None:
        return _not_set_up()
    sessions = request.app.state.sessions

    def take() -> OidcSignIn:
        with sessions() as session:
            return oidc.take_trip(session, state, request.cookies.get(pages.cookie_name(settings, BROWSER_COOKIE)))

    trip: OidcSignIn | None = None
    try:
        if error:
            # Only a page, whoever sent it; the trip, if named, is spent. (Some providers leave the state out.)
            if state:
                trip = await run_in_threadpool(take)
            raise oidc.SignInRefused(f"You cancelled signing in with {provider.name}." if error == "access_denied"
                                     else f"{provider.name} did not sign you in. Start again from Billing Manager.")
        if not state or not code:
            raise oidc.SignInRefused("The answer from the sign-in service is incomplete. Start again from "
                                     "Billing Manager.")
        trip = await run_in_threadpool(take)
        claims = await provider.verified_claims(code, trip.nonce, trip.code_verifier)

        def finish() -> Response:
            with sessions() as session:
                owner = oidc.verified_owner(session, claims, provider.name)
                return _finish(session, settings, trip.request_id, owner)

        return await run_in_threadpool(finish)
    except oidc.SignInRefused as exc:
        back = await run_in_threadpool(_sign_in_page, sessions, trip.request_id) if trip is not None else None
        return _refused(exc, back)


def _finish(session: Session, settings: Settings, request_id: str, owner: Owner) -> Response:
    """Hand the verified owner to the desktop's pending authorization request: to its loopback address."""
    try:
        return RedirectResponse(oauth.finish_sign_in(session, settings, request_id, owner), status_code=303,
                                headers=pages.HEADERS)
    except oauth.RequestExpired as exc:
        return pages.message("This sign-in has expired", exc.message, status=400)
    except AccountDisabled as exc:
        return pages.message("You are not signed in", exc.message, status=403)
