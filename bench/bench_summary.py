"""Warm GET /v1/billing/summary reads per second, against a bare endpoint in the same run, and Stripe
calls per read.

The bridge runs on the sandbox stack (token check, store reads, shaping, response model); the
baseline is a bare FastAPI app, one plain `def` endpoint returning the same JSON, served the same way
(uvicorn, one process). Both are driven by wrk (Debian's `wrk`; `./dev bench` installs it when it
runs as root), or by several client processes where wrk is missing, so the load generator is not
what is measured. Rounds are interleaved; the best of each is kept. Figures that matter: 0 Stripe
calls per warm read (counted by the sandbox), and the ratio to the bare endpoint.

Capacity: one bridge process serves its reads on one core (uvicorn runs one event loop; the thread
pool shares one interpreter). At R warm reads/s and N summary reads per owner per day, one core
serves R * 86400 / N owners. A desktop reads the summary when it starts, on each refresh event
(a webhook or a write of the owner's) and after each plan change: N = 100 is generous. The script
prints R * 86400 / N for its own run.

    .venv/bin/python bench/bench_summary.py [--seconds 5] [--connections 8] [--rounds 3]
        [--database sqlite|postgresql] [--reads-per-owner-per-day 100] [--clients processes]
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from server_bridge import db
from server_bridge.stack import start_sandbox_stack
from stripe_sandbox.serving import ThreadedServer


def wrk_rate(url: str, headers: dict[str, str], seconds: float, connections: int) -> tuple[float, int]:
    """(reads/s, reads) from one wrk run; fails on any non-2xx answer."""
    args = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw failed reads:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    reads = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return rate, reads


def _client_loop(url: str, headers: dict[str, str], seconds: float) -> tuple[int, float]:
    with httpx.Client(headers=headers, timeout=30) as client:
        client.get(url)                        # connected before the clock starts
        reads, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            if client.get(url).status_code != 200:
                raise RuntimeError(f"{url} did not answer 200")
            reads += 1
    return reads, elapsed


def process_rate(url: str, headers: dict[str, str], seconds: float, connections: int) -> tuple[float, int]:
    """(reads/s, reads) from `connections` client processes, each on one keep-alive connection."""
    with multiprocessing.get_context("spawn").Pool(connections) as pool:
        results = pool.starmap(_client_loop, [(url, headers, seconds)] * connections)
    return sum(reads / elapsed for reads, elapsed in results), sum(reads for reads, _ in results)


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
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--email", default="pro@demo.test")
    parser.add_argument("--reads-per-owner-per-day", type=int, default=100)
    parser.add_argument("--clients", choices=["wrk", "processes"], default="wrk" if shutil.which("wrk") else "processes")
    args = parser.parse_args()
    measure = wrk_rate if args.clients == "wrk" else process_rate

    with ExitStack() as cleanup:
        tmp = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bench-summary-")))
        url = cleanup.enter_context(database(args.database))
        stack = cleanup.enter_context(start_sandbox_stack(data_dir=tmp, database_url=url))
        with httpx.Client(base_url=stack.bridge_url, timeout=30) as client:
            token = client.post("/v1/auth/login", json={"email": args.email, "password": "demo",
                                                       "device": "bench"}).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            body = client.get("/v1/billing/summary", headers=auth).json()   # warm: the owner is synced
        bare_url = cleanup.enter_context(bare_server(body)) + "/summary"
        bridge_url = stack.bridge_url + "/v1/billing/summary"

        measure(bare_url, {}, 1, args.connections)        # warm both up
        measure(bridge_url, auth, 1, args.connections)
        bares, bridges, reads = [], [], 0
        calls_before = stack.sandbox.request_count()
        for _ in range(args.rounds):   # interleaved: other load on the machine hits both alike
            bares.append(measure(bare_url, {}, args.seconds, args.connections)[0])
            rate, count = measure(bridge_url, auth, args.seconds, args.connections)
            bridges.append(rate)
            reads += count
        calls = stack.sandbox.request_count() - calls_before

    bare, bridge = max(bares), max(bridges)
    per_day = args.reads_per_owner_per_day
    print(f"{args.clients}, {args.connections} connections, best of {args.rounds} x {args.seconds:g} s, {args.database}:")
    print(f"  bare FastAPI endpoint                {bare:8.0f} reads/s")
    print(f"  bridge GET /v1/billing/summary       {bridge:8.0f} reads/s")
    print(f"  ratio bridge / bare                  {bridge / bare:8.2f}x")
    print(f"  Stripe calls per warm summary read   {calls / max(1, reads):8.3f}   (goal 0: "
          f"{'met' if calls == 0 else 'MISSED'}; {reads} reads)")
    print(f"  capacity: {bridge * 86400 / per_day:,.0f} owners per core at {per_day} summary reads "
          f"per owner per day")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
