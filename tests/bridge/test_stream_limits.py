"""GET /v1/events over real HTTP: streams are capped per token and per owner, and end with their token.

Issue 9 §1 (one token opened 300 streams) and §4 (a stream outlived its logout).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import ExitStack

import httpx
import pytest
from sqlalchemy import update

from server_bridge.auth import owners
from server_bridge.db.models import Owner, Token
from tests.support.bridges import Bridge
from tests.support.sign_in import sign_up
from tests.support.waiting import wait_until

LIMITS = {"streams_per_token": 2, "streams_per_owner": 3, "stream_check_seconds": 0.1}


@pytest.fixture
def bridge(make_bridge: Callable[..., Bridge], db_url: str) -> Bridge:
    return make_bridge(db_url, **LIMITS)


def login(bridge: Bridge, email: str, device: str) -> str:
    with bridge.client() as client:
        answer = client.post("/v1/auth/login", json={"email": email, "password": "pw", "device": device})
        assert answer.status_code == 200, answer.text
        return answer.json()["token"]


def open_stream(opened: ExitStack, client: httpx.Client, token: str) -> httpx.Response:
    return opened.enter_context(client.stream("GET", "/v1/events", headers={"Authorization": f"Bearer {token}"}))


def assert_too_many(answer: httpx.Response) -> None:
    answer.read()
    assert answer.status_code == 429, answer.text
    assert answer.json() == {"error": {"code": "too_many_streams", "message": answer.json()["error"]["message"]}}
    assert int(answer.headers["Retry-After"]) >= 1


def test_one_token_cannot_open_more_than_its_share(bridge: Bridge) -> None:
    token = sign_up(bridge, "me@example.test", "cus_me")
    bus = bridge.app.state.bus
    with httpx.Client(base_url=bridge.url, timeout=5) as client, ExitStack() as opened:
        first = open_stream(opened, client, token)
        open_stream(opened, client, token)
        assert first.status_code == 200
        wait_until(lambda: bus.subscriber_count("cus_me") == 2)
        third = open_stream(opened, client, token)
        assert_too_many(third)
        assert bus.subscriber_count("cus_me") == 2
        first.close()
        wait_until(lambda: bus.subscriber_count("cus_me") == 1)
        again = open_stream(opened, client, token)
        assert again.status_code == 200   # a closed stream frees its place


def test_an_owner_cannot_open_more_than_its_share_across_devices(bridge: Bridge) -> None:
    laptop = sign_up(bridge, "me@example.test", "cus_me")
    phone, desk = login(bridge, "me@example.test", "phone"), login(bridge, "me@example.test", "desk")
    stranger = sign_up(bridge, "them@example.test", "cus_them")
    bus = bridge.app.state.bus
    with httpx.Client(base_url=bridge.url, timeout=5) as client, ExitStack() as opened:
        for token in (laptop, laptop, phone):
            assert open_stream(opened, client, token).status_code == 200
        assert_too_many(open_stream(opened, client, desk))
        assert open_stream(opened, client, stranger).status_code == 200   # other owners are not affected
        wait_until(lambda: bus.subscriber_count("cus_me") == 3 and bus.subscriber_count("cus_them") == 1)


def test_a_burst_of_streams_stays_under_the_cap(bridge: Bridge) -> None:
    token = sign_up(bridge, "me@example.test", "cus_me")
    statuses: list[int] = []
    lock = threading.Lock()
    with httpx.Client(base_url=bridge.url, timeout=5, limits=httpx.Limits(max_connections=40)) as client, \
            ExitStack() as opened:
        def one() -> None:
            answer = client.send(client.build_request("GET", "/v1/events",
                                                      headers={"Authorization": f"Bearer {token}"}), stream=True)
            with lock:
                statuses.append(answer.status_code)
                opened.callback(answer.close)
        threads = [threading.Thread(target=one) for _ in range(30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200, 200] + [429] * 28
        assert bridge.app.state.bus.subscriber_count("cus_me") <= 2


def ended(stream: httpx.Response) -> Callable[[], bool]:
    """Read the stream on a thread; the returned check turns true once the bridge has ended it."""
    done = threading.Event()

    def read() -> None:
        try:
            for _ in stream.iter_lines():
                pass
        except httpx.HTTPError:
            pass
        done.set()

    threading.Thread(target=read, daemon=True).start()
    return done.is_set


@pytest.mark.parametrize("how", ["logout", "expired", "disabled", "disabled_by_flag"])
def test_a_stream_ends_with_its_token(bridge: Bridge, how: str) -> None:
    token = sign_up(bridge, "me@example.test", "cus_me")
    other = sign_up(bridge, "them@example.test", "cus_them")
    bus = bridge.app.state.bus
    with httpx.Client(base_url=bridge.url, timeout=5) as client, ExitStack() as opened:
        mine = open_stream(opened, client, token)
        theirs = open_stream(opened, client, other)
        wait_until(lambda: bus.subscriber_count() == 2)
        mine_ended, theirs_ended = ended(mine), ended(theirs)
        with bridge.sessions() as session:
            owner = owners.find_owner(session, "me@example.test")
            assert owner is not None
            if how == "logout":
                answer = client.post("/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
                assert answer.status_code == 204
            elif how == "expired":
                session.execute(update(Token).where(Token.owner_id == owner.id).values(expires_at=owners.now() - 1))
            elif how == "disabled":
                owners.disable_owner(session, owner)   # what `billing-bridge users disable` does
            else:
                session.execute(update(Owner).where(Owner.id == owner.id).values(disabled=True))
            session.commit()
        wait_until(mine_ended, timeout=5)
        assert not theirs_ended() and bus.subscriber_count("cus_them") == 1
        again = client.get("/v1/events", headers={"Authorization": f"Bearer {token}"})
        expected = {"logout": (401, "unauthorized"), "expired": (401, "token_expired"),
                    "disabled": (403, "account_disabled"), "disabled_by_flag": (403, "account_disabled")}[how]
        assert (again.status_code, again.json()["error"]["code"]) == expected


def test_a_disabled_owner_is_told_so_on_every_route(bridge: Bridge) -> None:
    """`billing-bridge users disable` revokes the owner's tokens too; the answer still says why (403, not 401)."""
    token = sign_up(bridge, "me@example.test", "cus_me")
    with bridge.sessions() as session:
        owner = owners.find_owner(session, "me@example.test")
        assert owner is not None
        owners.disable_owner(session, owner)
        session.commit()
    with bridge.client(headers={"Authorization": f"Bearer {token}"}) as client:
        for method, path in (("GET", "/v1/me"), ("POST", "/v1/auth/logout"), ("GET", "/v1/billing/summary")):
            answer = client.request(method, path)
            assert answer.status_code == 403, (path, answer.text)
            assert answer.json()["error"]["code"] == "account_disabled"


def test_the_desktop_hears_too_many_streams_with_when_to_try_again(bridge: Bridge) -> None:
    """The desktop's own client: a refusal it can back off from (its listener retries), not a broken stream."""
    from desktop_app.services.bridge import BridgeClient
    from desktop_app.services.errors import BridgeRefused, NotSignedIn

    token = sign_up(bridge, "me@example.test", "cus_me")
    stop = threading.Event()
    with httpx.Client(base_url=bridge.url, timeout=5) as client, ExitStack() as opened, \
            BridgeClient(bridge.url, token=token) as desktop:
        for _ in range(LIMITS["streams_per_token"]):
            assert open_stream(opened, client, token).status_code == 200
        with pytest.raises(BridgeRefused) as refused:
            next(desktop.events(stop))
    assert not isinstance(refused.value, NotSignedIn)
    assert (refused.value.status, refused.value.code) == (429, "too_many_streams")
    assert refused.value.retry_after is not None and refused.value.retry_after >= 1
