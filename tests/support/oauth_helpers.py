"""The browser sign-in's other ends, for the bridge's tests: a loopback listener like the app's and a browser."""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx

from server_bridge.auth.oauth.loopback import s256

CLIENT_ID = "billing-manager"


class Loopback:
    """An HTTP listener on 127.0.0.1 (or ::1), port 0, recording the query of every request it gets."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        received = self.received = []   # type: list[dict[str, str]]

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                query = parse_qs(urlsplit(self.path).query)
                received.append({k: v[0] for k, v in query.items()})
                body = b"<p>You can close this tab.</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server_class = type("Server", (ThreadingHTTPServer,), {"address_family": 10 if ":" in host else 2})
        self.server = server_class((host, 0), Handler)
        port = self.server.server_address[1]
        self.redirect_uri = f"http://[{host}]:{port}/callback" if ":" in host else f"http://{host}:{port}/callback"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Authorization:
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    def params(self, redirect: str, /, **overrides: str | None) -> dict[str, str]:
        params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": redirect,
                  "state": self.state, "code_challenge": s256(self.verifier), "code_challenge_method": "S256"}
        params.update(overrides)   # type: ignore[arg-type]
        return {k: v for k, v in params.items() if v is not None}


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name!r} on the page"
    return found.group(1)


def sign_in_form(browser: httpx.Client, bridge_url: str, params: dict[str, str]) -> dict[str, str]:
    """Open the authorize page; the form's hidden fields."""
    page = browser.get(f"{bridge_url}/v1/auth/authorize", params=params)
    assert page.status_code == 200, page.text
    return {"request": hidden(page.text, "request"), "csrf": hidden(page.text, "csrf")}


def redeem(client: httpx.Client, code: str, verifier: str, redirect: str, /, *, device: str = "laptop",
           **overrides: str | None) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": redirect, "client_id": CLIENT_ID, "device": device, **overrides}
    return client.post("/v1/auth/token", data={k: v for k, v in data.items() if v is not None})
