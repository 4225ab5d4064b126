"""Every failure in the words the owner reads: one sentence, never a traceback (Qt-free).

ui/common/errors.py shows them; the sign-in dialog and the status line read them too.
"""

from __future__ import annotations

from . import errors as kinds
from .errors import BridgeRefused, BridgeUnreachable, IncompleteDownload, NotSignedIn, UnexpectedResponse

REFUSED_WORDS = {
    "invalid_credentials": "Wrong email or password.",
    "unauthorized": "You are signed out. Please sign in again.",
    "token_expired": "Your sign-in has expired. Please sign in again.",
    "account_disabled": "This account has been disabled. Please contact the platform.",
    "no_subscription": "You have no active plan.",
    "already_subscribed": "You already have a plan.",
    "same_plan": "You are already on this plan.",
    "stale_preview": "The price preview is out of date. Please look at it again.",
    "payment_failed": "Your card was declined; nothing was changed.",
    "stripe_unavailable": "The payment service is not answering right now. Please try again shortly.",
    "stripe_timeout": "Stripe is slow to answer; nothing was changed. Please try again in a moment.",
}


def wait_words(seconds: float) -> str:
    seconds = max(1, round(seconds))
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


#: Only the first is the owner's connection; the others are the bridge's side, and the app retries by itself.
UNREACHABLE_WORDS = {
    kinds.NETWORK: "Cannot reach the billing server: check your internet connection.",
    kinds.DOWN: "The billing server is not answering; it may be restarting.",
    kinds.SLOW: "The billing server is slow to answer.",
    kinds.BROKEN: "The connection to the billing server broke off.",
    kinds.ADDRESS: "The billing server's address is not a web address (http:// or https://).",
}


def is_connection_words(text: str) -> bool:
    """Whether a banner's text is one of the unreachable sentences (it goes once the bridge answers)."""
    return text in UNREACHABLE_WORDS.values()


def describe(exc: BaseException) -> str:
    """What the owner reads for exc: one sentence, never a traceback.

    "Check your connection" only when it is the connection: a bridge that refuses connections is down
    or restarting, a slow answer is the server's, an error answer is the server's problem."""
    if isinstance(exc, BridgeUnreachable):
        return UNREACHABLE_WORDS.get(exc.kind, UNREACHABLE_WORDS[kinds.NETWORK])
    if isinstance(exc, IncompleteDownload):
        return f"{exc.filename} did not arrive whole, so it was not saved. Please try again."
    if isinstance(exc, NotSignedIn):
        return REFUSED_WORDS.get(exc.code, "Please sign in again.")
    if isinstance(exc, BridgeRefused):
        if exc.status == 413:  # the bridge's payload_too_large, or a proxy in front of it
            return ("The billing server refused a request as too large; nothing was changed. "
                    "If this keeps happening, tell the platform.")
        if exc.code == "too_many_attempts":
            wait = f" Try again in {wait_words(exc.retry_after)}." if exc.retry_after else " Try again later."
            return "Too many sign-in attempts." + wait
        if exc.code in REFUSED_WORDS:
            return REFUSED_WORDS[exc.code]
        if isinstance(exc, UnexpectedResponse) and exc.status >= 500:
            return f"The billing server had a problem ({exc.status}); try again shortly."
        return exc.message or f"The billing server refused the request ({exc.code})."
    if isinstance(exc, PermissionError):
        return f"No permission to write there: {exc.filename or exc}"
    if isinstance(exc, FileNotFoundError):
        return f"Folder or file not found: {exc.filename or exc}"
    if isinstance(exc, OSError):
        return f"Could not save the file: {exc.strerror or exc}"
    return "Something went wrong. Details were written to the log."
