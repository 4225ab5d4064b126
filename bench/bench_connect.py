"""Connect at scale: 100,000 sales in the store.

- The first sales page and a year's monthly series, each timed three ways: the bare indexed SQL
  query on a raw connection (the floor), the bridge's store read in-process, and GET over HTTP
  with sign-in token check, shaping and JSON. Printed as ratios against the bare query.
- The CSV export of all 100,000 sales over HTTP: time, and the process's peak RSS growth while it
  streams (bounded memory: it must not grow with the number of rows).
- An import (backfill) of N sales, paced, against the floor requests / allowed requests per second:
  from a stand-in Stripe that answers at once (pacing plus the bridge's own work), and from the
  sandbox over HTTP through the real gateway (plus the sandbox's answer times).

    PYTHONPATH=. .venv/bin/python bench/bench_connect.py [--sales 100000] [--database sqlite|postgresql] [--import-sales 5000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from server_bridge import db
from server_bridge.app import create_app
from server_bridge.auth import owners
from server_bridge.connect import backfill
from server_bridge.connect import records as connect_store
from server_bridge.db.models import ConnectImport
from server_bridge.gateway import Pacer
from server_bridge.settings import Settings
from stripe_sandbox.serving import ThreadedServer
from tests.support import connect_samples as samples

ACCOUNT = "acct_bench"
YEAR_END = 1767225600           # 2026-01-01
YEAR_START = YEAR_END - 365 * 86400

BARE_PAGE = text(
    "SELECT * FROM connect_charges WHERE account_id = :a AND charge_status = 'succeeded' "
    "ORDER BY created DESC, id DESC LIMIT 51")
BARE_SERIES = text(
    "SELECT currency, month_start, count(*), sum(amount), sum(amount_refunded), "
    "sum(coalesce(stripe_fee, 0) + platform_fee) FROM connect_charges "
    "WHERE account_id = :a AND charge_status = 'succeeded' AND created >= :s AND created < :e "
    "GROUP BY currency, month_start")


def fill(sessions: Any, count: int) -> None:
    """`count` sales spread over the year, a few refunded, in three currencies, 5,000 per transaction."""
    with sessions() as session:
        owners.add_owner(session, "seller@bench.test", "pw", account_id=ACCOUNT, password_hash=owners.hash_password("pw"))
        connect_store.save_account(session, samples.account(ACCOUNT, created=YEAR_START - 86400), YEAR_END)
        session.commit()
        step = 365 * 86400 // count
        batch: list[dict] = []
        for i in range(count):
            currency = ("usd", "usd", "usd", "eur", "gbp")[i % 5]
            amount = 500 + (i * 37) % 20000
            batch.append(samples.charge(amount=amount, created=YEAR_START + i * step, currency=currency,
                                        email=f"buyer{i % 3000}@example.com", description=f"Order #{i}",
                                        refunded=amount if i % 50 == 0 else 0))
            if len(batch) == 5000:
                connect_store.save_charges(session, ACCOUNT, batch, YEAR_END)
                session.commit()
                batch.clear()
        connect_store.save_charges(session, ACCOUNT, batch, YEAR_END)
        session.commit()
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE"))
            session.commit()


def timed(fn: Callable[[], Any], rounds: int) -> float:
    """Median milliseconds of `rounds` calls after two warm-ups."""
    fn()
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4


def csv_export(client: httpx.Client) -> tuple[float, int, int]:
    """(seconds, rows, peak RSS growth in KiB) for streaming every sale as CSV."""
    peak = start_rss = rss_kib()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.01):
            peak = max(peak, rss_kib())

    sampler = threading.Thread(target=sample)
    sampler.start()
    rows = 0
    start = time.perf_counter()
    with client.stream("GET", "/v1/connect/sales.csv") as answer:
        for line in answer.iter_lines():
            rows += 1
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    return elapsed, rows - 1, peak - start_rss


def import_bench(sessions: Any, count: int, rate: float) -> tuple[float, int, float]:
    """(seconds, Stripe requests, floor seconds) for importing `count` sales under `rate` requests/s."""
    account = samples.account("acct_import", created=YEAR_START - 86400)
    step = 365 * 86400 // count
    charges = [samples.charge(amount=1000 + i % 500, created=YEAR_START + i * step) for i in range(count)]
    gateway = samples.PagedGateway(account, charges=charges)
    pacer = Pacer(rate)
    start = time.perf_counter()
    with sessions() as session:
        while backfill.step(session, gateway, "acct_import", pacer):
            pass
        row = session.get(ConnectImport, "acct_import")
        assert row.state == "done" and row.imported == count, (row.state, row.imported)
    elapsed = time.perf_counter() - start
    return elapsed, gateway.calls, gateway.calls / rate


def sandbox_import_bench(sessions: Any, count: int, rate: float) -> tuple[float, int, float]:
    """The same import from the sandbox over HTTP, through the bridge's real gateway (the SDK):
    (seconds, Stripe requests, floor seconds)."""
    from pydantic import SecretStr

    from server_bridge.gateway import Gateway
    from stripe_sandbox import Sandbox, create_sandbox_app

    sandbox = Sandbox()
    server = ThreadedServer(create_sandbox_app(sandbox))
    sandbox.base_url = server.start()
    gateway = Gateway(Settings(stripe_secret_key=SecretStr(sandbox.api_key), stripe_api_base=sandbox.base_url,
                               stripe_timeout=60))
    try:
        account = gateway.create_account({"controller": {"stripe_dashboard": {"type": "express"},
                                                         "fees": {"payer": "account"},
                                                         "losses": {"payments": "stripe"}}}, key="bench")["id"]
        httpx.post(f"{sandbox.base_url}/_sandbox/connect/onboard", json={"account": account}).raise_for_status()
        httpx.post(f"{sandbox.base_url}/_sandbox/connect/sales", timeout=600,
                   json={"account": account, "count": count, "days": 365, "seed": 1}).raise_for_status()
        before = sandbox.request_count()
        start = time.perf_counter()
        with sessions() as session:
            while backfill.step(session, gateway, account, Pacer(rate)):
                pass
            row = session.get(ConnectImport, account)
            assert row.state == "done", (row.state, row.error)
        elapsed = time.perf_counter() - start
        requests = sandbox.request_count() - before
        return elapsed, requests, requests / rate
    finally:
        gateway.close()
        server.stop()
        sandbox.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--import-sales", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=20.0, help="allowed Stripe requests per second")
    parser.add_argument("--sandbox-import-sales", type=int, default=2000,
                        help="sales to import from the sandbox over HTTP (0: skip)")
    args = parser.parse_args()

    with ExitStack() as cleanup:
        tmp = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bench-connect-")))
        url = cleanup.enter_context(db.scratch_database(args.database, tmp, prefix="bm_bench"))
        settings = Settings(database_url=url, data_dir=tmp, stripe_secret_key=None, webhook_secrets=[], plans={})
        app = create_app(settings)
        server = ThreadedServer(app)
        cleanup.callback(server.stop)
        cleanup.callback(app.state.bus.close)
        bridge_url = server.start()
        sessions = app.state.sessions

        started = time.perf_counter()
        fill(sessions, args.sales)
        print(f"{args.sales} sales stored in {time.perf_counter() - started:.1f} s ({args.database})")

        client = cleanup.enter_context(httpx.Client(base_url=bridge_url, timeout=120))
        token = client.post("/v1/auth/login", json={"email": "seller@bench.test", "password": "pw",
                                                   "device": "bench"}).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        series_params = {"from": YEAR_START, "to": YEAR_END, "bucket": "month"}
        assert len(client.get("/v1/connect/sales", params={"limit": 50}).json()["data"]) == 50

        def bare(query: Any, **params: Any) -> Callable[[], Any]:
            def run() -> Any:
                with app.state.engine.connect() as connection:
                    return connection.execute(query, {"a": ACCOUNT, **params}).all()
            return run

        def store_page() -> Any:
            with sessions() as session:
                return connect_store.sales(session, ACCOUNT, limit=50, starting_after=None)

        def store_series() -> Any:
            with sessions() as session:
                return connect_store.series_rows(session, ACCOUNT, "month", YEAR_START, YEAR_END)

        rows = [
            ("first sales page (50)", timed(bare(BARE_PAGE), args.rounds), timed(store_page, args.rounds),
             timed(lambda: client.get("/v1/connect/sales", params={"limit": 50}).raise_for_status(), args.rounds)),
            ("a year's monthly series", timed(bare(BARE_SERIES, s=YEAR_START, e=YEAR_END), args.rounds),
             timed(store_series, args.rounds),
             timed(lambda: client.get("/v1/connect/sales/series", params=series_params).raise_for_status(),
                   args.rounds)),
        ]
        print(f"median of {args.rounds}, milliseconds:        bare SQL   store read   HTTP GET   store/bare  HTTP/bare")
        for name, bare_ms, store_ms, http_ms in rows:
            print(f"  {name:32s} {bare_ms:9.2f} {store_ms:12.2f} {http_ms:10.2f} {store_ms / bare_ms:11.2f}x"
                  f" {http_ms / bare_ms:9.2f}x")

        seconds, exported, growth = csv_export(client)
        print(f"CSV export: {exported} rows in {seconds:.1f} s ({exported / seconds:,.0f} rows/s), "
              f"peak RSS growth {growth / 1024:.1f} MiB")

        seconds, requests, floor = import_bench(sessions, args.import_sales, args.rate)
        print(f"import of {args.import_sales} sales from an instant stand-in: {requests} Stripe requests at "
              f"<= {args.rate:g}/s, {seconds:.1f} s against a floor of {floor:.1f} s ({seconds / floor:.2f}x)")
        if args.sandbox_import_sales:
            seconds, requests, floor = sandbox_import_bench(sessions, args.sandbox_import_sales, args.rate)
            print(f"import of {args.sandbox_import_sales} sales from the sandbox over HTTP: {requests} requests at "
                  f"<= {args.rate:g}/s, {seconds:.1f} s against a floor of {floor:.1f} s ({seconds / floor:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
