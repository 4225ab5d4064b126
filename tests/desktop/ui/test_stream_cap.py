"""The desktop's event listener against a bridge whose stream cap is reached: it keeps trying with backoff
and gets its stream once a place frees (issue 9 §1)."""

from __future__ import annotations

import threading
from contextlib import ExitStack

import httpx

from desktop_app.services import BridgeClient

PER_TOKEN = 2   # the bridge's default BRIDGE_STREAMS_PER_TOKEN


def test_the_listener_waits_out_a_full_cap_and_then_connects(backend, qtbot) -> None:  # noqa: ANN001
    from desktop_app.ui.shell.hosted import EventListener

    with BridgeClient(backend.url) as desktop, httpx.Client(base_url=backend.url, timeout=5) as other, \
            ExitStack() as held:
        desktop.login("pro@demo.test", "demo", "stream-cap")
        holders = [held.enter_context(other.stream("GET", "/v1/events",
                                                   headers={"Authorization": f"Bearer {desktop.token}"}))
                   for _ in range(PER_TOKEN)]
        assert all(h.status_code == 200 for h in holders)
        refused: list[int] = []

        def source(stop: threading.Event, on_connect):  # noqa: ANN001, ANN202
            try:
                yield from desktop.events(stop, on_connect=on_connect)
            except Exception as exc:
                refused.append(getattr(exc, "status", 0))
                raise

        listener = EventListener(source)
        listener.start()
        try:
            qtbot.waitUntil(lambda: refused == [429], timeout=5_000)
            assert listener.running                      # refused, still listening
            with qtbot.waitSignal(listener.connected, timeout=10_000):
                holders[0].close()                       # another stream ends: its place frees
            assert set(refused) == {429}
        finally:
            assert listener.stop(wait=5)
