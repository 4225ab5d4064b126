"""Run the sandbox alone: `python -m stripe_sandbox --port 12111` prints its URL and API key.

Point any Stripe SDK at it (`StripeClient(key, base_addresses={"api": url})`). `--seed` also makes
the Starter and Pro plans and the four demo owners.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from stripe_sandbox import Sandbox, create_sandbox_app
from stripe_sandbox.billing import catalog
from stripe_sandbox.serving import ThreadedServer


def seed_plans(sandbox: Sandbox) -> dict[str, str]:
    """Starter ($10/month) and Pro ($25/month), found by lookup key as `billing-bridge stripe setup` does."""
    prices = {}
    for key, name, amount in (("starter", "Starter", 1000), ("pro", "Pro", 2500)):
        found = catalog.list_prices(sandbox.store, {"lookup_keys": [key]})
        if found:
            prices[key] = found[0]["id"]
            continue
        product = catalog.create_product(sandbox.store, {"name": name})
        prices[key] = catalog.create_price(sandbox.store, {
            "product": product["id"], "unit_amount": str(amount), "currency": "usd",
            "recurring": {"interval": "month"}, "lookup_key": key, "nickname": name})["id"]
    return prices


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stripe_sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--api-key", default="sk_test_sandbox")
    parser.add_argument("--seed", action="store_true", help="create the plans and the demo owners")
    args = parser.parse_args(argv)

    sandbox = Sandbox(api_key=args.api_key)
    server = ThreadedServer(create_sandbox_app(sandbox), host=args.host, port=args.port)
    try:
        sandbox.base_url = server.bind()
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    server.start()
    print(f"Stripe sandbox on {sandbox.base_url}", flush=True)
    print(f"API key: {sandbox.api_key}", flush=True)
    print(f"Control API: {sandbox.base_url}/_sandbox (clock, faults, requests)", flush=True)
    if args.seed:
        prices = seed_plans(sandbox)
        owners = sandbox.seed_demo_owners(prices)
        print("Plans: " + json.dumps(prices), flush=True)
        print("Demo owners: " + json.dumps(owners), flush=True)
        print("Demo accounts: " + json.dumps(sandbox.seed_demo_accounts()), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        sandbox.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
