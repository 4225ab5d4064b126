"""Signed webhook events applied per second, on SQLite and on PostgreSQL, on one worker.

Each event goes the whole way: signature checked, raw event stored, applied to the store, committed.
Measured two ways: the pipeline called directly (what one worker thread does per event), and over
HTTP through the bridge's uvicorn server with one client. Baselines from the same run: the same
number of bare HMAC verifications, and a bare loop inserting the raw event rows, one transaction
each (the floor any durable pipeline pays). Goal: 1,000 events/s.

    .venv/bin/python bench/bench_webhooks.py [--events 2000]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import multiprocessing
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from pydantic import SecretStr

from server_bridge import db
from server_bridge.app import create_app
from server_bridge.db.models import WebhookEvent
from server_bridge.gateway import verify_webhook
from server_bridge.mirror.webhooks import process_event
from server_bridge.settings import Settings
from stripe_sandbox.serving import ThreadedServer

SECRET = "whsec_bench"
GOAL = 1000


def sign(payload: bytes, at: int) -> str:
    return f"t={at},v1={hmac.new(SECRET.encode(), f'{at}.'.encode() + payload, hashlib.sha256).hexdigest()}"


def make_events(count: int) -> list[tuple[bytes, str]]:
    """A realistic mix: subscription updates, invoices, cards, for 50 customers."""
    now = int(time.time())
    events = []
    for n in range(count):
        customer = f"cus_bench{n % 50:03d}"
        kind = n % 3
        if kind == 0:
            obj = {"id": f"sub_{customer}", "object": "subscription", "customer": customer, "status": "active",
                   "created": now - 1000, "cancel_at_period_end": n % 2 == 0,
                   "items": {"object": "list", "data": [{"id": f"si_{n}", "price": {"id": "price_pro"},
                                                         "current_period_end": now + 86400}]}}
            kind_name = "customer.subscription.updated"
        elif kind == 1:
            obj = {"id": f"in_{n:06d}", "object": "invoice", "customer": customer, "status": "paid",
                   "created": now - n, "total": 2500, "amount_due": 2500, "amount_paid": 2500, "currency": "usd",
                   "lines": {"object": "list", "data": [{"id": f"il_{n}", "amount": 2500,
                                                         "period": {"start": now, "end": now + 86400}}]}}
            kind_name = "invoice.paid"
        else:
            obj = {"id": f"pm_{customer}", "object": "payment_method", "customer": customer,
                   "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030}}
            kind_name = "payment_method.updated"
        event = {"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "api_version": "2026-10-28.endive",
                 "created": now - count + n, "livemode": False, "type": kind_name,
                 "data": {"object": obj, "previous_attributes": {}}, "pending_webhooks": 1,
                 "request": {"id": None, "idempotency_key": None}}
        payload = json.dumps(event).encode()
        events.append((payload, sign(payload, now)))
    return events


def database(kind: str, folder: Path) -> Any:
    return db.scratch_database(kind, folder, prefix="bm_bench")


def rate(count: int, run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return count / (time.perf_counter() - start)


def bench_pipeline(url: str, events: list[tuple[bytes, str]], threads: int = 1) -> float:
    """Verify, store and apply each event; `threads` > 1 is one worker process handling concurrent
    deliveries (what uvicorn's thread pool does), which lets PostgreSQL group commits."""
    engine = db.make_engine(url)
    sessions = db.make_sessions(engine)
    outcomes: list[str] = []

    def handle(chunk: list[tuple[bytes, str]]) -> None:
        for payload, header in chunk:
            event = verify_webhook(payload, header, [SECRET], 300)
            outcomes.append(process_event(sessions, event, payload.decode()).status)

    def run() -> None:
        workers = [threading.Thread(target=handle, args=(events[n::threads],)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    try:
        result = rate(len(events), run)
        assert outcomes.count("applied") == len(events), set(outcomes)
        return result
    finally:
        engine.dispose()


def bench_insert_floor(url: str, events: list[tuple[bytes, str]]) -> float:
    engine = db.make_engine(url)
    sessions = db.make_sessions(engine)
    rows = [json.loads(payload) for payload, _ in events]

    def run() -> None:
        for event, (payload, _) in zip(rows, events):
            with sessions() as session:
                session.add(WebhookEvent(id="floor_" + event["id"], type=event["type"], created=event["created"],
                                         livemode=False, payload=payload.decode(), received_at=0, attempts=1))
                session.commit()

    try:
        return rate(len(events), run)
    finally:
        engine.dispose()


def _deliver(base: str, chunk: list[tuple[bytes, str]], path: str, ready: Any, go: Any, failures: Any) -> None:
    """One delivering client, in a process of its own so it does not share the server's GIL."""
    with httpx.Client(base_url=base, timeout=30) as client:
        client.get("/")   # connect before the clock starts
        ready.wait()
        go.wait()
        for payload, header in chunk:
            answer = client.post(path, content=payload,
                                 headers={"Stripe-Signature": header, "Content-Type": "application/json"})
            if answer.status_code != 200:
                failures.put(answer.text)


def post_all(base: str, events: list[tuple[bytes, str]], path: str, clients: int) -> float:
    """Deliver the events over HTTP from `clients` concurrent client processes (Stripe delivers
    concurrently); the server, as in production, has its process to itself."""
    context = multiprocessing.get_context("spawn")
    ready, go, failures = context.Barrier(clients + 1), context.Event(), context.Queue()
    workers = [context.Process(target=_deliver, args=(base, events[n::clients], path, ready, go, failures))
               for n in range(clients)]
    for worker in workers:
        worker.start()
    ready.wait()
    start = time.perf_counter()
    go.set()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    assert failures.empty(), failures.get()
    return len(events) / elapsed


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    server = ThreadedServer(app)
    base = server.start()
    try:
        yield base
    finally:
        server.stop()


def bench_http(url: str, folder: Path, events: list[tuple[bytes, str]], clients: int) -> float:
    settings = Settings(database_url=url, data_dir=folder, webhook_secrets=[SecretStr(SECRET)], plans={})
    app = create_app(settings)
    try:
        with serving(app) as base:
            return post_all(base, events, "/v1/webhooks/stripe", clients)
    finally:
        app.state.bus.close()


def bench_bare_http(events: list[tuple[bytes, str]], clients: int) -> float:
    """The same POSTs to a bare FastAPI endpoint that answers a constant: the server's own ceiling."""
    app = FastAPI()

    @app.post("/hook")
    async def hook(request: Request) -> dict:
        await request.body()
        return {"received": True}

    with serving(app) as base:
        return post_all(base, events, "/hook", clients)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--clients", type=int, default=4, help="concurrent deliveries over HTTP")
    args = parser.parse_args()

    events = make_events(args.events)
    verify_rate = rate(len(events), lambda: [verify_webhook(p, h, [SECRET], 300) for p, h in events])
    print(f"baseline: signature verifications    {verify_rate:10.0f} /s  ({args.events} events)")
    bare = bench_bare_http(make_events(args.events), args.clients)
    print(f"baseline: bare FastAPI POST over HTTP    {bare:10.0f} /s  ({args.clients} clients)")
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as tmp:
        folder = Path(tmp)
        for kind in (args.only,) if args.only else ("sqlite", "postgresql"):
            try:
                with database(kind, folder) as url:
                    floor = bench_insert_floor(url, events)
                    direct = bench_pipeline(url, events)
                with database(kind, folder) as url:
                    threaded = bench_pipeline(url, make_events(args.events), threads=args.clients)
                with database(kind, folder) as url:
                    over_http = bench_http(url, folder, make_events(args.events), args.clients)
            except Exception as exc:  # PostgreSQL down: say so, keep the SQLite figures
                print(f"{kind:10s} skipped: {exc}")
                failed = True
                continue
            print(f"{kind:10s} baseline: bare insert per commit  {floor:10.0f} /s")
            print(f"{kind:10s} events applied, one worker      {direct:10.0f} /s  "
                  f"({direct / floor:.2f}x the insert floor, goal {GOAL}/s: {'met' if direct >= GOAL else 'MISSED'})")
            print(f"{kind:10s} events applied, {args.clients} threads      {threaded:10.0f} /s  "
                  f"({threaded / floor:.2f}x the insert floor, goal {GOAL}/s: "
                  f"{'met' if threaded >= GOAL else 'MISSED'})")
            print(f"{kind:10s} events applied over HTTP       {over_http:10.0f} /s  "
                  f"({over_http / bare:.2f}x the bare endpoint, {args.clients} clients, goal {GOAL}/s: "
                  f"{'met' if over_http >= GOAL else 'MISSED'})")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
