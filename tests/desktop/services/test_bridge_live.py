"""BridgeClient against the real bridge and its Stripe sandbox (a separate process, as in --demo)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from desktop_app.services import BridgeClient, BridgeRefused, BridgeUnreachable, DemoBridge, NotSignedIn, Summary
from tests.support.demo_bridges import START_TIMEOUT, RunningBridge

ClientFor = Callable[..., BridgeClient]
Owner = Callable[[str], BridgeClient]


@pytest.fixture(scope="module")
def owner(demo_bridge: RunningBridge) -> Iterator[Owner]:
    """`owner("pro@demo.test")`: one signed-in client per demo owner for the module (sign-in is deliberately slow)."""
    clients: dict[str, BridgeClient] = {}

    def get(email: str) -> BridgeClient:
        if email not in clients:
            clients[email] = BridgeClient(demo_bridge.url)
            clients[email].login(email, "demo", "pytest-shared")
        return clients[email]

    yield get
    for client in clients.values():
        client.close()


def test_sign_in_and_me(owner: Owner) -> None:
    client = owner("pro@demo.test")
    assert client.token
    me = client.me()
    assert me.email == "pro@demo.test" and me.device == "pytest-shared" and me.has_subscription is True


def test_one_client_shared_by_worker_threads(owner: Owner) -> None:
    client = owner("pro@demo.test")
    results: list[object] = []

    def work() -> None:
        try:
            results.append((client.summary().plan.key, len(client.invoices(limit=3).invoices)))  # type: ignore[union-attr]
        except BaseException as exc:  # noqa: BLE001
            results.append(exc)

    workers = [threading.Thread(target=work) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    assert results == [("pro", 3)] * 8


def test_wrong_password(demo_bridge: RunningBridge) -> None:
    with BridgeClient(demo_bridge.url) as client:
        with pytest.raises(BridgeRefused) as err:
            client.login("pro@demo.test", "not-the-password", "pytest-bad")
        assert err.value.code == "invalid_credentials" and not isinstance(err.value, NotSignedIn)
        assert client.token is None
        with pytest.raises(NotSignedIn):
            client.summary()


def test_summary_for_each_demo_owner(owner: Owner) -> None:
    pro = owner("pro@demo.test").summary()
    assert pro.plan is not None and pro.plan.key == "pro" and pro.status == "active"
    assert pro.card is not None and len(pro.card.last4) == 4 and not pro.card.expires_before_next_bill
    assert pro.next_invoice is not None and pro.next_invoice.amount > 0

    starter = owner("starter@demo.test").summary()
    assert starter.plan is not None and starter.plan.key == "starter"
    assert starter.card is not None and starter.card.expires_before_next_bill

    new = owner("new@demo.test").summary()
    assert new.plan is None and new.status == "none" and not new.has_subscription

    pastdue = owner("pastdue@demo.test").summary()
    assert pastdue.last_payment_failed or pastdue.status == "past_due"


def test_plans(owner: Owner) -> None:
    plans = owner("pro@demo.test").plans()
    assert [p.key for p in plans] == ["starter", "pro"]
    assert [p.current for p in plans] == [False, True]
    assert plans[0].amount < plans[1].amount
    assert not any(p.current for p in owner("new@demo.test").plans())


def test_invoice_paging(owner: Owner) -> None:
    client = owner("pro@demo.test")
    everything = client.invoices(limit=100)
    assert len(everything.invoices) >= 12 and not everything.has_more

    paged, after = [], None
    while True:
        page = client.invoices(limit=5, starting_after=after)
        assert len(page.invoices) <= 5
        paged += page.invoices
        if not page.has_more:
            break
        after = page.invoices[-1].id
    assert [i.id for i in paged] == [i.id for i in everything.invoices]
    created = [i.created for i in paged]
    assert created == sorted(created, reverse=True)


def test_invoices_after_an_unknown_or_foreign_invoice(owner: Owner) -> None:
    pro = owner("pro@demo.test")
    starter = owner("starter@demo.test")
    foreign = pro.invoices(limit=1).invoices[0].id
    for after in ("in_does_not_exist", foreign):
        with pytest.raises(BridgeRefused) as err:
            starter.invoices(starting_after=after)
        assert err.value.code == "not_found"


def test_invoice_pdf(owner: Owner, tmp_path: Path) -> None:
    client = owner("pro@demo.test")
    invoice = next(i for i in client.invoices(limit=20).invoices if i.has_pdf)
    seen: list[tuple[int, int | None]] = []
    path = client.download_invoice_pdf(invoice, tmp_path, progress=lambda d, t: seen.append((d, t)))
    assert path.name == f"invoice-{invoice.number}.pdf"
    assert path.read_bytes().startswith(b"%PDF") and seen[-1][0] == path.stat().st_size
    again = client.download_invoice_pdf(invoice, tmp_path)
    assert again == path and len(list(tmp_path.iterdir())) == 1


def test_another_owners_pdf_is_not_found(owner: Owner, tmp_path: Path) -> None:
    invoice = owner("pro@demo.test").invoices(limit=1).invoices[0]
    with pytest.raises(BridgeRefused) as err:
        owner("starter@demo.test").download_invoice_pdf(invoice, tmp_path)
    assert err.value.status == 404 and list(tmp_path.iterdir()) == []


def test_portal_url_opens_the_hosted_portal(demo_bridge: RunningBridge, owner: Owner) -> None:
    client = owner("pro@demo.test")
    url = client.portal_url()
    assert url.startswith(demo_bridge.sandbox_url)
    page = httpx.get(url)
    assert page.status_code == 200 and "update-card" in page.text
    assert client.portal_url("payment_method_update") != url
    with pytest.raises(BridgeRefused) as err:
        client.portal_url("delete_everything")
    assert err.value.code == "invalid_flow"


def test_checkout_url(demo_bridge: RunningBridge, owner: Owner) -> None:
    url = owner("new@demo.test").checkout_url("starter")
    assert url.startswith(demo_bridge.sandbox_url) and httpx.get(url).status_code == 200
    with pytest.raises(BridgeRefused) as err:
        owner("pro@demo.test").checkout_url("starter")
    assert err.value.code == "already_subscribed"
    with pytest.raises(BridgeRefused) as err:
        owner("new@demo.test").checkout_url("platinum")
    assert err.value.code in ("unknown_plan", "invalid_request")


def test_preview(owner: Owner) -> None:
    down = owner("pro@demo.test").preview_plan_change("starter")
    assert (down.direction, down.effective, down.amount_due_now) == ("downgrade", "period_end", 0)
    assert down.plan.key == "starter"
    up = owner("starter@demo.test").preview_plan_change("pro")
    assert (up.direction, up.effective) == ("upgrade", "now") and up.amount_due_now > 0 and up.lines
    with pytest.raises(BridgeRefused) as err:
        owner("pro@demo.test").preview_plan_change("pro")
    assert err.value.code == "same_plan"
    with pytest.raises(BridgeRefused) as err:
        owner("new@demo.test").preview_plan_change("pro")
    assert err.value.code == "no_subscription"


def test_sign_out_revokes_the_token(demo_bridge: RunningBridge, client_for: ClientFor) -> None:
    client = client_for(demo_bridge, "pro@demo.test", device="pytest-sign-out")
    token = client.token
    client.logout()
    assert client.token is None
    client.token = token
    with pytest.raises(NotSignedIn) as err:
        client.summary()
    assert err.value.code == "unauthorized"
    client.logout()  # a revoked token signs out quietly
    assert client.token is None


def test_plan_change_reaches_the_event_stream(fresh_bridge: RunningBridge, client_for: ClientFor) -> None:
    client = client_for(fresh_bridge, "starter@demo.test")
    stop, connected = threading.Event(), threading.Event()
    received: list[list[str]] = []
    failures: list[BaseException] = []

    def listen() -> None:
        try:
            for topics in client.events(stop, on_connect=connected.set):
                received.append(topics)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    listener = threading.Thread(target=listen, name="test-events")
    listener.start()
    try:
        assert connected.wait(10)
        preview = client.preview_plan_change("pro")
        summary = client.change_plan("pro", preview.proration_date)
        assert isinstance(summary, Summary) and summary.plan is not None and summary.plan.key == "pro"
        wait_for(lambda: any("summary" in t for t in received) or bool(failures), timeout=15)
    finally:
        stop.set()
        listener.join(10)
    assert not listener.is_alive() and failures == []
    assert client.summary().plan.key == "pro"  # type: ignore[union-attr]


def test_bridge_gone_is_unreachable(tmp_path: Path) -> None:
    bridge = DemoBridge(tmp_path / "bridge")
    bridge.start(timeout=START_TIMEOUT)
    try:
        client = BridgeClient(bridge.bridge_url, timeout=5)
        client.login("pro@demo.test", "demo", "pytest-gone")
        assert client.summary().plan is not None
    finally:
        bridge.stop()
    with client, pytest.raises(BridgeUnreachable) as err:
        client.summary()
    assert "Could not reach the billing server" in str(err.value)


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
