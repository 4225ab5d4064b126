"""`python -m stripe_sandbox` runs the sandbox alone and says where it is."""

from __future__ import annotations

import subprocess
import sys

import stripe


def test_runs_alone_and_prints_url_and_key() -> None:
    process = subprocess.Popen([sys.executable, "-m", "stripe_sandbox", "--port", "0", "--seed"],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split(" on ")[1].strip()
        key = process.stdout.readline().split(": ")[1].strip()
        client = stripe.StripeClient(key, base_addresses={"api": url})
        emails = {c.email for c in client.v1.customers.list({"limit": 10}).data}
        assert emails == {"pro@demo.test", "starter@demo.test", "new@demo.test", "pastdue@demo.test"}
        assert {p.lookup_key for p in client.v1.prices.list().data} == {"starter", "pro"}
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
