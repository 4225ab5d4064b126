"""Which address a sign-in is counted against: the socket peer, or a trusted proxy's header read right
to left, never a header from anyone else."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from server_bridge.edge.client_address import client_address, limit_key
from server_bridge.settings import Settings


def request(peer: str, headers: dict[str, str] | list[tuple[str, str]] | None = None) -> Request:
    items = headers.items() if isinstance(headers, dict) else (headers or [])
    return Request({"type": "http", "client": (peer, 40000),
                    "headers": [(k.lower().encode(), v.encode()) for k, v in items]})


PROXIED = Settings(trusted_proxy_header="X-Forwarded-For", trusted_proxies="10.0.0.0/8, 192.0.2.7")


@pytest.mark.parametrize("peer, header, expected", [
    ("10.1.2.3", "203.0.113.9", "203.0.113.9"),
    ("10.1.2.3", "1.1.1.1, 203.0.113.9", "203.0.113.9"),              # the client's own prefix is not believed
    ("10.1.2.3", "1.1.1.1, 203.0.113.9, 192.0.2.7", "203.0.113.9"),   # two trusted proxies in a row
    ("10.1.2.3", "203.0.113.9:5555", "203.0.113.9"),
    ("10.1.2.3", "[2001:db8::5]:443", "2001:db8::5"),
    ("10.1.2.3", "::ffff:203.0.113.9", "203.0.113.9"),
    ("10.1.2.3", "1.1.1.1, garbage", "10.1.2.3"),                     # unreadable: the nearest sure hop
    ("10.1.2.3", "10.0.0.5", "10.0.0.5"),                             # all trusted: the farthest
    ("10.1.2.3", None, "10.1.2.3"),
    ("198.51.100.1", "203.0.113.9", "198.51.100.1"),                  # not from a trusted proxy: ignored
])
def test_x_forwarded_for(peer: str, header: str | None, expected: str) -> None:
    assert client_address(request(peer, {"X-Forwarded-For": header} if header else {}), PROXIED) == expected


def test_repeated_header_lines_read_as_one_list() -> None:
    lines = [("X-Forwarded-For", "1.1.1.1"), ("X-Forwarded-For", "203.0.113.9")]
    assert client_address(request("10.1.2.3", lines), PROXIED) == "203.0.113.9"


def test_rfc_7239_forwarded() -> None:
    settings = Settings(trusted_proxy_header="Forwarded", trusted_proxies="10.0.0.0/8")
    header = 'for=1.1.1.1, for="[2001:db8::7]:80";proto=https;by=10.0.0.1'
    assert client_address(request("10.0.0.1", {"Forwarded": header}), settings) == "2001:db8::7"


def test_without_a_configured_proxy_every_header_is_ignored() -> None:
    spoofed = {"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9", "Forwarded": "for=203.0.113.9"}
    assert client_address(request("127.0.0.1", spoofed), Settings()) == "127.0.0.1"
    only_header = Settings(trusted_proxy_header="X-Forwarded-For")       # no proxies named: none trusted
    assert client_address(request("127.0.0.1", spoofed), only_header) == "127.0.0.1"


def test_an_ipv6_client_is_counted_by_its_64_block() -> None:
    assert limit_key("2001:db8:1:2:aaaa::1") == limit_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert limit_key("2001:db8:1:3::1") != limit_key("2001:db8:1:2::1")
    assert limit_key("203.0.113.9") == "203.0.113.9"


def test_trusted_proxies_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIDGE_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 ,2001:db8::/32")
    monkeypatch.setenv("BRIDGE_TRUSTED_PROXY_HEADER", "X-Real-IP")
    settings = Settings()
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"]
    assert settings.trusted_proxy_header == "X-Real-IP"
    monkeypatch.setenv("BRIDGE_TRUSTED_PROXIES", "10.0.0.0/8, not-a-network")
    with pytest.raises(ValueError):
        Settings()
