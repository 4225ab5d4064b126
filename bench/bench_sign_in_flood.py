"""A sign-in flood against a real bridge process: its memory and its webhooks' answer times.

Starts a bridge (uvicorn, real argon2id cost: 64 MiB a check) as a child process on SQLite or
PostgreSQL, then sends N sign-ins at once, each a wrong password for its own email from its own
client address (X-Forwarded-For from a trusted proxy: the worst case, a botnet, which no per-email or
per-address limit stops), while signed webhooks are sent one after another. Prints the bridge's RSS
before, its peak during the flood (VmHWM), the sign-ins' answers and the webhooks' answer times.

    .venv/bin/python bench/bench_sign_in_flood.py [--flood 40] [--database sqlite|postgresql]
        [--checks-at-once 2] [--code DIR]

`--code DIR` runs the bridge from another checkout (e.g. an export of main) to compare with it.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SECRET = "whsec_bench_only"

SERVER = """
import sys, uvicorn
from pydantic import SecretStr
from server_bridge import auth, db
from server_bridge.app import create_app
from server_bridge.settings import Settings
url, folder, port, at_once = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
settings = Settings(database_url=url, data_dir=folder, stripe_secret_key=None, plans={"pro": "price_pro"},
                    webhook_secrets=[SecretStr(%r)], password_checks_at_once=at_once,
                    password_check_wait_seconds=30, trusted_proxy_header="X-Forwarded-For",
                    trusted_proxies="127.0.0.1")
db.upgrade(url)
app = create_app(settings)
with app.state.sessions() as session:
    auth.add_owner(session, "owner@bench.test", "right password")
    session.commit()
kwargs = {"proxy_headers": False}
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", **kwargs)
""" % SECRET


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def webhook(client: httpx.Client, n: int) -> float:
    payload = json.dumps({
        "id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "api_version": "2026-10-28.endive",
        "created": int(time.time()), "livemode": False, "pending_webhooks": 1, "type": "customer.subscription.updated",
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": {"id": f"sub_{n}", "object": "subscription", "customer": f"cus_{n}", "status": "active",
                            "created": 1, "cancel_at_period_end": False, "cancel_at": None,
                            "items": {"object": "list", "data": []}}, "previous_attributes": {}}}).encode()
    at = int(time.time())
    digest = hmac.new(SECRET.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    started = time.perf_counter()
    answer = client.post("/v1/webhooks/stripe", content=payload,
                         headers={"Stripe-Signature": f"t={at},v1={digest}", "Content-Type": "application/json"})
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    return elapsed


def run(database: str, flood: int, at_once: int, code: Path) -> None:
    from server_bridge import db

    with ExitStack() as cleanup:
        folder = Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        if database == "sqlite":
            url = f"sqlite:///{folder / 'bridge.db'}"
        else:
            url = cleanup.enter_context(db.scratch_database("postgresql", prefix="bm_bench", migrate=False))
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(code)}
        server = subprocess.Popen([sys.executable, "-c", SERVER, url, str(folder), str(port), str(at_once)],
                                  env=env, cwd=code)
        cleanup.callback(server.wait, 10)
        cleanup.callback(server.terminate)
        base = f"http://127.0.0.1:{port}"
        client = cleanup.enter_context(httpx.Client(base_url=base, timeout=60))
        deadline = time.monotonic() + 60
        while True:
            try:
                client.get("/openapi.json")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the bridge did not start")
                time.sleep(0.1)

        # Warm up: one sign-in (argon2 loaded and run once) and a few webhooks.
        client.post("/v1/auth/login", json={"email": "owner@bench.test", "password": "right password",
                                            "device": "bench"})
        quiet = [webhook(client, n) for n in range(10)]
        before = rss_kib(server.pid)

        peak = [before]
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], rss_kib(server.pid))
                time.sleep(0.01)

        def sign_in(n: int) -> int:
            with httpx.Client(base_url=base, timeout=120) as http:
                return http.post("/v1/auth/login", headers={"X-Forwarded-For": f"198.51.{n // 250}.{n % 250 + 1}"},
                                 json={"email": f"someone-{n}@bench.test", "password": "guess",
                                       "device": "flood"}).status_code

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(flood) as pool:
            futures = [pool.submit(sign_in, n) for n in range(flood)]
            during = []
            n = 100
            while not all(f.done() for f in futures):
                during.append(webhook(client, n))
                n += 1
            statuses = [f.result() for f in futures]
        took = time.perf_counter() - started
        stop.set()
        sampler.join()
        hwm = rss_kib(server.pid, "VmHWM")

        counts = {status: statuses.count(status) for status in sorted(set(statuses))}
        print(f"database={database} flood={flood} checks_at_once={at_once} code={code}")
        print(f"  RSS before {before / 1024:.0f} MiB, peak during flood {max(peak[0], hwm) / 1024:.0f} MiB "
              f"(+{(max(peak[0], hwm) - before) / 1024:.0f} MiB); flood answered in {took:.2f} s: {counts}")
        print(f"  webhooks quiet: median {statistics.median(quiet) * 1000:.0f} ms; during the flood "
              f"({len(during)}): median {statistics.median(during) * 1000:.0f} ms, "
              f"max {max(during) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flood", type=int, default=40)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--checks-at-once", type=int, default=2)
    parser.add_argument("--code", type=Path, default=ROOT)
    args = parser.parse_args()
    run(args.database, args.flood, args.checks_at_once, args.code.resolve())


if __name__ == "__main__":
    main()
