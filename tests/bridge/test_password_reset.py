""""Forgot password" as an owner lives it: the form, the mail a real SMTP server receives, the link
followed with a browser's requests against a running bridge, on SQLite and PostgreSQL; and every way
a link must fail (expired, used, used twice at once, another owner's form, a forged form)."""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select, update

from server_bridge.auth import owners
from server_bridge.auth.identity import resets
from server_bridge.db.models import PasswordReset
from tests.support.bridges import Bridge
from tests.support.smtp_inbox import Inbox, settings_for, smtp_server
from tests.support.waiting import wait_until

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only

OWNER, OTHER = "owner@example.test", "other@example.test"
OLD, NEW = "old password 1", "a brand new passphrase"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as started:
        yield started


@pytest.fixture
def bridge(make_bridge: Callable[..., Bridge], db_url: str, inbox: Inbox) -> Bridge:
    started = make_bridge(db_url, **settings_for(inbox))
    with started.sessions() as session:
        owners.add_owner(session, OWNER, OLD, customer_id="cus_owner")
        owners.add_owner(session, OTHER, OLD, customer_id="cus_other")
        session.commit()
    return started


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No BRIDGE_* variable from outside the test reaches the command line's Settings()."""
    for name in list(os.environ):
        if name.startswith("BRIDGE_"):
            monkeypatch.delenv(name)
    return monkeypatch


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def device_token(browser: httpx.Client, email: str, password: str = OLD, device: str = "laptop") -> str:
    answer = browser.post("/v1/auth/login", json={"email": email, "password": password, "device": device})
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def signed_in(bridge: Bridge, token: str) -> bool:
    with bridge.client() as client:
        return client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def ask_for_link(browser: httpx.Client, email: str) -> httpx.Response:
    form = browser.get("/v1/auth/forgot")
    assert form.status_code == 200 and 'name="email"' in form.text
    return browser.post("/v1/auth/forgot", data={"email": email, "csrf": csrf_of(form)})


def link_in(inbox: Inbox, email: str, count: int = 1) -> str:
    mails = wait_until(lambda: len(inbox.to(email)) >= count and inbox.to(email))
    body = mails[count - 1].get_content()
    found = re.search(r"(https?://\S+/v1/auth/reset/\S+)", body)
    assert found, body
    return found.group(1)


def path_of(link: str) -> str:
    return urlsplit(link).path


def set_new_password(browser: httpx.Client, path: str, password: str = NEW, repeated: str | None = None,
                     **extra: str) -> httpx.Response:
    form = browser.get(path)
    assert form.status_code == 200, form.text
    return browser.post(path, data={"password": password, "repeated": password if repeated is None else repeated,
                                    "csrf": csrf_of(form), **extra})


def password_is(bridge: Bridge, email: str, password: str) -> bool:
    with bridge.sessions() as session:
        owner = owners.find_owner(session, email)
        assert owner is not None
        return owners.verify_password(owner.password_hash, password)


def test_the_mailed_link_sets_a_new_password_and_signs_out_every_device(bridge: Bridge, inbox: Inbox) -> None:
    with bridge.client() as browser:
        laptop, phone = device_token(browser, OWNER, device="laptop"), device_token(browser, OWNER, device="phone")
        others = device_token(browser, OTHER)
        answer = ask_for_link(browser, OWNER)
        assert answer.status_code == 200 and "Check your mail" in answer.text

        link = link_in(inbox, OWNER)
        mail = inbox.to(OWNER)[0]
        assert mail["From"] == "Billing <billing@platform.test>" and "password" in mail["Subject"].lower()
        assert inbox.logins == ["bridge"]   # the bridge logged in with the operator's SMTP account
        assert link.startswith(bridge.settings.public_url + "/v1/auth/reset/")
        assert link in mail.as_string(), "the link is whole in the raw mail too"

        form = browser.get(path_of(link))
        assert form.status_code == 200 and OWNER in form.text
        assert form.headers["referrer-policy"] == "no-referrer" and form.headers["cache-control"] == "no-store"
        assert signed_in(bridge, laptop), "opening the link changes nothing"

        too_short = set_new_password(browser, path_of(link), "short")
        assert "at least 10 characters" in too_short.text
        differ = set_new_password(browser, path_of(link), NEW, NEW + "!")
        assert "not the same" in differ.text
        assert password_is(bridge, OWNER, OLD) and signed_in(bridge, laptop)

        done = set_new_password(browser, path_of(link))
        assert done.status_code == 200 and "Your password is changed" in done.text
        assert password_is(bridge, OWNER, NEW)
        assert not signed_in(bridge, laptop) and not signed_in(bridge, phone)
        assert signed_in(bridge, others), "another owner's devices stay signed in"
        assert browser.post("/v1/auth/login", json={"email": OWNER, "password": OLD, "device": "x"}).status_code == 401
        device_token(browser, OWNER, NEW)

        again = browser.get(path_of(link))
        assert again.status_code == 404 and "no longer works" in again.text
        replay = browser.post(path_of(link), data={"password": "yet another password", "repeated": "yet another password",
                                                   "csrf": csrf_of(form)})
        assert replay.status_code == 404 and password_is(bridge, OWNER, NEW)


def test_an_unknown_email_gets_the_same_answer_and_no_mail(bridge: Bridge, inbox: Inbox) -> None:
    with bridge.sessions() as session:
        disabled = owners.add_owner(session, "gone@example.test", OLD, customer_id="cus_gone")
        owners.disable_owner(session, disabled)
        session.commit()
    with bridge.client() as browser:
        unknown = ask_for_link(browser, "nobody@example.test")
        gone = ask_for_link(browser, "gone@example.test")
        known = ask_for_link(browser, OWNER)
    assert unknown.status_code == gone.status_code == known.status_code == 200
    assert unknown.text.replace("nobody@example.test", OWNER) == known.text
    assert gone.text.replace("gone@example.test", OWNER) == known.text
    link_in(inbox, OWNER)   # the last one asked for arrives ...
    assert [m["To"] for m in inbox.messages] == [OWNER]   # ... and is the only mail
    with bridge.sessions() as session:
        assert len(session.execute(select(PasswordReset)).scalars().all()) == 1


def test_an_expired_link_does_nothing(bridge: Bridge, inbox: Inbox) -> None:
    with bridge.client() as browser:
        laptop = device_token(browser, OWNER)
        ask_for_link(browser, OWNER)
        link = link_in(inbox, OWNER)
        form = browser.get(path_of(link))
        with bridge.sessions() as session:
            session.execute(update(PasswordReset).values(expires_at=owners.now() - 1))
            session.commit()
        expired = browser.post(path_of(link), data={"password": NEW, "repeated": NEW, "csrf": csrf_of(form)})
        assert expired.status_code == 404 and "no longer works" in expired.text
        assert browser.get(path_of(link)).status_code == 404
    assert password_is(bridge, OWNER, OLD) and signed_in(bridge, laptop)


def test_a_link_changes_only_its_own_owner(bridge: Bridge, inbox: Inbox) -> None:
    """Whatever the form says, the link's owner is the one whose password changes."""
    with bridge.client() as browser:
        others = device_token(browser, OTHER)
        ask_for_link(browser, OWNER)
        done = set_new_password(browser, path_of(link_in(inbox, OWNER)), username=OTHER, email=OTHER)
        assert "Your password is changed" in done.text and OWNER in done.text
    assert password_is(bridge, OWNER, NEW)
    assert password_is(bridge, OTHER, OLD) and signed_in(bridge, others)


def test_using_a_link_kills_the_owners_other_links(bridge: Bridge, inbox: Inbox) -> None:
    with bridge.client() as browser:
        ask_for_link(browser, OWNER)
        first = link_in(inbox, OWNER, 1)
        ask_for_link(browser, OWNER)
        second = link_in(inbox, OWNER, 2)
        assert first != second
        assert "Your password is changed" in set_new_password(browser, path_of(second)).text
        assert browser.get(path_of(first)).status_code == 404


def test_two_uses_at_once_only_one_wins(bridge: Bridge) -> None:
    with bridge.sessions() as session:
        owner = owners.find_owner(session, OWNER)
        assert owner is not None
        link = resets.issue(session, bridge.settings, owner)
    csrf = "c" * 43
    start = threading.Barrier(2)
    answers: dict[str, int] = {}

    def use(password: str) -> None:
        with bridge.client(cookies={"bm_csrf": csrf}) as browser:
            start.wait()
            answers[password] = browser.post(path_of(link.url), data={"password": password, "repeated": password,
                                                                       "csrf": csrf}).status_code

    racers = [threading.Thread(target=use, args=(p,)) for p in ("first password!", "second password!")]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(answers.values()) == [200, 404]
    winner = next(p for p, status in answers.items() if status == 200)
    assert password_is(bridge, OWNER, winner)


def test_a_forged_form_is_refused(bridge: Bridge, inbox: Inbox) -> None:
    """A page on another site cannot post the forms: it has neither the CSRF cookie nor its value."""
    with bridge.client() as browser:
        ask_for_link(browser, OWNER)
        link = link_in(inbox, OWNER)
    with bridge.client() as attacker:
        forged = attacker.post(path_of(link), data={"password": NEW, "repeated": NEW, "csrf": "guess"})
        assert forged.status_code == 403 and "expired" in forged.text
        assert attacker.post("/v1/auth/forgot", data={"email": OWNER}).status_code == 403
    with bridge.client(cookies={"bm_csrf": "a" * 43}) as attacker:
        assert attacker.post(path_of(link), data={"password": NEW, "repeated": NEW, "csrf": "b" * 43}).status_code == 403
    assert password_is(bridge, OWNER, OLD)


def test_one_address_is_rate_limited_and_one_mailbox_gets_few_links(bridge: Bridge, inbox: Inbox) -> None:
    limit, _ = resets.PER_EMAIL
    with bridge.client() as browser:
        for _ in range(limit + 1):
            assert ask_for_link(browser, OWNER).status_code == 200
        ask_for_link(browser, OTHER)
        link_in(inbox, OTHER)
        link_in(inbox, OWNER, limit)
        assert len(inbox.to(OWNER)) == limit   # the request past the limit mailed nothing
        for _ in range(resets.PER_ADDRESS[0] - limit - 2):
            assert ask_for_link(browser, f"someone{_}@example.test").status_code == 200
        refused = ask_for_link(browser, "nobody@example.test")
        assert refused.status_code == 429 and "Too many requests" in refused.text
        assert 1 <= int(refused.headers["retry-after"]) <= resets.PER_ADDRESS[1] + 1


def test_a_mail_server_fault_is_logged_and_the_page_says_the_same(make_bridge: Callable[..., Bridge], db_url: str,
                                                                   inbox: Inbox, caplog: pytest.LogCaptureFixture
                                                                   ) -> None:
    """STARTTLS is required when configured: a server that does not offer it gets no mail and no password."""
    bridge = make_bridge(db_url, **settings_for(inbox, smtp_security="starttls"))
    with bridge.sessions() as session:
        owners.add_owner(session, OWNER, OLD, customer_id="cus_owner")
        session.commit()
    with caplog.at_level(logging.ERROR, logger="server_bridge.auth.identity.resets"), bridge.client() as browser:
        answer = ask_for_link(browser, OWNER)
        assert answer.status_code == 200 and "Check your mail" in answer.text
        wait_until(lambda: "could not mail a password reset link" in caplog.text)
    assert inbox.messages == [] and inbox.logins == []


def test_over_https_the_csrf_cookie_is_a_host_cookie(make_bridge: Callable[..., Bridge], db_url: str,
                                                      inbox: Inbox) -> None:
    """A sibling host cannot plant a __Host- cookie, so it cannot pair a planted cookie with its own form."""
    bridge = make_bridge(db_url, public_url="https://billing.example.test", **settings_for(inbox))
    with bridge.client() as browser:
        cookie = browser.get("/v1/auth/forgot").headers["set-cookie"]
    name, _, attributes = cookie.partition(";")
    assert name.startswith("__Host-bm_csrf=")
    assert {a.strip().lower() for a in attributes.split(";")} >= {"secure", "httponly", "path=/", "samesite=strict"}


def test_without_smtp_the_page_sends_owners_to_the_platform(make_bridge: Callable[..., Bridge], db_url: str) -> None:
    bridge = make_bridge(db_url)
    with bridge.client() as browser:
        page = browser.get("/v1/auth/forgot")
        assert page.status_code == 200 and "Ask the platform" in page.text and 'name="email"' not in page.text
        assert "Ask the platform" in browser.post("/v1/auth/forgot", data={"email": OWNER}).text


def test_the_operator_prints_a_link(bridge: Bridge, clean_env: pytest.MonkeyPatch, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from server_bridge.cli import main

    clean_env.setenv("BRIDGE_DATABASE_URL", bridge.settings.database_url)
    clean_env.setenv("BRIDGE_PUBLIC_URL", "https://billing.example.com")
    assert main(["users", "reset-link", "Owner@Example.test"]) == 0
    out, err = capsys.readouterr()
    link = out.strip()
    assert link.startswith("https://billing.example.com/v1/auth/reset/") and "works once" in err
    assert main(["users", "reset-link", "nobody@example.test"]) == 1
    assert "no owner nobody@example.test" in capsys.readouterr().err
    with bridge.client() as browser:
        assert "Your password is changed" in set_new_password(browser, path_of(link)).text
    assert password_is(bridge, OWNER, NEW)


def test_a_hand_made_request_out_of_bounds_gets_the_error_envelope(bridge: Bridge) -> None:
    with bridge.client() as client:
        too_long = client.post("/v1/auth/forgot", data={"email": "a" * 400 + "@example.test", "csrf": "x"})
        assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "invalid_request"
        assert client.get("/v1/auth/reset/" + "t" * 200).json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("setting, value, says", [
    ("BRIDGE_SMTP_HOST", "smtp.example.test", "BRIDGE_SMTP_HOST needs BRIDGE_SMTP_FROM"),
    ("BRIDGE_OIDC_ISSUER", "https://id.example.test", "needs BRIDGE_OIDC_CLIENT_ID and BRIDGE_OIDC_CLIENT_SECRET"),
    ("BRIDGE_SMTP_SECURITY", "maybe", "BRIDGE_SMTP_SECURITY: Input should be"),
])
def test_a_half_made_identity_setting_stops_the_bridge_with_a_sentence(
        setting: str, value: str, says: str, clean_env: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from server_bridge.cli import main

    clean_env.setenv("BRIDGE_DATABASE_URL", f"sqlite:///{tmp_path / 'b.db'}")
    clean_env.setenv(setting, value)
    assert main(["users", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("billing-bridge: the settings are not valid:") and says in err and "Traceback" not in err
