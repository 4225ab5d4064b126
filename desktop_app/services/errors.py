"""The two failures a desktop client must tell apart: could not reach the bridge, or was refused by it."""

from __future__ import annotations


class BridgeError(Exception):
    """Anything that went wrong talking to the bridge; `message` is a sentence for the owner."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


#: Why no answer came, as far as the client can tell: what the owner can do about it differs.
NETWORK = "network"   # the name did not resolve, no route, the connect timed out: the owner's connection (or DNS)
DOWN = "down"         # the machine answered but nothing listens on the port: the bridge is stopped or restarting
SLOW = "slow"         # connected, but no answer in time: the bridge (or Stripe behind it) is slow
BROKEN = "broken"     # the connection broke off mid-answer (a bridge restarting, a proxy cutting it)
ADDRESS = "address"   # the configured address is not a usable URL


class BridgeUnreachable(BridgeError):
    """No answer: DNS, connection refused, timeout, a stream that broke off. Retrying later may help.

    `kind` is one of NETWORK, DOWN, SLOW, BROKEN, ADDRESS (NETWORK when unknown)."""

    def __init__(self, message: str, *, host: str = "", reason: str = "", kind: str = NETWORK) -> None:
        super().__init__(message)
        self.host = host
        self.reason = reason
        self.kind = kind


class BridgeRefused(BridgeError):
    """The bridge answered with an error: `code` is the stable code from docs/bridge-api.md."""

    def __init__(self, status: int, code: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, code={self.code!r}, message={self.message!r})"


class NotSignedIn(BridgeRefused):
    """The token is missing, unknown, revoked or expired, or the owner was disabled: sign in again."""


class UnexpectedResponse(BridgeRefused):
    """The bridge (or something pretending to be it) answered with a body this client cannot read."""

    def __init__(self, message: str, *, status: int = 0, code: str = "unexpected_response") -> None:
        super().__init__(status, code, message)


class DownloadCancelled(Exception):
    """The owner cancelled a download; nothing was left behind."""


class IncompleteDownload(BridgeError):
    """A download that did not arrive whole (cut short, or not the length or kind of file it announced):
    it was not saved, and a file already there was left as it was."""

    def __init__(self, filename: str, reason: str = "") -> None:
        detail = f" ({reason})" if reason else ""
        super().__init__(f"{filename} did not arrive whole, so it was not saved{detail}. Try again.")
        self.filename = filename
        self.reason = reason
