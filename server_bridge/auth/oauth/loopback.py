"""Who may ask for a code, and where it may be sent (RFC 8252 §7.3, §8.3; RFC 7636).

One client, the desktop app, `billing-manager`, a public client (no secret: PKCE stands in for one).
Its redirect is an http:// URL on the loopback address, 127.0.0.1 or [::1], on whatever port the app
got from its operating system; `localhost` is refused (RFC 8252 §8.3: it may resolve elsewhere),
as is anything with user info, a query or a fragment.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlencode, urlsplit

CLIENT_ID = "billing-manager"
LOOPBACK_HOSTS = ("127.0.0.1", "::1")
MAX_REDIRECT_LENGTH = 2000
MAX_STATE_LENGTH = 500
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")          # BASE64URL(SHA256(verifier)), no padding
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")     # RFC 7636 §4.1


def is_loopback_redirect(uri: str) -> bool:
    if not uri or len(uri) > MAX_REDIRECT_LENGTH or any(ch.isspace() for ch in uri):
        return False
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme != "http" or parts.query or parts.fragment or "#" in uri or "?" in uri:
        return False
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return False
    if parts.hostname not in LOOPBACK_HOSTS or port is None or port == 0:
        return False
    expected_netloc = f"[::1]:{port}" if parts.hostname == "::1" else f"127.0.0.1:{port}"
    return parts.netloc == expected_netloc


def is_code_challenge(value: str) -> bool:
    return bool(_CHALLENGE.fullmatch(value))


def is_code_verifier(value: str) -> bool:
    return bool(_VERIFIER.fullmatch(value))


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def redirect_with(uri: str, **params: str | None) -> str:
    """The redirect URI with these parameters added (it never has a query of its own)."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{uri}?{query}"
