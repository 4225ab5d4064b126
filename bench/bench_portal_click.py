"""Click on "Manage subscription" -> the browser gets the Customer Portal URL, against one bare bridge round trip.

The click runs the UI's own path (MainWindow.open_portal: HostedFlow.open with client.portal_url on the
worker pool, the URL handed to QDesktopServices.openUrl); a URL handler registered for http stands in
for the browser and stops the clock. The baseline is `GET /v1/me` on the same BridgeClient (the same
kept-alive connection) in the same run. Goal: about one bridge round trip plus Stripe's session
creation, which the bridge cannot avoid (a portal session is created on click, never earlier).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_portal_click.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, QUrl, Slot  # noqa: E402
from PySide6.QtGui import QDesktopServices  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop_app.services import BridgeClient, Cache, DemoBridge, owner_key  # noqa: E402
from desktop_app.ui.common.worker import WorkerPool  # noqa: E402
from desktop_app.ui.plan.billing_state import Billing  # noqa: E402
from desktop_app.ui.shell.hosted import HostedFlow  # noqa: E402


class FakeBrowser(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[float, str]] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append((time.perf_counter(), url.toString()))


def wait_until(app: QApplication, condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the URL never reached the browser")
        app.processEvents()
        time.sleep(0.0005)


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.2f} ms  (min {min(values) * 1000:.2f}, max {max(values) * 1000:.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--email", default="pro@demo.test")
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    browser = FakeBrowser()
    for scheme in ("http", "https"):
        QDesktopServices.setUrlHandler(scheme, browser, "open")

    with tempfile.TemporaryDirectory(prefix="bench-portal-") as tmp, DemoBridge(Path(tmp) / "bridge") as bridge:
        client = BridgeClient(bridge.bridge_url)
        client.login(args.email, "demo", "bench")
        pool = WorkerPool()
        billing = Billing(Cache(Path(tmp) / "cache"), pool=pool)
        billing.bind(client, owner_key(bridge.bridge_url, args.email))
        hosted = HostedFlow(billing, client.events)
        for _ in range(3):  # warm up: connection, bridge and sandbox code paths, the thread pool
            client.me()
            client.portal_url()

        me, direct, click = [], [], []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            client.me()
            me.append(time.perf_counter() - t0)

            t0 = time.perf_counter()
            client.portal_url()
            direct.append(time.perf_counter() - t0)

            seen = len(browser.urls)
            t0 = time.perf_counter()
            hosted.open(lambda: client.portal_url(None))          # what the Manage button does
            wait_until(app, lambda: len(browser.urls) > seen)
            click.append(browser.urls[-1][0] - t0)
            hosted.end()

        assert all(url.startswith(bridge.sandbox_url) for _, url in browser.urls[-args.rounds:])
        hosted.shutdown()
        pool.wait_for_done()
        client.close()

    for scheme in ("http", "https"):
        QDesktopServices.unsetUrlHandler(scheme)
    ratio = statistics.median(click) / statistics.median(me)
    print(f"GET /v1/me round trip          {ms(me)}")
    print(f"portal_url() alone             {ms(direct)}")
    print(f"click -> browser gets the URL  {ms(click)}")
    overhead = (statistics.median(click) - statistics.median(direct)) * 1000
    print(f"ratio click / round trip       {ratio:.2f}x  (portal_url alone: "
          f"{statistics.median(direct) / statistics.median(me):.2f}x; {args.rounds} rounds)")
    print(f"the UI's share of the click    {overhead:.2f} ms (worker pool, GUI-thread callback, openUrl)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
