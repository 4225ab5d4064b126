"""Signing in with the platform's own account (OpenID Connect): a browser's requests from the bridge to
a real provider on loopback and back, on SQLite and PostgreSQL; the ID token checks one by one; and
the verified email mapped to an owner, never to a new account."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from oidc_provider_mock import User
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from server_bridge.app import create_app
from server_bridge.auth import owners
from server_bridge.auth.identity import oidc
from server_bridge.db.models import AuthorizationRequest, OidcSignIn, Owner, Token
from server_bridge.settings import Settings
from stripe_sandbox.serving import ThreadedServer
from tests.support.bridges import Bridge
from tests.support.oauth_helpers import Authorization, Loopback, hidden, redeem
from tests.support.oidc_provider import Provider, oidc_provider, sign_in_at

OWNER = "owner@example.test"
CLIENT_ID, CLIENT_SECRET = "billing-bridge", "bridge-secret"
USERS = [User(sub="owner-1", claims={"email": "Owner@Example.test", "email_verified": True}),
         User(sub="unverified", claims={"email": OWNER, "email_verified": False}),
         User(sub="stranger", claims={"email": "stranger@example.test", "email_verified": True}),
         User(sub="no-email", claims={})]


@contextmanager
def bridge_on(database_url: str, data_dir: Path, **overrides: Any) -> Iterator[Bridge]:
    """A bridge whose public URL is its own address, so the provider sends the browser back to it."""
    server = ThreadedServer(app=None)
    url = server.bind()
    settings = Settings(**{"database_url": database_url, "data_dir": data_dir, "stripe_secret_key": None,
                           "webhook_secrets": [], "plans": {}, "public_url": url, **overrides})
    app = create_app(settings)
    server.app = app
    server.start()
    try:
        yield Bridge(url, app, settings)
    finally:
        app.state.bus.close()
        server.stop()


def oidc_settings(provider: Provider) -> dict[str, Any]:
    return {"oidc_issuer": provider.url, "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET,
            "oidc_name": "Acme Sites"}


@pytest.fixture
def provider() -> Iterator[Provider]:
    with oidc_provider(USERS) as started:
        yield started


@pytest.fixture
def bridge(db_url: str, tmp_path: Path, provider: Provider) -> Iterator[Bridge]:
    with bridge_on(db_url, tmp_path, **oidc_settings(provider)) as started:
        with started.sessions() as session:
            owners.add_owner(session, OWNER, "a password", customer_id="cus_owner")
            session.commit()
        yield started


def pending_request(browser: httpx.Client, redirect: str = "http://127.0.0.1:9/callback",
                    grant: Authorization | None = None) -> str:
    """Open the bridge's sign-in page as the desktop does; the request id its OpenID Connect button names."""
    page = browser.get("/v1/auth/authorize", params=(grant or Authorization()).params(redirect))
    assert page.status_code == 200, page.text
    button = re.search(r'<a class="button" id="oidc" href="([^"]+)"', page.text)
    assert button, "the sign-in page offers the platform's accounts"
    link = urlsplit(html.unescape(button.group(1)))
    assert link.path == "/v1/auth/oidc/start"
    return parse_qs(link.query)["request"][0]


def start(browser: httpx.Client, request_id: str | None = None) -> httpx.Response:
    answer = browser.get("/v1/auth/oidc/start", params={"request": request_id or pending_request(browser)})
    assert answer.status_code == 302, answer.text
    return answer


def to_the_provider_and_back(browser: httpx.Client, sub: str | None) -> httpx.Response:
    """Start at the bridge, sign in at the provider as `sub`, follow the provider back to the bridge."""
    back = sign_in_at(browser, start(browser).headers["location"], sub)
    return browser.get(back.headers["location"])


def counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        return (session.execute(select(func.count()).select_from(Owner)).scalar_one(),
                session.execute(select(func.count()).select_from(Token)).scalar_one())


def test_the_platform_account_signs_the_desktop_in(bridge: Bridge, provider: Provider) -> None:
    """The desktop's authorize request -> the bridge's page -> the provider -> the callback -> the
    desktop's loopback listener with a code -> the device token."""
    grant, loopback = Authorization(), Loopback()
    try:
        with bridge.client() as browser:
            request_id = pending_request(browser, loopback.redirect_uri, grant)
            going = start(browser, request_id)
            assert going.headers["location"].startswith(provider.url + "/oauth2/authorize?")
            assert "bm_oidc" in browser.cookies
            back = sign_in_at(browser, going.headers["location"], "owner-1")
            assert back.headers["location"].startswith(bridge.url + oidc.CALLBACK_PATH + "?")
            handed = browser.get(back.headers["location"])
            assert handed.status_code == 303 and handed.headers["location"].startswith(loopback.redirect_uri + "?")
            assert browser.get(handed.headers["location"]).status_code == 200
        received = loopback.received[-1]
        assert received["state"] == grant.state and received["code"]
        with bridge.client() as desktop:
            answer = redeem(desktop, received["code"], grant.verifier, loopback.redirect_uri)
            assert answer.status_code == 200, answer.text
            token = answer.json()["token"]
            me = desktop.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200 and me.json()["email"] == OWNER and me.json()["device"] == "laptop"
    finally:
        loopback.close()

    asked = provider.params("/oauth2/authorize")[0]
    assert asked["client_id"] == CLIENT_ID and asked["response_type"] == "code"
    assert set(asked["scope"].split()) == {"openid", "email"}
    assert asked["redirect_uri"] == bridge.url + oidc.CALLBACK_PATH and asked["nonce"]
    traded = provider.params("/oauth2/token")[0]
    assert traded["grant_type"] == "authorization_code" and traded["redirect_uri"] == asked["redirect_uri"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(traded["code_verifier"].encode()).digest()).rstrip(b"=")
    assert asked["code_challenge_method"] == "S256" and asked["code_challenge"] == challenge.decode()
    with bridge.sessions() as session:
        assert session.execute(select(OidcSignIn)).scalars().all() == [], "a trip is kept only until it ends"


def test_an_expired_or_finished_desktop_request_is_not_signed_in(bridge: Bridge) -> None:
    with bridge.client() as browser:
        unknown = browser.get("/v1/auth/oidc/start", params={"request": "made-up"})
        assert unknown.status_code == 400 and "expired" in unknown.text
        back = sign_in_at(browser, start(browser).headers["location"], "owner-1").headers["location"]
        with bridge.sessions() as session:
            session.query(AuthorizationRequest).update({AuthorizationRequest.expires_at: owners.now() - 1})
            session.commit()
        late = browser.get(back)
    assert late.status_code == 400 and "expired" in late.text and "location" not in late.headers


@pytest.mark.parametrize("sub, says", [("stranger", "No Billing Manager account uses stranger@example.test"),
                                       ("unverified", "has not verified owner@example.test"),
                                       ("no-email", "did not share an email address")])
def test_an_email_that_is_not_a_verified_owners_gets_a_page_never_an_account(bridge: Bridge, sub: str,
                                                                            says: str) -> None:
    before = counts(bridge.sessions)
    with bridge.client() as browser:
        answer = to_the_provider_and_back(browser, sub)
    assert answer.status_code == 403 and says in answer.text and "No Billing Manager account" in answer.text
    assert counts(bridge.sessions) == before


def test_after_a_refusal_the_owner_can_sign_in_another_way(bridge: Bridge) -> None:
    """The refusal page leads back to the sign-in page of the same desktop request: a password sign-in
    there reaches the desktop, which still waits with the same state and verifier."""
    grant, loopback = Authorization(), Loopback()
    try:
        with bridge.client() as browser:
            request_id = pending_request(browser, loopback.redirect_uri, grant)
            back = sign_in_at(browser, start(browser, request_id).headers["location"], "stranger")
            refused = browser.get(back.headers["location"])
            assert refused.status_code == 403
            again = re.search(r'<a class="button" href="([^"]+)">Sign in another way</a>', refused.text)
            assert again, refused.text
            page = browser.get(html.unescape(again.group(1)))
            assert page.status_code == 200 and 'id="sign-in"' in page.text
            fields = {name: hidden(page.text, name) for name in ("request", "csrf")}
            landed = browser.post("/v1/auth/authorize", data={**fields, "email": OWNER, "password": "a password"})
            assert landed.status_code == 303 and landed.headers["location"].startswith(loopback.redirect_uri)
            browser.get(landed.headers["location"])
        received = loopback.received[-1]
        assert received["state"] == grant.state
        with bridge.client() as desktop:
            assert redeem(desktop, received["code"], grant.verifier, loopback.redirect_uri).status_code == 200
    finally:
        loopback.close()


def test_a_disabled_owner_is_not_signed_in(bridge: Bridge) -> None:
    with bridge.sessions() as session:
        owner = owners.find_owner(session, OWNER)
        assert owner is not None
        owners.disable_owner(session, owner)
        session.commit()
    with bridge.client() as browser:
        answer = to_the_provider_and_back(browser, "owner-1")
    assert answer.status_code == 403 and "disabled" in answer.text


def test_the_answer_works_once_and_only_in_the_browser_that_started(bridge: Bridge) -> None:
    with bridge.client() as browser:
        back = sign_in_at(browser, start(browser).headers["location"], "owner-1").headers["location"]
        with bridge.client() as elsewhere:
            stolen = elsewhere.get(back)
        assert stolen.status_code == 400 and "another browser" in stolen.text
        assert browser.get(back).status_code == 400, "the stolen try spent the state"

        back = sign_in_at(browser, start(browser).headers["location"], "owner-1").headers["location"]
        assert browser.get(back).status_code == 303
        replay = browser.get(back)
        assert replay.status_code == 400 and "already used" in replay.text


def test_a_trip_that_took_too_long_is_refused(bridge: Bridge) -> None:
    with bridge.client() as browser:
        back = sign_in_at(browser, start(browser).headers["location"], "owner-1").headers["location"]
        with bridge.sessions() as session:
            session.query(OidcSignIn).update({OidcSignIn.expires_at: owners.now() - 1})
            session.commit()
        late = browser.get(back)
    assert late.status_code == 400 and "took too long" in late.text


def test_denying_at_the_provider_says_so(bridge: Bridge) -> None:
    with bridge.client() as browser:
        answer = to_the_provider_and_back(browser, None)
    assert answer.status_code == 400 and "You cancelled signing in with Acme Sites" in answer.text


def test_a_forged_callback_is_refused(bridge: Bridge) -> None:
    with bridge.client() as browser:
        start(browser)
        forged = browser.get(oidc.CALLBACK_PATH, params={"state": "made-up", "code": "made-up"})
        missing = browser.get(oidc.CALLBACK_PATH)
    assert forged.status_code == 400 and "already used" in forged.text
    assert missing.status_code == 400 and "incomplete" in missing.text


def test_a_start_without_its_request_is_the_error_envelope(bridge: Bridge) -> None:
    with bridge.client() as client:
        answer = client.get("/v1/auth/oidc/start")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_request"


def test_without_oidc_the_routes_say_so(make_bridge: Callable[..., Bridge], db_url: str) -> None:
    bridge = make_bridge(db_url)
    with bridge.client() as browser:
        for path in ("/v1/auth/oidc/start?request=r", oidc.CALLBACK_PATH + "?state=s&code=c"):
            answer = browser.get(path)
            assert answer.status_code == 404 and "password" in answer.text


def test_a_provider_out_of_reach_gets_a_page(db_url: str, tmp_path: Path) -> None:
    with oidc_provider() as gone:
        issuer = gone.url
    with bridge_on(db_url, tmp_path, oidc_issuer=issuer, oidc_client_id=CLIENT_ID,
                   oidc_client_secret=CLIENT_SECRET, oidc_name="Acme Sites") as bridge, bridge.client() as browser:
        answer = browser.get("/v1/auth/oidc/start", params={"request": pending_request(browser)})
    assert answer.status_code == 502 and "Acme Sites could not be reached" in answer.text


def test_settings_refuse_a_half_or_plain_http_configuration() -> None:
    with pytest.raises(ValueError, match="CLIENT_ID"):
        Settings(database_url="sqlite://", oidc_issuer="https://id.example.com")
    with pytest.raises(ValueError, match="https"):
        Settings(database_url="sqlite://", oidc_issuer="http://id.example.com", oidc_client_id="a",
                 oidc_client_secret="b")
    assert Settings(database_url="sqlite://", oidc_issuer="https://id.example.com/", oidc_client_id="a",
                    oidc_client_secret="b").oidc_issuer == "https://id.example.com"


# verified_owner ----------------------------------------------------------------------------------

@pytest.fixture
def owner_sessions(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions() as session:
        owners.add_owner(session, OWNER, "pw", customer_id="cus_1")
        disabled = owners.add_owner(session, "gone@example.test", "pw", customer_id="cus_2")
        owners.disable_owner(session, disabled)
        session.commit()
    return sessions


@pytest.mark.parametrize("verified", [True, "true", "TRUE"])
def test_verified_owner_maps_a_verified_email(owner_sessions: sessionmaker[Session], verified: object) -> None:
    with owner_sessions() as session:
        owner = oidc.verified_owner(session, {"sub": "x", "email": " Owner@Example.TEST ", "email_verified": verified})
        assert owner.email == OWNER


@pytest.mark.parametrize("claims", [
    {"sub": "x", "email": OWNER},                                  # not said to be verified
    {"sub": "x", "email": OWNER, "email_verified": False},
    {"sub": "x", "email": OWNER, "email_verified": "false"},
    {"sub": "x", "email": OWNER, "email_verified": 1},
    {"sub": "x", "email_verified": True},                         # no email
    {"sub": "x", "email": "not-an-email", "email_verified": True},
    {"sub": "x", "email": "someone@example.test", "email_verified": True},   # unknown
    {"sub": "x", "email": "gone@example.test", "email_verified": True},      # disabled
])
def test_verified_owner_refuses_anything_else_and_creates_nobody(owner_sessions: sessionmaker[Session],
                                                                  claims: dict[str, Any]) -> None:
    with owner_sessions() as session:
        with pytest.raises(oidc.NotAnOwner):
            oidc.verified_owner(session, claims)
        assert session.execute(select(func.count()).select_from(Owner)).scalar_one() == 2


# The ID token's checks ---------------------------------------------------------------------------

ISSUER = "https://id.example.com"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})


class FakeProviderHTTP:
    """The provider's three answers over an httpx transport: enough to try one check at a time."""

    def __init__(self, id_token: Callable[[str], str | None], issuer: str = ISSUER, leave_out: str = "") -> None:
        self.id_token, self.issuer, self.leave_out = id_token, issuer, leave_out

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            document = {"issuer": self.issuer, "authorization_endpoint": f"{ISSUER}/authorize",
                        "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/jwks",
                        "id_token_signing_alg_values_supported": ["RS256"]}
            document.pop(self.leave_out, None)
            return httpx.Response(200, json=document)
        if path == "/jwks":
            return httpx.Response(200, json={"keys": [KEY.as_dict(private=False)]})
        assert path == "/token"
        token = {"access_token": "at", "token_type": "Bearer", "expires_in": 60}
        made = self.id_token(parse_qs(request.content.decode())["code"][0])
        if made is not None:
            token["id_token"] = made
        return httpx.Response(200, json=token)


def signed(claims: Mapping[str, Any], key: RSAKey = KEY) -> str:
    return jwt.encode({"alg": "RS256", "kid": "k1"}, dict(claims), key)


def good_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "owner-1", "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": "n-1",
              "email": OWNER, "email_verified": True}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def verify(id_token: str | None, issuer: str = ISSUER, leave_out: str = "") -> Mapping[str, Any]:
    settings = Settings(database_url="sqlite://", oidc_issuer=ISSUER, oidc_client_id=CLIENT_ID,
                        oidc_client_secret=CLIENT_SECRET)
    fake = FakeProviderHTTP(lambda code: id_token, issuer, leave_out)
    provider = oidc.Provider(settings, transport=httpx.MockTransport(fake))
    return asyncio.run(provider.verified_claims("the-code", nonce="n-1", code_verifier="v" * 48))


def test_a_good_id_token_gives_its_claims() -> None:
    assert verify(signed(good_claims()))["email"] == OWNER


@pytest.mark.parametrize("id_token", [
    signed(good_claims(), OTHER_KEY),                          # not signed by the provider's key
    signed(good_claims(aud="another-client")),
    signed(good_claims(aud="another-client", azp=CLIENT_ID)),   # names us only as the authorized party
    signed(good_claims(iss="https://evil.example.com")),
    signed(good_claims(exp=int(time.time()) - 3600)),          # expired (past the leeway)
    signed(good_claims(nonce="another-nonce")),
    signed(good_claims(nonce=None)),
    signed(good_claims(sub=None)),
    jwt.encode({"alg": "HS256"}, good_claims(), OctKey.import_key(CLIENT_SECRET * 2)),   # MACed, not signed
    None,                                                      # no ID token at all
], ids=["signature", "audience", "audience-azp", "issuer", "expired", "nonce", "no-nonce", "no-sub", "hmac", "missing"])
def test_an_id_token_failing_any_check_signs_nobody_in(id_token: str | None) -> None:
    with pytest.raises(oidc.SignInRefused) as refused:
        verify(id_token)
    assert not isinstance(refused.value, oidc.ProviderUnavailable)


@pytest.mark.parametrize("issuer, leave_out", [("https://evil.example.com", ""), (ISSUER, "jwks_uri"),
                                               (ISSUER, "token_endpoint"), (ISSUER, "issuer")])
def test_a_discovery_document_of_another_issuer_or_incomplete_is_refused(issuer: str, leave_out: str,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(oidc.ProviderUnavailable, match="not set up right"):
        verify(signed(good_claims()), issuer=issuer, leave_out=leave_out)
    assert "discovery document" in caplog.text
