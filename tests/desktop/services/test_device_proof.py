"""The desktop keeps the bridge's device proof and presents it: a stranger's wrong guesses for the
owner's email lock out new devices, not the owner's laptop that signed in before (against a real
`billing-bridge serve --sandbox`; the stranger comes from another loopback address, 127.0.0.2)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from desktop_app.app import make_client
from desktop_app.services import BridgeRefused, Cache, Config, MemoryStore, Paths
from desktop_app.services.session import Session, device_proof_key
from tests.support.demo_bridges import DEMO_PASSWORD, RunningBridge

EMAIL = "pro@demo.test"


def device(root: Path, name: str) -> tuple[Session, MemoryStore]:
    paths = Paths.under(root / name)
    store = MemoryStore()
    config = Config()
    config.device = name
    return Session(paths=paths, config=config, store=store, cache=Cache(paths.cache_dir),
                   make_client=make_client), store


def test_a_strangers_guesses_do_not_lock_out_a_device_that_signed_in_before(
        fresh_bridge: RunningBridge, tmp_path: Path) -> None:
    laptop, store = device(tmp_path, "laptop")
    laptop.sign_in(fresh_bridge.url, EMAIL, DEMO_PASSWORD)
    first_proof = store.get(device_proof_key(fresh_bridge.url, EMAIL))
    assert first_proof
    laptop.sign_out()
    assert store.get(device_proof_key(fresh_bridge.url, EMAIL)) == first_proof   # outlives sign-out

    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=fresh_bridge.url, transport=transport, timeout=30) as stranger:
        statuses = [stranger.post("/v1/auth/login", json={"email": EMAIL, "password": f"guess{n}",
                                                          "device": "stranger"}).status_code for n in range(10)]
    assert statuses == [401] * 5 + [429] * 5

    laptop.sign_in(fresh_bridge.url, EMAIL, DEMO_PASSWORD)
    assert laptop.client is not None and laptop.client.me().email == EMAIL
    assert store.get(device_proof_key(fresh_bridge.url, EMAIL)) not in (None, first_proof)

    new_laptop, _ = device(tmp_path, "new laptop")
    with pytest.raises(BridgeRefused) as refused:
        new_laptop.sign_in(fresh_bridge.url, EMAIL, DEMO_PASSWORD)
    assert refused.value.code == "too_many_attempts" and refused.value.retry_after
    laptop.close()
    new_laptop.close()
