"""The client's address, for the sign-in limits: the socket peer, or, only when that peer is one of the
configured trusted proxies, what the configured header says.

`BRIDGE_TRUSTED_PROXY_HEADER` names the header (X-Forwarded-For, X-Real-IP, or RFC 7239 Forwarded) and
`BRIDGE_TRUSTED_PROXIES` the proxies' addresses or networks. The header is read right to left: each
trusted proxy appends the address it saw, so the first entry that is not itself a trusted proxy is the
client; entries to its left were written by the client and are never believed. A header from any other
peer is ignored, as is every header when none is configured (uvicorn's own proxy-header rewriting is
off, see serving.py and cli.py, so the peer is the real socket peer).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from starlette.requests import HTTPConnection

from server_bridge.settings import Settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_FORWARDED_FOR = re.compile(r'(?i)(?:^|;)\s*for\s*=\s*("[^"]*"|[^;,\s]*)')


def parse_address(text: str) -> Address | None:
    """An address from a header entry: "192.0.2.1", "192.0.2.1:443", "[2001:db8::1]:443", "2001:db8::1";
    IPv4-mapped IPv6 as IPv4. None for anything else ("unknown", obfuscated names, garbage)."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _hops(header: str, values: Sequence[str]) -> list[str]:
    """The header's entries in order, nearest the client first, across repeated header lines."""
    entries: list[str] = []
    for value in values:
        for element in value.split(","):
            if header.lower() == "forwarded":
                match = _FORWARDED_FOR.search(element)
                entries.append(match.group(1) if match else "")
            else:
                entries.append(element)
    return entries


def _trusted(address: Address | None, proxies: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_address(connection: HTTPConnection, settings: Settings) -> str:
    peer_text = connection.client.host if connection.client else ""
    peer = parse_address(peer_text)
    header = settings.trusted_proxy_header
    if not header or not _trusted(peer, settings.trusted_proxies):
        return str(peer) if peer is not None else peer_text
    nearest: Address = peer  # type: ignore[assignment]  # trusted, so parsed
    for entry in reversed(_hops(header, connection.headers.getlist(header))):
        address = parse_address(entry)
        if address is None:
            break   # a trusted proxy would not write this: believe the last hop that is sure
        if not _trusted(address, settings.trusted_proxies):
            return str(address)
        nearest = address
    return str(nearest)


def limit_key(address: str) -> str:
    """What one client is counted as: an IPv4 address, or an IPv6 /64 (one subscriber's whole block)."""
    parsed = parse_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed) if parsed is not None else address
