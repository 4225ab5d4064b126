"""Browser sign-in (OAuth 2.0 for native apps, PKCE): the page, the redirect to a real loopback listener,
the token exchange, and every way it refuses; on SQLite and PostgreSQL, over real HTTP."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select, update

from server_bridge.api import errors
from server_bridge.auth import oauth, owners
from server_bridge.db.models import AuthorizationCode, AuthorizationRequest, Owner, Token
from tests.support.bridges import Bridge
from tests.support.oauth_helpers import Authorization, Loopback, hidden, redeem, sign_in_form

PASSWORD = "correct horse battery"


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    listener = Loopback()
    yield listener
    listener.close()


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    with httpx.Client(follow_redirects=True, timeout=10) as client:
        yield client


def new_owner(bridge: Bridge, *, disabled: bool = False) -> str:
    email = f"owner-{uuid.uuid4().hex[:8]}@example.test"
    with bridge.sessions() as session:
        owner = owners.add_owner(session, email, PASSWORD)
        owner.disabled = disabled
        session.commit()
    return email


def browser_sign_in(bridge: Bridge, browser: httpx.Client, loopback: Loopback, email: str,
                    grant: Authorization) -> dict[str, str]:
    """Open the page, submit the form, follow the redirect to the listener: what the listener received."""
    fields = sign_in_form(browser, bridge.url, grant.params(loopback.redirect_uri))
    before = len(loopback.received)
    landed = browser.post(f"{bridge.url}/v1/auth/authorize", data={**fields, "email": email, "password": PASSWORD})
    assert landed.status_code == 200, landed.text
    assert str(landed.url).startswith(loopback.redirect_uri)
    assert len(loopback.received) == before + 1
    return loopback.received[-1]


# -- the whole flow --

def test_signing_in_in_the_browser_gives_the_app_a_device_token(shared_bridge: Bridge, browser: httpx.Client,
                                                                   loopback: Loopback) -> None:
    email = new_owner(shared_bridge)
    grant = Authorization()
    page = browser.get(f"{shared_bridge.url}/v1/auth/authorize", params=grant.params(loopback.redirect_uri))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Sign in to Billing Manager" in page.text
    assert 'href="/v1/auth/forgot"' in page.text and "Forgot password?" in page.text
    assert "/v1/auth/oidc/start" not in page.text   # no identity provider configured
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]

    received = browser_sign_in(shared_bridge, browser, loopback, email, grant)
    assert received["state"] == grant.state and set(received) == {"code", "state"}

    with shared_bridge.client() as app:
        answer = redeem(app, received["code"], grant.verifier, loopback.redirect_uri, device="studio-mac")
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"
        body = answer.json()
        assert set(body) == {"token", "expires_at", "owner", "device_proof"} and body["owner"] == {"email": email}
        assert body["device_proof"]   # kept by the app for its next password sign-in (docs/security.md)
        me = app.get("/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
        assert me.status_code == 200
        assert me.json()["email"] == email and me.json()["device"] == "studio-mac"
    with shared_bridge.sessions() as session:   # the page's password check issues no token of its own
        owner_id = session.execute(select(Owner.id).where(Owner.email == email)).scalar_one()
        live = session.execute(select(Token.device).where(Token.revoked_at.is_(None),
                                                          Token.owner_id == owner_id)).scalars().all()
        assert live == ["studio-mac"]


def test_an_ipv6_loopback_redirect_is_accepted(shared_bridge: Bridge, browser: httpx.Client) -> None:
    try:
        listener = Loopback("::1")
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    try:
        email = new_owner(shared_bridge)
        received = browser_sign_in(shared_bridge, browser, listener, email, grant := Authorization())
        with shared_bridge.client() as app:
            assert redeem(app, received["code"], grant.verifier, listener.redirect_uri).status_code == 200
    finally:
        listener.close()


def test_the_page_offers_the_platform_account_when_an_identity_provider_is_set(
        make_bridge, db_url: str, browser: httpx.Client) -> None:
    bridge = make_bridge(db_url, oidc_issuer="https://id.example.test", oidc_client_id="bridge", oidc_client_secret="s",
                         oidc_name="Sitebuilder <ID>")
    page = browser.get(f"{bridge.url}/v1/auth/authorize", params=Authorization().params("http://127.0.0.1:4000/cb"))
    assert page.status_code == 200
    request_id = hidden(page.text, "request")
    assert "Sign in with Sitebuilder &lt;ID&gt;" in page.text   # escaped
    assert f'href="/v1/auth/oidc/start?request={request_id}"' in page.text
    assert 'href="/v1/auth/forgot"' in page.text and 'id="sign-in"' in page.text


# -- the authorize request --

@pytest.mark.parametrize("change", [
    {"client_id": None}, {"client_id": "someone-else"}, {"redirect_uri": None},
    {"redirect_uri": "https://127.0.0.1:4000/cb"}, {"redirect_uri": "http://localhost:4000/cb"},
    {"redirect_uri": "http://127.0.0.2:4000/cb"}, {"redirect_uri": "http://evil.example:4000/cb"},
    {"redirect_uri": "http://127.0.0.1.evil.example:4000/cb"}, {"redirect_uri": "http://me@127.0.0.1:4000/cb"},
    {"redirect_uri": "http://127.0.0.1:4000/cb#x"}, {"redirect_uri": "http://127.0.0.1:4000/cb?next=x"},
    {"redirect_uri": "http://127.0.0.1/cb"}, {"redirect_uri": "http://127.0.0.1:99999/cb"},
    {"redirect_uri": "http://[::2]:4000/cb"}, {"redirect_uri": "billing-manager://callback"},
])
def test_a_foreign_client_or_redirect_gets_an_error_page_and_is_never_redirected(
        shared_bridge: Bridge, change: dict[str, str | None]) -> None:
    params = Authorization().params("http://127.0.0.1:4000/cb", **change)
    with shared_bridge.client() as plain:
        page = plain.get("/v1/auth/authorize", params=params)
    assert page.status_code == 400
    assert "location" not in page.headers
    assert "This sign-in link is not valid" in page.text
    assert 'id="sign-in"' not in page.text


def test_a_repeated_client_id_or_redirect_is_refused_without_redirecting(shared_bridge: Bridge) -> None:
    base = Authorization().params("http://127.0.0.1:4000/cb")
    for name, other in (("client_id", "billing-manager"), ("redirect_uri", "http://127.0.0.1:4001/cb")):
        query = [*base.items(), (name, other)]
        with shared_bridge.client() as plain:
            page = plain.get("/v1/auth/authorize", params=query)
        assert page.status_code == 400 and "location" not in page.headers


@pytest.mark.parametrize(("change", "error", "with_state"), [
    ({"response_type": "token"}, "unsupported_response_type", True),
    ({"response_type": None}, "invalid_request", True),
    ({"code_challenge": None}, "invalid_request", True),
    ({"code_challenge_method": "plain"}, "invalid_request", True),
    ({"code_challenge_method": None}, "invalid_request", True),
    ({"code_challenge": "too-short"}, "invalid_request", True),
    ({"state": None}, "invalid_request", False),
    ({"state": "s" * 501}, "invalid_request", False),
])
def test_other_bad_requests_go_back_to_the_app_with_an_error(shared_bridge: Bridge, change: dict[str, str | None],
                                                              error: str, with_state: bool) -> None:
    grant = Authorization()
    with shared_bridge.client() as plain:
        answer = plain.get("/v1/auth/authorize", params=grant.params("http://127.0.0.1:4000/cb", **change))
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "http://127.0.0.1:4000/cb"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["error"] == error and query["error_description"]
    assert "code" not in query
    assert query.get("state") == (grant.state if with_state else None)


# -- the sign-in form --

def test_a_wrong_password_shows_the_page_again_and_the_right_one_still_works(
        shared_bridge: Bridge, browser: httpx.Client, loopback: Loopback) -> None:
    email = new_owner(shared_bridge)
    grant = Authorization()
    fields = sign_in_form(browser, shared_bridge.url, grant.params(loopback.redirect_uri))
    wrong = browser.post(f"{shared_bridge.url}/v1/auth/authorize",
                         data={**fields, "email": email, "password": "nope"})
    assert wrong.status_code == 401
    assert "The email or password is not right." in wrong.text
    assert f'value="{email}"' in wrong.text and 'id="sign-in"' in wrong.text
    assert loopback.received == []
    right = browser.post(f"{shared_bridge.url}/v1/auth/authorize", data={**fields, "email": email, "password": PASSWORD})
    assert right.status_code == 200 and loopback.received[-1]["state"] == grant.state


def test_the_page_is_throttled_with_the_json_sign_in(shared_bridge: Bridge, browser: httpx.Client,
                                                     loopback: Loopback) -> None:
    """shared_bridge allows 3 failures: two on the page and one through /v1/auth/login lock the email."""
    email = new_owner(shared_bridge)
    fields = sign_in_form(browser, shared_bridge.url, Authorization().params(loopback.redirect_uri))
    url = f"{shared_bridge.url}/v1/auth/authorize"
    for _ in range(2):
        assert browser.post(url, data={**fields, "email": email, "password": "guess"}).status_code == 401
    with shared_bridge.client() as plain:
        assert plain.post("/v1/auth/login", json={"email": email, "password": "guess", "device": "x"}).status_code == 401
    locked = browser.post(url, data={**fields, "email": email, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    assert loopback.received == []


def test_a_browser_that_signed_in_before_is_not_locked_out_by_a_stranger(shared_bridge: Bridge,
                                                                        browser: httpx.Client,
                                                                        loopback: Loopback) -> None:
    """OWASP's device cookie on the page: a stranger's wrong guesses (from another address) lock the email
    for new browsers, while the owner's browser, which signed in before, still signs in."""
    email = new_owner(shared_bridge)
    browser_sign_in(shared_bridge, browser, loopback, email, Authorization())
    stranger = httpx.Client(base_url=shared_bridge.url, timeout=10,
                            transport=httpx.HTTPTransport(local_address="127.0.0.9"))
    with stranger:
        answers = [stranger.post("/v1/auth/login", json={"email": email, "password": "guess", "device": "x"})
                   .status_code for _ in range(5)]
    assert answers[-1] == 429 and set(answers) <= {401, 429}

    again = browser_sign_in(shared_bridge, browser, loopback, email, Authorization())
    assert again["code"]
    with httpx.Client(follow_redirects=True, timeout=10) as new_browser:
        fields = sign_in_form(new_browser, shared_bridge.url, Authorization().params(loopback.redirect_uri))
        locked = new_browser.post(f"{shared_bridge.url}/v1/auth/authorize",
                                  data={**fields, "email": email, "password": PASSWORD})
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.text


def test_a_disabled_owner_cannot_sign_in_on_the_page(shared_bridge: Bridge, browser: httpx.Client,
                                                     loopback: Loopback) -> None:
    email = new_owner(shared_bridge, disabled=True)
    fields = sign_in_form(browser, shared_bridge.url, Authorization().params(loopback.redirect_uri))
    answer = browser.post(f"{shared_bridge.url}/v1/auth/authorize", data={**fields, "email": email, "password": PASSWORD})
    assert answer.status_code == 401 and loopback.received == []


def test_empty_fields_are_asked_for_again(shared_bridge: Bridge, browser: httpx.Client, loopback: Loopback) -> None:
    fields = sign_in_form(browser, shared_bridge.url, Authorization().params(loopback.redirect_uri))
    answer = browser.post(f"{shared_bridge.url}/v1/auth/authorize", data={**fields, "email": " ", "password": ""})
    assert answer.status_code == 400 and "Enter your email and password." in answer.text


def test_a_form_posted_from_elsewhere_is_refused(shared_bridge: Bridge, browser: httpx.Client,
                                                 loopback: Loopback) -> None:
    """CSRF: the hidden field must match this browser's cookie, and the cookie the request was shown to."""
    email = new_owner(shared_bridge)
    fields = sign_in_form(browser, shared_bridge.url, Authorization().params(loopback.redirect_uri))
    url = f"{shared_bridge.url}/v1/auth/authorize"
    with httpx.Client(timeout=10) as attacker:   # knows the request id, not the victim's cookie
        forged = attacker.post(url, data={**fields, "email": email, "password": PASSWORD})
        assert forged.status_code == 403 and "could not be checked" in forged.text
        attacker.cookies.set("bm_oauth_csrf", "x" * 43, path="/v1/auth")
        forged = attacker.post(url, data={**fields, "csrf": "x" * 43, "email": email, "password": PASSWORD})
        assert forged.status_code == 403
    missing = browser.post(url, data={**fields, "csrf": "", "email": email, "password": PASSWORD})
    assert missing.status_code == 403
    assert loopback.received == []


def test_an_unknown_finished_or_expired_request_is_a_dead_end(shared_bridge: Bridge, browser: httpx.Client,
                                                              loopback: Loopback) -> None:
    email = new_owner(shared_bridge)
    url = f"{shared_bridge.url}/v1/auth/authorize"
    unknown = browser.post(url, data={"request": "nope", "csrf": "x", "email": email, "password": PASSWORD})
    assert unknown.status_code == 400 and "has expired" in unknown.text

    fields = sign_in_form(browser, shared_bridge.url, Authorization().params(loopback.redirect_uri))
    assert browser.post(url, data={**fields, "email": email, "password": PASSWORD}).status_code == 200
    again = browser.post(url, data={**fields, "email": email, "password": PASSWORD})   # a second submit
    assert again.status_code == 400 and "has expired" in again.text
    assert len(loopback.received) == 1

    fields = sign_in_form(browser, shared_bridge.url, Authorization().params(loopback.redirect_uri))
    with shared_bridge.sessions() as session:
        session.execute(update(AuthorizationRequest).values(expires_at=owners.now() - 1))
        session.commit()
    late = browser.post(url, data={**fields, "email": email, "password": PASSWORD})
    assert late.status_code == 400 and "has expired" in late.text
    assert len(loopback.received) == 1


def test_requests_and_codes_are_stored_only_as_hashes(shared_bridge: Bridge, browser: httpx.Client,
                                                      loopback: Loopback) -> None:
    email = new_owner(shared_bridge)
    grant = Authorization()
    fields = sign_in_form(browser, shared_bridge.url, grant.params(loopback.redirect_uri))
    with shared_bridge.sessions() as session:
        requests = session.execute(select(AuthorizationRequest)).scalars().all()
        assert all(fields["request"] not in (r.request_hash, r.csrf_hash) for r in requests)
        assert any(r.state == grant.state for r in requests)
    browser.post(f"{shared_bridge.url}/v1/auth/authorize", data={**fields, "email": email, "password": PASSWORD})
    code = loopback.received[-1]["code"]
    with shared_bridge.sessions() as session:
        hashes = session.execute(select(AuthorizationCode.code_hash)).scalars().all()
        assert code not in hashes and len(hashes) >= 1


# -- the token exchange --

@pytest.fixture
def issued(shared_bridge: Bridge, browser: httpx.Client, loopback: Loopback) -> tuple[str, Authorization, str]:
    """A fresh code: (code, its grant, its redirect_uri)."""
    grant = Authorization()
    received = browser_sign_in(shared_bridge, browser, loopback, new_owner(shared_bridge), grant)
    return received["code"], grant, loopback.redirect_uri


def oauth_error(answer: httpx.Response) -> str:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert set(body) == {"error", "error_description"} and body["error_description"]
    assert answer.headers["cache-control"] == "no-store"
    return body["error"]


def test_a_wrong_verifier_is_refused_and_does_not_burn_the_code(shared_bridge: Bridge, issued) -> None:
    code, grant, redirect = issued
    with shared_bridge.client() as app:
        assert oauth_error(redeem(app, code, Authorization().verifier, redirect)) == "invalid_grant"
        assert redeem(app, code, grant.verifier, redirect).status_code == 200


def test_a_foreign_redirect_is_refused(shared_bridge: Bridge, issued) -> None:
    code, grant, redirect = issued
    with shared_bridge.client() as app:
        answer = redeem(app, code, grant.verifier, redirect.replace("/callback", "/other"))
        assert oauth_error(answer) == "invalid_grant"
        assert "redirect_uri" in answer.json()["error_description"]


def test_a_code_is_used_once(shared_bridge: Bridge, issued) -> None:
    code, grant, redirect = issued
    with shared_bridge.client() as app:
        assert redeem(app, code, grant.verifier, redirect).status_code == 200
        again = redeem(app, code, grant.verifier, redirect, device="another")
        assert oauth_error(again) == "invalid_grant" and "already used" in again.json()["error_description"]


def test_an_expired_code_is_refused(shared_bridge: Bridge, issued) -> None:
    code, grant, redirect = issued
    with shared_bridge.sessions() as session:
        session.execute(update(AuthorizationCode).values(expires_at=owners.now()))
        session.commit()
    with shared_bridge.client() as app:
        answer = redeem(app, code, grant.verifier, redirect)
        assert oauth_error(answer) == "invalid_grant" and "expired" in answer.json()["error_description"]


def test_codes_live_about_a_minute() -> None:
    assert 30 <= oauth.CODE_TTL <= 120


def test_a_code_of_an_owner_disabled_since_is_refused(shared_bridge: Bridge, issued) -> None:
    code, grant, redirect = issued
    with shared_bridge.sessions() as session:
        owner_id = session.execute(select(AuthorizationCode.owner_id)).scalars().all()
        for owner in session.execute(select(owners.Owner).where(owners.Owner.id.in_(owner_id))).scalars():
            owner.disabled = True
        session.commit()
    with shared_bridge.client() as app:
        assert oauth_error(redeem(app, code, grant.verifier, redirect)) == "invalid_grant"


@pytest.mark.parametrize(("change", "error"), [
    ({"grant_type": "password"}, "unsupported_grant_type"),
    ({"grant_type": None}, "invalid_request"),
    ({"client_id": "someone-else"}, "invalid_client"),
    ({"client_id": None}, "invalid_request"),
    ({"code_verifier": None}, "invalid_request"),
    ({"code_verifier": "short"}, "invalid_request"),
    ({"redirect_uri": None}, "invalid_request"),
    ({"device": None}, "invalid_request"),
    ({"device": "d" * 101}, "invalid_request"),
    ({"code": None}, "invalid_request"),
    ({"code": "not-a-code"}, "invalid_grant"),
])
def test_bad_token_requests_get_oauth_errors(shared_bridge: Bridge, issued, change: dict[str, str | None],
                                             error: str) -> None:
    code, grant, redirect = issued
    with shared_bridge.client() as app:
        assert oauth_error(redeem(app, code, grant.verifier, redirect, **change)) == error
        assert redeem(app, code, grant.verifier, redirect).status_code == 200   # the code survived


def test_a_json_body_is_not_a_token_request(shared_bridge: Bridge, issued) -> None:
    code, grant, redirect = issued
    with shared_bridge.client() as app:
        answer = app.post("/v1/auth/token", json={"grant_type": "authorization_code", "code": code})
        assert oauth_error(answer) == "invalid_request"


def test_two_concurrent_redemptions_exactly_one_succeeds(shared_bridge: Bridge, issued) -> None:
    code, grant, redirect = issued
    racers = 8
    barrier = threading.Barrier(racers)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def race(n: int) -> None:
        with shared_bridge.client() as app:
            barrier.wait()
            answer = redeem(app, code, grant.verifier, redirect, device=f"racer-{n}")
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(answers) == racers
    assert sorted(a.status_code for a in answers) == [200] + [400] * (racers - 1)
    assert all(oauth_error(a) == "invalid_grant" for a in answers if a.status_code == 400)


# -- the interface the identity provider sign-in ends in --

def test_finish_sign_in_ends_a_request_once(shared_bridge: Bridge, browser: httpx.Client, loopback: Loopback) -> None:
    email = new_owner(shared_bridge)
    grant = Authorization()
    request_id = sign_in_form(browser, shared_bridge.url, grant.params(loopback.redirect_uri))["request"]
    with shared_bridge.sessions() as session:
        owner = owners.find_owner(session, email)
        url = oauth.finish_sign_in(session, shared_bridge.settings, request_id, owner)
        with pytest.raises(oauth.RequestExpired):
            oauth.finish_sign_in(session, shared_bridge.settings, request_id, owner)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert url.startswith(loopback.redirect_uri + "?") and query["state"] == grant.state
    with shared_bridge.client() as app:
        answer = redeem(app, query["code"], grant.verifier, loopback.redirect_uri)
        assert answer.status_code == 200 and answer.json()["owner"]["email"] == email


def test_finish_sign_in_refuses_a_disabled_owner(shared_bridge: Bridge, browser: httpx.Client,
                                                 loopback: Loopback) -> None:
    email = new_owner(shared_bridge, disabled=True)
    request_id = sign_in_form(browser, shared_bridge.url, Authorization().params(loopback.redirect_uri))["request"]
    with shared_bridge.sessions() as session:
        with pytest.raises(errors.AccountDisabled):
            oauth.finish_sign_in(session, shared_bridge.settings, request_id, owners.find_owner(session, email))


def test_over_https_the_csrf_cookie_is_a_host_cookie(make_bridge, db_url: str, browser: httpx.Client) -> None:
    bridge = make_bridge(db_url, public_url="https://billing.example.test")
    page = browser.get(f"{bridge.url}/v1/auth/authorize", params=Authorization().params("http://127.0.0.1:4000/cb"))
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("__Host-bm_oauth_csrf=") and "Secure" in cookie and "Path=/;" in cookie
    assert "Domain" not in cookie and "HttpOnly" in cookie
