"""Signing in through the system browser (OAuth 2.0 for native apps, RFC 8252, with PKCE, RFC 7636).

The app makes a PKCE verifier and a state, listens on 127.0.0.1 on a port the OS picks, and opens the
bridge's authorize page in the browser. The owner signs in there; the bridge sends the browser back to
http://127.0.0.1:PORT/callback?code=...&state=..., the listener answers it with a short page and hands
the code to `on_redirect` (on the listener's thread), and the app redeems it at /v1/auth/token
(BridgeClient.redeem_code). Qt-free: the UI turns `on_redirect` into a signal.
"""

from __future__ import annotations

import base64
import hashlib
import html
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

log = logging.getLogger(__name__)

CLIENT_ID = "billing-manager"
CALLBACK_PATH = "/callback"


def new_verifier() -> str:
    """RFC 7636 §4.1: 43-128 characters of [A-Za-z0-9-._~]; 64 random bytes give 86."""
    return secrets.token_urlsafe(64)


def challenge_for(verifier: str) -> str:
    """S256: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(bridge_url: str, *, redirect_uri: str, state: str, challenge: str) -> str:
    query = urlencode({"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": redirect_uri,
                       "state": state, "code_challenge": challenge, "code_challenge_method": "S256"})
    return f"{bridge_url.rstrip('/')}/v1/auth/authorize?{query}"


@dataclass(frozen=True)
class Redirect:
    """What the browser brought back: a code, or the bridge's `error` and its description."""

    code: str | None = None
    error: str | None = None
    description: str = ""


_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} - Billing Manager</title>
<style>body{{font-family:system-ui,sans-serif;display:flex;min-height:100vh;margin:0;align-items:center;
justify-content:center;background:#f6f7f9;color:#1d2330}}main{{max-width:26rem;padding:2rem;background:#fff;
border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08);text-align:center}}
@media (prefers-color-scheme:dark){{body{{background:#15181e;color:#e6e8ec}}main{{background:#20242c}}}}</style>
</head><body><main><h1>{title}</h1><p>{detail}</p><p>You can close this tab and go back to Billing Manager.</p>
</main></body></html>"""


def _page(title: str, detail: str) -> bytes:
    return _PAGE.format(title=html.escape(title), detail=html.escape(detail)).encode("utf-8")


class LoopbackListener:
    """An HTTP listener on 127.0.0.1, port 0, for one redirect carrying `state`.

    A request with another state (or none) is answered and ignored: only the browser this sign-in
    opened may end it. The first good redirect goes to `on_redirect`; later ones are told it is done.
    """

    def __init__(self, state: str, on_redirect: Callable[[Redirect], None], host: str = "127.0.0.1") -> None:
        self.state = state
        self._on_redirect = on_redirect
        self._lock = threading.Lock()
        self._delivered = False
        listener = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "BillingManager"
            sys_version = ""

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                status, body = listener._answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("Referrer-Policy", "no-referrer")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                log.debug("loopback: " + format, *args)

        server = ThreadingHTTPServer((host, 0), Handler, bind_and_activate=False)
        server.daemon_threads = True
        server.block_on_close = False
        try:
            server.server_bind()
            server.server_activate()
        except OSError:
            server.server_close()
            raise
        self._server = server
        self.port = server.server_address[1]
        self.redirect_uri = f"http://{host}:{self.port}{CALLBACK_PATH}"
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="oauth-loopback", daemon=True)
        self._thread.start()

    def _answer(self, path: str) -> tuple[int, bytes]:
        parts = urlsplit(path)
        if parts.path != CALLBACK_PATH:
            return 404, _page("Not found", "There is nothing here.")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if not secrets.compare_digest(query.get("state", ""), self.state):
            return 400, _page("Not this sign-in", "This page did not come from the sign-in Billing Manager "
                                                  "is waiting for. Start signing in from the app again.")
        with self._lock:
            first, self._delivered = not self._delivered, True
        if not first:
            return 200, _page("Already done", "Billing Manager already has this sign-in.")
        if query.get("code"):
            self._on_redirect(Redirect(code=query["code"]))
            return 200, _page("Signed in", "Billing Manager is finishing signing you in.")
        error = query.get("error") or "invalid_request"
        description = query.get("error_description") or "The billing server did not sign you in."
        self._on_redirect(Redirect(error=error, description=description))
        return 200, _page("Sign-in did not finish", description)

    def close(self) -> None:
        """Stop listening (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()


class BrowserSignIn:
    """One sign-in through the browser: the verifier, the state, the listener and the URL to open."""

    def __init__(self, bridge_url: str, on_redirect: Callable[[Redirect], None]) -> None:
        self.bridge_url = bridge_url.strip().rstrip("/")
        self.verifier = new_verifier()
        self.state = secrets.token_urlsafe(24)
        self.listener = LoopbackListener(self.state, on_redirect)
        self.redirect_uri = self.listener.redirect_uri
        self.url = authorize_url(self.bridge_url, redirect_uri=self.redirect_uri, state=self.state,
                                 challenge=challenge_for(self.verifier))

    def close(self) -> None:
        self.listener.close()
