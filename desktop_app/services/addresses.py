"""Where the bridge's address comes from: a billing-manager:// link, the operator's build default, or typed
(the order is applied in app.py and ui/links.py: a link, else the bridge last used, else the operator's).

Every address goes through check() before the app uses it: https only (http only on this computer),
no user name or password in it, no query or fragment. What is wrong is said in one sentence
(BadAddress.message), for the owner to read.
"""

from __future__ import annotations

import ipaddress
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

log = logging.getLogger(__name__)

SCHEME = "billing-manager"
MAX_LINK = 2048


class BadAddress(ValueError):
    """An address or link the app will not use; message is what the owner reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check(url: str) -> str:
    """The bridge address as the app stores it (no trailing slash), or BadAddress saying why not."""
    text = url.strip()
    if not text:
        raise BadAddress("Enter the billing server's address.")
    if len(text) > MAX_LINK or any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise BadAddress("This is not a billing server address.")
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port   # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise BadAddress("This is not a billing server address.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not host:
        raise BadAddress("The billing server's address starts with https://.")
    if parts.username is not None or parts.password is not None:
        raise BadAddress("The billing server's address must not contain a user name or password.")
    if scheme == "http" and not is_loopback(host):
        raise BadAddress("The billing server's address must start with https:// (http:// only on this computer).")
    if parts.query or parts.fragment:
        raise BadAddress("The billing server's address has no ? or # part.")
    return urlunsplit((scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def typed(text: str) -> str:
    """An address typed by hand: https:// is added when no scheme is given (http:// for this computer)."""
    text = text.strip()
    if text and "://" not in text:
        host = urlsplit(f"//{text}").hostname or ""
        text = f"{'http' if is_loopback(host) else 'https'}://{text}"
    return check(text)


def from_link(link: str) -> str:
    """The bridge address a `billing-manager://connect?bridge=https://...` link names."""
    text = link.strip()
    if len(text) > MAX_LINK:
        raise BadAddress("This Billing Manager link is too long to be genuine.")
    parts = urlsplit(text)
    if parts.scheme.lower() != SCHEME:
        raise BadAddress("This is not a Billing Manager link.")
    action = (parts.netloc or parts.path.strip("/")).lower()
    if action != "connect" or parts.netloc and parts.path.strip("/"):
        raise BadAddress("This Billing Manager link is not one this version understands (it should start with "
                         "billing-manager://connect).")
    bridges = parse_qs(parts.query, keep_blank_values=True).get("bridge", [])
    if len(bridges) != 1 or not bridges[0].strip():
        raise BadAddress("This Billing Manager link does not say which billing server to connect to.")
    try:
        return check(bridges[0])
    except BadAddress as exc:
        raise BadAddress(f"This link cannot be used: {exc.message[0].lower()}{exc.message[1:]}") from None


def make_link(bridge: str) -> str:
    """The link an operator's dashboard shows for this bridge (the inverse of from_link)."""
    from urllib.parse import urlencode
    return f"{SCHEME}://connect?{urlencode({'bridge': check(bridge)})}"


@dataclass(frozen=True)
class OperatorDefaults:
    """What an operator's branded build ships beside the executable (billing-manager.toml)."""

    bridge: str = ""
    docs: str = ""


def operator_defaults(path: Path | None) -> OperatorDefaults:
    """Read the operator's file; a missing file gives nothing, a broken one is logged and ignored."""
    if path is None:
        return OperatorDefaults()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return OperatorDefaults()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        log.warning("ignoring the operator's settings %s: %s", path, exc)
        return OperatorDefaults()
    found = {}
    for key in ("bridge", "docs"):
        value = data.get(key, "")
        if not isinstance(value, str) or not value:
            continue
        try:
            found[key] = check(value) if key == "bridge" else _docs(value)
        except BadAddress as exc:
            log.warning("ignoring %s in %s: %s", key, path, exc.message)
    return OperatorDefaults(**found)


def _docs(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise BadAddress("The help address must start with https://.")
    return url.strip()
