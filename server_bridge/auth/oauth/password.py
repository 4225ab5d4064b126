"""The sign-in page's password check: the very check `POST /v1/auth/login` makes
(auth.verify_credentials, with its limits), so the page is no way around the limits on guessing.

The browser keeps its own device proof in a cookie (OWASP's "device cookie", which the desktop keeps in
its secret store instead): a browser that signed this owner in before is not locked out by a stranger's
wrong guesses at the email, while the limits per address still apply.
"""

from __future__ import annotations

import anyio.from_thread
from fastapi import Request, Response

from server_bridge.auth import device_proofs, owners
from server_bridge.db.models import Owner
from server_bridge.edge.client_address import client_address
from server_bridge.settings import Settings

PROOF_COOKIE = "bm_device_proof"


def check_password(request: Request, email: str, password: str) -> Owner:
    """The owner these credentials sign in, or the ApiError auth.verify_credentials raises. Called from
    a sync route (a worker thread), so it waits for its turn there."""
    state = request.app.state
    return anyio.from_thread.run(_verify, request, state.settings, email, password)


async def _verify(request: Request, settings: Settings, email: str, password: str) -> Owner:
    state = request.app.state
    return await owners.verify_credentials(state.sessions, settings, state.password_checks, email=email,
                                           password=password, address=client_address(request, settings),
                                           device_proof=request.cookies.get(PROOF_COOKIE))


def remember_device(response: Response, settings: Settings, owner: Owner, *, secure: bool) -> None:
    """A new device proof for this browser, as an HttpOnly cookie kept as long as the proof is valid."""
    response.set_cookie(PROOF_COOKIE, device_proofs.issue(settings, owner.email),
                        max_age=settings.device_proof_days * 86400, path="/v1/auth/", httponly=True,
                        secure=secure, samesite="lax")
