"""Summary reads per second through the bridge, against a bare FastAPI endpoint, and Stripe calls per read.

The bridge runs on the sandbox stack (sign-in, token check, store reads, shaping); the baseline is a
bare FastAPI app on the same ThreadedServer setup whose one endpoint returns a constant summary-sized
JSON. Both are read by the same client threads in the same run. Goals: at least 0.5x the bare
endpoint, and 0 Stripe calls per warm read (counted by the sandbox).

    .venv/bin/python bench/bench_summary.py [--reads 2000] [--clients 1 4] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from fastapi import FastAPI  # noqa: E402

from server_bridge import db  # noqa: E402
from server_bridge.serving import ThreadedServer  # noqa: E402
from server_bridge.stack import start_sandbox_stack  # noqa: E402


def read_rate(base: str, path: str, reads: int, clients: int, headers: dict[str, str]) -> float:
    per_client = max(1, reads // clients)
    failures: list[int] = []

    def read() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for _ in range(per_client):
                status = client.get(path).status_code
                if status != 200:
                    failures.append(status)

    threads = [threading.Thread(target=read) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    assert not failures, failures[:5]
    return per_client * clients / elapsed


@contextmanager
def bare_server(body: dict[str, Any]) -> Iterator[str]:
    app = FastAPI()

    @app.get("/summary")
    def summary() -> dict[str, Any]:
        return body

    server = ThreadedServer(app)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@contextmanager
def database(kind: str) -> Iterator[str | None]:
    """None for the stack's own SQLite file; a throwaway PostgreSQL database otherwise."""
    if kind == "sqlite":
        yield None
        return
    with db.scratch_database("postgresql", prefix="bm_bench", migrate=False) as url:
        yield url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--email", default="pro@demo.test")
    args = parser.parse_args()

    with ExitStack() as cleanup:
        tmp = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bench-summary-")))
        url = cleanup.enter_context(database(args.database))
        stack = cleanup.enter_context(start_sandbox_stack(data_dir=tmp, database_url=url))
        with httpx.Client(base_url=stack.bridge_url, timeout=30) as client:
            token = client.post("/v1/auth/login", json={"email": args.email, "password": "demo",
                                                       "device": "bench"}).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            body = client.get("/v1/billing/summary", headers=auth).json()   # warm: the owner is synced
        bare_url = cleanup.enter_context(bare_server(body))

        results = []
        for clients in args.clients:
            read_rate(bare_url, "/summary", 200, clients, {})              # warm up both
            read_rate(stack.bridge_url, "/v1/billing/summary", 200, clients, auth)
            bares, bridges = [], []
            calls_before = stack.sandbox.request_count()
            for _ in range(args.rounds):   # interleaved, best of each: other load on the machine hits both
                bares.append(read_rate(bare_url, "/summary", args.reads, clients, {}))
                bridges.append(read_rate(stack.bridge_url, "/v1/billing/summary", args.reads, clients, auth))
            calls = stack.sandbox.request_count() - calls_before
            results.append((clients, max(bares), max(bridges), calls / (args.reads * args.rounds)))

    for clients, bare, bridge, calls_per_read in results:
        ratio = bridge / bare
        print(f"{clients} client(s), best of {args.rounds} x {args.reads} reads, {args.database}:")
        print(f"  baseline: bare FastAPI endpoint      {bare:8.0f} reads/s")
        print(f"  bridge GET /v1/billing/summary       {bridge:8.0f} reads/s")
        print(f"  ratio bridge / bare                  {ratio:8.2f}x  (goal >= 0.5x: {'met' if ratio >= 0.5 else 'MISSED'})")
        print(f"  Stripe calls per warm summary read   {calls_per_read:8.3f}   "
              f"(goal 0: {'met' if calls_per_read == 0 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
