from __future__ import annotations

import subprocess
import sys

import desktop_app.services as services


def test_every_exported_name_resolves() -> None:
    for name in services.__all__:
        assert getattr(services, name) is not None, name
    assert "BridgeClient" in dir(services)


def test_showing_the_cache_does_not_load_the_network_or_keyring_stack() -> None:
    """The window paints from the cache before it needs httpx or keyring (start-up time, see bench/)."""
    code = ("import sys\n"
            "from desktop_app.services import Cache, CachedView, Config, Paths, Summary, owner_key, money, day\n"
            "money(100, 'usd'); day(0)\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'httpx', 'httpx_sse', 'keyring'}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
