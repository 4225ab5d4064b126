"""The sandbox's sales generator: how long 100,000 sales of history take, what they cost in memory,
and what a list page costs once they are there (through the SDK over HTTP, as the bridge reads them).

Made in bulk (no API round trip and no webhook per sale): charges with balance transactions and
application fees, refunds, disputes, daily payouts over a year. Goal: 100,000 in well under a minute
of CPU, and a page of 100 charges as fast at the end of the list as at its start.

    .venv/bin/python bench/bench_sales_generator.py [--count 100000]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import stripe

from stripe_sandbox import Sandbox, create_sandbox_app
from stripe_sandbox.serving import ThreadedServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()

    sandbox = Sandbox(api_key="sk_test_bench")
    server = ThreadedServer(create_sandbox_app(sandbox))
    sandbox.base_url = server.bind()
    server.start()
    try:
        client = stripe.StripeClient(sandbox.api_key, base_addresses={"api": sandbox.base_url})
        account = client.v1.accounts.create({"controller": {"stripe_dashboard": {"type": "express"},
                                                            "fees": {"payer": "account"},
                                                            "losses": {"payments": "stripe"}}}).id
        sandbox.connect.accounts.onboard_account(account)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        cpu = time.process_time()
        report = sandbox.connect.sales.generate(account, count=args.count, days=365,
                                                currencies=("usd", "eur", "gbp"), seed=1)
        cpu = time.process_time() - cpu
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
        print(f"generated {report.charges:,} charges, {report.refunds:,} refunds, {report.disputes:,} disputes, "
              f"{report.payouts:,} payouts in {report.seconds:.1f} s wall, {cpu:.1f} s CPU "
              f"({report.charges / cpu:,.0f} sales per CPU second); peak RSS grew {grown:,.0f} MB")

        on = {"stripe_account": account}
        first, deep = [], []
        cursor = None
        for _ in range(args.pages):
            started = time.perf_counter()
            page = client.v1.charges.list({"limit": 100}, options=on)
            first.append(time.perf_counter() - started)
            cursor = page.data[-1].id
        ids = [c["id"] for c in sandbox.connect.ledger.owned(account, "charge")]
        cursor = ids[len(ids) // 50]   # near the oldest end of the list
        for _ in range(args.pages):
            started = time.perf_counter()
            client.v1.charges.list({"limit": 100, "starting_after": cursor}, options=on)
            deep.append(time.perf_counter() - started)
        print(f"GET /v1/charges?limit=100 over HTTP: first page {statistics.median(first) * 1000:.1f} ms, "
              f"a page near the end {statistics.median(deep) * 1000:.1f} ms (medians of {args.pages})")
    finally:
        server.stop()
        sandbox.close()


if __name__ == "__main__":
    main()
