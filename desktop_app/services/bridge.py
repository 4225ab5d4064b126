"""The bridge's HTTP API (docs/bridge-api.md) as typed calls on one shared `httpx.Client`.

Every failure becomes one of two kinds the UI can tell apart: `BridgeUnreachable` (no answer;
retry later, work from the cache) or `BridgeRefused` (an answer with the bridge's stable code and
message), with `NotSignedIn` for a token the bridge no longer accepts. Safe to use from several
worker threads at once: httpx.Client is, and the token is a single attribute.
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from email.message import Message
from email.utils import collapse_rfc2231_value
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from httpx_sse import SSEError, connect_sse

from . import errors
from .answers import HostedPage, Invoice, InvoicePage, Me, PlanChangePreview, PlanOffer, Plans, SignIn, Summary, decode
from .downloads import Progress, pdf_complete, safe_filename, save_stream
from .errors import BridgeRefused, BridgeUnreachable, IncompleteDownload, NotSignedIn, UnexpectedResponse

T = TypeVar("T")

if TYPE_CHECKING:
    from .earnings import Balance, ConnectAccount, PayoutDetail, PayoutPage, SalePage, SalesSeries, TransactionPage

#: Codes that mean "sign in again" rather than "this request was wrong".
SIGNED_OUT_CODES = frozenset({"unauthorized", "token_expired", "account_disabled"})
#: The bridge sends a keep-alive comment every 15 s; a silent stream for longer than this is dead.
EVENTS_READ_TIMEOUT = 45.0
ALL_TOPICS = ["summary", "plans", "invoices"]


@functools.lru_cache(maxsize=1)
def user_agent() -> str:
    """"BillingManager/<version>", looked up on first use: reading package metadata is slow at start-up."""
    try:
        version = metadata.version("billing-manager")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"BillingManager/{version}"


def _reason(exc: Exception) -> str:
    """A few words on why the bridge could not be reached, without a traceback's worth of detail."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "timed out while connecting"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out waiting for an answer"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection broke off"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "the address is not an http:// or https:// URL"
    text = str(exc) or type(exc).__name__
    if text.startswith("[Errno"):
        text = text.split("]", 1)[-1].strip()
    return text.splitlines()[0][:120]


_DOWN_WORDS = ("connection refused", "connection reset", "actively refused", "errno 111", "errno 61", "10061")


def _kind(exc: Exception) -> str:
    """Which of the unreachable kinds (services.errors) an httpx failure is."""
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return errors.ADDRESS
    if isinstance(exc, httpx.ConnectTimeout):
        return errors.NETWORK
    if isinstance(exc, httpx.TimeoutException):
        return errors.SLOW
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.StreamError)):
        return errors.BROKEN
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError) or any(w in str(cause).lower() for w in _DOWN_WORDS):
            return errors.DOWN
        cause = cause.__cause__ or cause.__context__
    return errors.NETWORK


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def refusal(response: httpx.Response) -> BridgeRefused:
    """The error for a non-2xx answer; the body must have been read."""
    status = response.status_code
    code, message = "unexpected_response", ""
    try:
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and isinstance(error.get("code"), str):
            code = error["code"]
            message = error.get("message") if isinstance(error.get("message"), str) else ""
    except (ValueError, UnicodeDecodeError):
        pass
    if not message:
        reason = response.reason_phrase or "error"
        message = f"The billing server answered {status} {reason}."
    retry_after = _retry_after(response)
    if status == 401 and code != "invalid_credentials" or status == 403 and code in SIGNED_OUT_CODES:
        return NotSignedIn(status, code, message, retry_after=retry_after)
    if code == "unexpected_response":
        err = UnexpectedResponse(message, status=status)
        err.retry_after = retry_after
        return err
    return BridgeRefused(status, code, message, retry_after=retry_after)


def oauth_refusal(response: httpx.Response) -> BridgeRefused:
    """An OAuth endpoint's refusal ({"error": code, "error_description": text}), else the usual reading."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        description = body.get("error_description")
        message = description if isinstance(description, str) and description else "The sign-in was refused."
        return BridgeRefused(response.status_code, body["error"], message)
    return refusal(response)


def filename_from(content_disposition: str | None, fallback: str) -> str:
    """The attachment's file name, reduced to a plain name (no folders, no ".."), else `fallback`."""
    if not content_disposition:
        return fallback
    msg = Message()
    msg["content-disposition"] = content_disposition
    try:
        params = msg.get_params(header="content-disposition", failobj=[])
    except (ValueError, LookupError):
        params = []
    names = []
    for key, value in params:
        if key.lower() != "filename":
            continue
        if isinstance(value, tuple):  # RFC 5987 filename*: the exact name (RFC 6266), first choice
            with contextlib.suppress(ValueError, LookupError):
                names.insert(0, collapse_rfc2231_value(value, errors="strict"))
        else:
            names.append(value)
    return safe_filename(names[0], fallback) if names and names[0] else fallback


class BridgeClient:
    def __init__(self, base_url: str, *, token: str | None = None, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._host = urlsplit(self.base_url).netloc or self.base_url or "(no address)"
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport,
                                  headers={"User-Agent": user_agent(), "Accept": "application/json"})

    # ----- plumbing
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _unreachable(self, exc: Exception) -> BridgeUnreachable:
        reason = _reason(exc)
        return BridgeUnreachable(f"Could not reach the billing server at {self._host}: {reason}",
                                 host=self._host, reason=reason, kind=_kind(exc))

    def _send(self, method: str, path: str, *, json_body: Any = None, params: Mapping[str, Any] | None = None,
              timeout: float | None = None) -> httpx.Response:
        try:
            response = self._http.request(method, path, json=json_body, params=params, headers=self._headers(),
                                          timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT)
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            raise self._unreachable(exc) from exc
        if not response.is_success:
            raise refusal(response)
        return response

    def _call(self, kind: type[T], method: str, path: str, *, what: str | None = None, **kwargs: Any) -> T:
        """The answer to a request, decoded as `kind` (answers.decode says what is wrong, naming `what`)."""
        response = self._send(method, path, **kwargs)
        return decode(kind, response.content, what=what, status=response.status_code)

    # ----- auth
    def login(self, email: str, password: str, device: str, device_proof: str | None = None) -> SignIn:
        """Sign in; a wrong password is a BridgeRefused with code "invalid_credentials".

        `device_proof`: the one the last sign-in on this device gave for this email; with it, a stranger's
        wrong guesses for the email do not lock this device out ("too_many_attempts")."""
        previous, self.token = self.token, None
        body = {"email": email, "password": password, "device": device}
        if device_proof:
            body["device_proof"] = device_proof
        try:
            sign_in = self._call(SignIn, "POST", "/v1/auth/login", json_body=body)
        except BaseException:
            self.token = previous
            raise
        self.token = sign_in.token
        return sign_in

    def logout(self) -> None:
        """Revoke the token at the bridge and forget it here, even if the bridge cannot be reached."""
        if not self.token:
            return
        try:
            self._send("POST", "/v1/auth/logout")
        except NotSignedIn:
            pass
        finally:
            self.token = None

    def redeem_code(self, code: str, verifier: str, redirect_uri: str, device: str) -> SignIn:
        """Exchange a browser sign-in's code for this device's token (POST /v1/auth/token).

        The endpoint refuses in RFC 6749 \u00a75.2's shape ({"error", "error_description"}): a BridgeRefused
        with that error as its code (invalid_grant for a used or expired code)."""
        form = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
                "redirect_uri": redirect_uri, "client_id": "billing-manager", "device": device}
        try:
            response = self._http.post("/v1/auth/token", data=form)
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            raise self._unreachable(exc) from exc
        if not response.is_success:
            raise oauth_refusal(response)
        sign_in = decode(SignIn, response.content, status=response.status_code)
        self.token = sign_in.token
        return sign_in

    def me(self) -> Me:
        return self._call(Me, "GET", "/v1/me")

    # ----- billing
    def summary(self) -> Summary:
        return self._call(Summary, "GET", "/v1/billing/summary")

    def plans(self) -> list[PlanOffer]:
        return list(self._call(Plans, "GET", "/v1/billing/plans").plans)

    def invoices(self, limit: int = 20, starting_after: str | None = None) -> InvoicePage:
        params: dict[str, Any] = {"limit": limit}
        if starting_after:
            params["starting_after"] = starting_after
        return self._call(InvoicePage, "GET", "/v1/billing/invoices", params=params)

    def download_invoice_pdf(self, invoice: Invoice, folder: Path, *, progress: Progress | None = None,
                             cancelled: Callable[[], bool] | None = None) -> Path:
        """Stream the PDF into `folder` (see downloads.save_stream); DownloadCancelled if `cancelled()` turns true."""
        fallback = safe_filename(f"invoice-{invoice.number or invoice.id}.pdf", "invoice.pdf")
        path = f"/v1/billing/invoices/{quote(invoice.id, safe='')}/pdf"
        try:
            with self._http.stream("GET", path, headers={**self._headers(), "Accept": "application/pdf"}) as response:
                if not response.is_success:
                    response.read()
                    raise refusal(response)
                filename = filename_from(response.headers.get("Content-Disposition"), fallback)
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                with _broken_off(filename):
                    return save_stream(response.iter_bytes(), Path(folder), filename, total=total,
                                       progress=progress, cancelled=cancelled, check=pdf_complete)
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            raise self._unreachable(exc) from exc

    def portal_url(self, flow: str | None = None) -> str:
        """A fresh Customer Portal session; call it on the owner's click, the URL is short-lived."""
        return self._url("/v1/billing/portal-session", {"flow": flow})

    def checkout_url(self, plan: str) -> str:
        """A Checkout page for the plan; the bridge expires the owner's other open ones first."""
        return self._url("/v1/billing/checkout-session", {"plan": plan})

    def abandon_checkout(self) -> None:
        """Expire the owner's open Checkout pages: the owner gave up paying there."""
        self._send("DELETE", "/v1/billing/checkout-session")

    def keep_current_plan(self) -> Summary:
        """Undo a scheduled plan switch; the summary afterwards."""
        return self._call(Summary, "DELETE", "/v1/billing/pending-change")

    def pay_invoice(self, invoice_id: str) -> Invoice:
        """Pay an open invoice now with the card on file (BridgeRefused payment_failed when declined)."""
        return self._call(Invoice, "POST", f"/v1/billing/invoices/{quote(invoice_id, safe='')}/pay")

    def _url(self, path: str, body: dict[str, Any]) -> str:
        url = self._call(HostedPage, "POST", path, json_body=body).url
        if not url.startswith(("http://", "https://")):
            raise UnexpectedResponse("The billing server sent no usable link.")
        return url

    def preview_plan_change(self, plan: str) -> PlanChangePreview:
        return self._call(PlanChangePreview, "POST", "/v1/billing/plan-change/preview", json_body={"plan": plan})

    def change_plan(self, plan: str, proration_date: int) -> Summary:
        return self._call(Summary, "POST", "/v1/billing/plan-change",
                         json_body={"plan": plan, "proration_date": proration_date})

    # ----- earnings (Stripe Connect)
    def connect_account(self) -> ConnectAccount:
        from .earnings import ConnectAccount
        return self._call(ConnectAccount, "GET", "/v1/connect/account", what="account status")

    def onboarding_url(self) -> str:
        """Stripe's hosted onboarding; the bridge creates the owner's account first if there is none."""
        return self._url("/v1/connect/onboarding-link", {})

    def dashboard_url(self) -> str:
        return self._url("/v1/connect/dashboard-link", {})

    def balance(self) -> Balance:
        from .earnings import Balance
        return self._call(Balance, "GET", "/v1/connect/balance", what="balance")

    def payouts(self, limit: int = 20, starting_after: str | None = None, status: str | None = None) -> PayoutPage:
        from .earnings import PayoutPage
        params = _params(limit=limit, starting_after=starting_after, status=status)
        return self._call(PayoutPage, "GET", "/v1/connect/payouts", params=params, what="payout list")

    def payout(self, payout_id: str) -> PayoutDetail:
        from .earnings import PayoutDetail
        return self._call(PayoutDetail, "GET", f"/v1/connect/payouts/{quote(payout_id, safe='')}", what="payout")

    def payout_transactions(self, payout_id: str, limit: int = 100,
                            starting_after: str | None = None) -> TransactionPage:
        from .earnings import TransactionPage
        return self._call(TransactionPage, "GET", f"/v1/connect/payouts/{quote(payout_id, safe='')}/transactions",
                          params=_params(limit=limit, starting_after=starting_after), what="payout transaction list")

    def sales(self, limit: int = 100, starting_after: str | None = None, *, created_gte: int | None = None,
              created_lt: int | None = None, status: str | None = None, q: str | None = None) -> SalePage:
        from .earnings import SalePage
        params = _params(limit=limit, starting_after=starting_after, created_gte=created_gte,
                         created_lt=created_lt, status=status, q=q)
        return self._call(SalePage, "GET", "/v1/connect/sales", params=params, what="sales list")

    def sales_series(self, start: int, end: int, bucket: str = "month") -> SalesSeries:
        from .earnings import SalesSeries
        return self._call(SalesSeries, "GET", "/v1/connect/sales/series",
                          params={"from": start, "to": end, "bucket": bucket}, what="sales chart")

    def download_sales_csv(self, target: Path, *, start: int | None = None, end: int | None = None,
                           progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> Path:
        """Stream the bridge's sales CSV into `target`'s folder (see downloads.save_stream): any size, bounded memory."""
        params = _params(**{"from": start, "to": end})
        try:
            with self._http.stream("GET", "/v1/connect/sales.csv", params=params,
                                   headers={**self._headers(), "Accept": "text/csv"}) as response:
                if not response.is_success:
                    response.read()
                    raise refusal(response)
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                filename = safe_filename(Path(target).name, "sales.csv")
                with _broken_off(filename):
                    return save_stream(response.iter_bytes(), Path(target).parent, filename,
                                       total=total, progress=progress, cancelled=cancelled)
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            raise self._unreachable(exc) from exc

    # ----- events
    def events(self, stop: threading.Event, *, on_connect: Callable[[], None] | None = None) -> Iterator[list[str]]:
        """Yield the topics of each `refresh` event of one connection to GET /v1/events.

        Returns when `stop` is set or the bridge ends the stream; raises BridgeUnreachable when the
        connection fails or breaks, BridgeRefused/NotSignedIn when refused. Reconnecting (with
        backoff) is the caller's choice. A blocking read cannot watch an Event, so a small watcher
        thread shuts the socket down when `stop` is set: the read returns at once, and the
        generator returns without an error. `on_connect` is called once the bridge has accepted the stream.
        """
        if stop.is_set():
            return
        timeout = httpx.Timeout(self.timeout, read=EVENTS_READ_TIMEOUT)
        try:
            with connect_sse(self._http, "GET", "/v1/events", headers=self._headers(), timeout=timeout) as source:
                response = source.response
                if not response.is_success:
                    response.read()
                    raise refusal(response)
                finished = threading.Event()
                watcher = threading.Thread(target=_interrupt_on_stop, args=(stop, finished, response),
                                           name="bridge-events-stop", daemon=True)
                watcher.start()
                try:
                    if on_connect is not None:
                        on_connect()
                    for event in source.iter_sse():
                        if stop.is_set():
                            return
                        if event.event == "refresh":
                            yield _topics(event.data)
                finally:
                    finished.set()
                    watcher.join()
        except SSEError as exc:
            raise UnexpectedResponse("The billing server's event stream is not an event stream.") from exc
        except (httpx.TransportError, httpx.InvalidURL, httpx.StreamError) as exc:
            if stop.is_set():
                return
            raise self._unreachable(exc) from exc

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BridgeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def _broken_off(filename: str) -> Iterator[None]:
    """A connection that breaks once the file has started arriving: the file did not arrive whole."""
    try:
        yield
    except (httpx.TransportError, httpx.StreamError) as exc:
        raise IncompleteDownload(filename, _reason(exc)) from exc


def _params(**values: Any) -> dict[str, Any]:
    """Query parameters without the ones left out (None or empty)."""
    return {k: v for k, v in values.items() if v is not None and v != ""}


def _topics(data: str) -> list[str]:
    """The topics of a refresh event; anything unreadable means "refresh everything"."""
    try:
        topics = json.loads(data).get("topics")
    except (ValueError, AttributeError):
        return list(ALL_TOPICS)
    if isinstance(topics, list) and all(isinstance(t, str) for t in topics):
        return topics
    return list(ALL_TOPICS)


def _interrupt_on_stop(stop: threading.Event, finished: threading.Event, response: httpx.Response) -> None:
    while not finished.is_set():
        if stop.wait(0.05):
            stream = response.extensions.get("network_stream")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            else:
                with contextlib.suppress(Exception):
                    response.close()
            return
