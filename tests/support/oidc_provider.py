"""A real OpenID Connect provider on loopback (oidc-provider-mock, authlib's server side), that keeps
the authorization and token requests it received so tests can check what the bridge sent."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
import werkzeug.serving
from oidc_provider_mock import User, app


@dataclass
class Provider:
    url: str
    received: list[tuple[str, dict[str, str]]] = field(default_factory=list)   # (path, query or form)

    def params(self, path: str) -> list[dict[str, str]]:
        return [params for at, params in self.received if at == path]


def _recording(wsgi: Any, provider: Provider) -> Any:
    def recording_app(environ: dict[str, Any], start_response: Any) -> Any:
        params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if environ["REQUEST_METHOD"] == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            params.update({k: v[0] for k, v in parse_qs(body.decode("latin-1")).items()})
        provider.received.append((environ["PATH_INFO"], params))
        return wsgi(environ, start_response)

    return recording_app


@contextmanager
def oidc_provider(users: Sequence[User] = ()) -> Iterator[Provider]:
    """The provider on 127.0.0.1 (its issuer is http://127.0.0.1:PORT), nonces required."""
    provider = Provider("")
    server = werkzeug.serving.make_server("127.0.0.1", 0, _recording(app(require_nonce=True, user_claims=users),
                                                                     provider), threaded=True)
    provider.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def sign_in_at(browser: httpx.Client, authorize_url: str, sub: str | None) -> httpx.Response:
    """What a person does on the provider's page: pick the account `sub` (None: press Deny). The answer
    is the provider's redirect back to the bridge."""
    page = browser.get(authorize_url)
    assert page.status_code == 200, page.text
    form = {"sub": sub} if sub is not None else {"action": "deny"}
    answer = browser.post(authorize_url, data=form)
    assert answer.status_code == 302, answer.text
    return answer
