"""The bridge's only door to Stripe (or the sandbox, which speaks the same wire format).

Every call goes through the official SDK's StripeClient with the API version pinned, network
retries on and a timeout set, and every write carries an explicit idempotency key derived by the
caller from the logical operation, so a retried user action never charges twice. Answers come
back as plain dicts (the shape the store keeps); SDK errors become ApiErrors (503 / 502 / 402).

Inside a request each call's timeout is cut to what is left of the request's deadline
(server_bridge.edge.deadline), and no call starts once it has passed: the owner hears 503 stripe_timeout
("nothing was changed") in time, unless a change had already been sent, which Stripe may have
carried out: then 503 stripe_unavailable, which claims nothing either way.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import requests
import stripe

from server_bridge.api.errors import ApiError
from server_bridge.edge import body_limits, deadline

if TYPE_CHECKING:
    from pydantic import SecretStr

STRIPE_VERSION = stripe.api_version
"""The API version this SDK release is pinned to; every request and every webhook endpoint uses it."""


class StripeUnavailable(ApiError):
    """Stripe could not be reached, timed out, or answered 5xx/429 after the retries.

    `reason` says which ("did not answer ...", "answered 500"), for the operator's log and commands;
    an owner sees only the message.
    """

    status, code = 503, "stripe_unavailable"
    default_message = "Stripe could not be reached. Try again in a moment."

    def __init__(self, message: str | None = None, *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class StripeTimeout(StripeUnavailable):
    """Stripe did not answer within the request's deadline, and no change had been sent to it."""

    code = "stripe_timeout"
    default_message = "Stripe is slow to answer; nothing was changed. Try again in a moment."


class _DeadlinePassed(Exception):
    """The request's deadline left no time for (another) Stripe call."""


class StripeRefused(ApiError):
    """Stripe refused a request the bridge made; the message says what."""

    status, code = 502, "stripe_error"
    default_message = "Stripe refused the request."

    def __init__(self, message: str | None = None, *, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing  # Stripe answered resource_missing: there is no such object


class CardDeclined(ApiError):
    """A charge was declined; nothing changed."""

    status, code = 402, "payment_failed"
    default_message = "The card was declined."


class WebhookSignatureError(ValueError):
    """A webhook whose signature is missing, wrong or too old."""


class GatewaySettings(Protocol):
    stripe_secret_key: SecretStr | None
    stripe_api_base: str | None
    stripe_timeout: float
    stripe_max_retries: int


def _plain(obj: Any) -> Any:
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict(recursive=True, for_json=True)
    return obj


def _timed_out(exc: BaseException) -> bool:
    timeouts = (requests.exceptions.Timeout, httpx.TimeoutException, _DeadlinePassed)
    return isinstance(exc, timeouts) or isinstance(exc.__cause__, timeouts)


def _no_answer(exc: BaseException) -> StripeUnavailable:
    """Stripe did not answer: in time (stripe_timeout, if nothing was sent that changes anything), or at all."""
    budget = deadline.current()
    if _timed_out(exc) and not (budget is not None and budget.sent_change):
        return StripeTimeout(reason="did not answer in time")
    if _timed_out(exc):
        return StripeUnavailable(reason="did not answer a change in time (Stripe may have made it)")
    return StripeUnavailable(reason="did not answer (the connection failed)")


@contextmanager
def _mapped_errors() -> Iterator[None]:
    try:
        yield
    except stripe.CardError as exc:
        raise CardDeclined(exc.user_message or "The card was declined.") from exc
    except stripe.APIConnectionError as exc:
        raise _no_answer(exc) from exc
    except stripe.RateLimitError as exc:
        raise StripeUnavailable(reason="kept answering 429 (rate limited)") from exc
    except (stripe.AuthenticationError, stripe.PermissionError) as exc:
        raise StripeRefused("Stripe refused the bridge's secret key; the operator must check it.") from exc
    except stripe.StripeError as exc:
        if (exc.http_status or 0) >= 500 or exc.http_status in (409, 429):
            # 409: the same idempotency key is still being worked on (or a lock timed out): transient.
            raise StripeUnavailable(reason=f"answered {exc.http_status}") from exc
        raise StripeRefused(exc.user_message or str(exc) or "Stripe refused the request.",
                            missing=exc.code == "resource_missing") from exc


class Pacer:
    """Spaces calls at least 1/rate seconds apart, across threads: a share of Stripe's rate limit
    (100 requests/s live, 25 in test mode, for the whole account) that a backfill may take while
    serving bridges use the rest."""

    def __init__(self, rate: float, clock: Any = time.monotonic, sleep: Any = time.sleep) -> None:
        if rate <= 0:
            raise ValueError("a pace needs a positive rate")
        self.interval = 1.0 / rate
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()
        self.calls = 0

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            at = max(now, self._next)
            self._next = at + self.interval
            self.calls += 1
        if at > now:
            self._sleep(at - now)

    __call__ = wait   # a pace is also passed around as a plain callable


def stripe_rate_limit(secret_key: str) -> int:
    """Stripe's documented limit for the key's mode: 100 requests/s live, 25 in test mode."""
    return 100 if secret_key.startswith(("sk_live_", "rk_live_")) else 25


class _DeadlineHTTPClient(stripe.RequestsClient):
    """The SDK's requests client, with each try's timeout cut to what is left of the request's deadline
    and no try started once it has passed (the SDK then gives up instead of retrying)."""

    def __init__(self, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base_timeout = timeout

    @property  # type: ignore[override]
    def _timeout(self) -> float:
        budget = deadline.current()
        return self._base_timeout if budget is None else max(0.001, min(self._base_timeout, budget.remaining()))

    @_timeout.setter
    def _timeout(self, value: float) -> None:
        self._base_timeout = value

    def _request_internal(self, method: str, url: str, headers: Any, post_data: Any, is_streaming: bool) -> Any:
        budget = deadline.current()
        if budget is not None and budget.remaining() <= 0.05:
            raise stripe.APIConnectionError("The request's deadline passed before Stripe answered.",
                                            should_retry=False) from _DeadlinePassed()
        return super()._request_internal(method, url, headers, post_data, is_streaming)


class StripeCalls(Protocol):
    """The calls the bridge makes to Stripe. `Gateway` is the one implementation (pointed at Stripe or at
    the sandbox); a test's fake provides only the calls its code path makes."""

    pacer: Pacer | None
    portal_configuration_id: str | None

    def close(self) -> None: ...

    # catalogue, portal configuration and webhook endpoints (setup)
    def list_prices(self, lookup_keys: Sequence[str] | None = None, *, active: bool | None = True) -> list[dict]: ...
    def get_price(self, price_id: str) -> dict: ...
    def create_product(self, params: Mapping[str, Any], *, key: str) -> dict: ...
    def create_price(self, params: Mapping[str, Any], *, key: str) -> dict: ...
    def create_portal_configuration(self, params: Mapping[str, Any], *, key: str) -> dict: ...
    def list_portal_configurations(self) -> list[dict]: ...
    def update_portal_configuration(self, config_id: str, params: Mapping[str, Any], *, key: str) -> dict: ...
    def list_webhook_endpoints(self) -> list[dict]: ...
    def delete_webhook_endpoint(self, endpoint_id: str) -> None: ...
    def create_webhook_endpoint(self, params: Mapping[str, Any], *, key: str) -> dict: ...

    # an owner's objects (backfill and re-reads)
    def get_customer(self, customer_id: str) -> dict: ...
    def get_payment_method(self, payment_method_id: str) -> dict: ...
    def list_subscriptions(self, customer_id: str) -> list[dict]: ...
    def get_subscription(self, subscription_id: str) -> dict: ...
    def get_invoice(self, invoice_id: str) -> dict: ...
    def reread(self, object_type: str, object_id: str) -> dict | None: ...
    def list_invoices(self, customer_id: str) -> list[dict]: ...
    def list_subscription_schedules(self, customer_id: str) -> list[dict]: ...
    def list_subscription_invoices(self, subscription_id: str) -> list[dict]: ...
    def list_invoice_payments(self, invoice_id: str) -> list[dict]: ...
    def list_open_checkout_sessions(self, customer_id: str) -> list[dict]: ...
    def upcoming_invoice(self, customer_id: str, subscription_id: str,
                         details: Mapping[str, Any] | None = None) -> dict | None: ...
    def preview_invoice(self, params: Mapping[str, Any]) -> dict: ...
    def open_pdf(self, url: str) -> PdfDownload: ...

    # writes on an owner's behalf
    def create_customer(self, params: Mapping[str, Any], *, key: str) -> dict: ...
    def update_subscription(self, subscription_id: str, params: Mapping[str, Any], *, key: str) -> dict: ...
    def cancel_subscription(self, subscription_id: str, params: Mapping[str, Any], *, key: str) -> dict: ...
    def create_subscription_schedule(self, params: Mapping[str, Any], *, key: str) -> dict: ...
    def update_subscription_schedule(self, schedule_id: str, params: Mapping[str, Any], *, key: str) -> dict: ...
    def release_subscription_schedule(self, schedule_id: str, *, key: str) -> dict: ...
    def create_portal_session(self, params: Mapping[str, Any], *, key: str) -> dict: ...
    def create_checkout_session(self, params: Mapping[str, Any], *, key: str) -> dict: ...
    def expire_checkout_session(self, session_id: str, *, key: str) -> dict: ...
    def create_refund(self, params: Mapping[str, Any], *, key: str) -> dict: ...
    def pay_invoice(self, invoice_id: str, *, key: str) -> dict: ...

    # Connect: an owner's connected account
    def create_account(self, params: Mapping[str, Any], *, key: str) -> dict: ...
    def get_account(self, account_id: str) -> dict: ...
    def create_account_link(self, params: Mapping[str, Any], *, key: str) -> dict: ...
    def create_login_link(self, account_id: str, *, key: str) -> dict: ...
    def get_balance(self, account_id: str) -> dict: ...
    def get_balance_transaction(self, account_id: str, transaction_id: str) -> dict: ...
    def list_page(self, kind: str, account_id: str, *, starting_after: str | None = None, limit: int = 100,
                  **filters: Any) -> dict: ...


class Gateway:
    """Typed Stripe calls for the bridge (the StripeCalls it makes); thread-safe (the SDK keeps one HTTP
    session per thread)."""

    pacer: Pacer | None = None  # set for a backfill that must share the rate limit

    def __init__(self, settings: GatewaySettings) -> None:
        if settings.stripe_secret_key is None:
            raise ValueError("BRIDGE_STRIPE_SECRET_KEY is not set")
        self.timeout = float(settings.stripe_timeout)
        base = settings.stripe_api_base.rstrip("/") if settings.stripe_api_base else None
        self._http = _DeadlineHTTPClient(self.timeout)
        self.client = stripe.StripeClient(
            settings.stripe_secret_key.get_secret_value(),
            stripe_version=STRIPE_VERSION,
            base_addresses={"api": base} if base else None,
            max_network_retries=int(settings.stripe_max_retries),
            http_client=self._http,
        )
        self._v1 = self.client.v1
        self.portal_configuration_id: str | None = None   # set by setup, else looked up on first use

    def close(self) -> None:
        self._http.close()

    # -- generic helpers -------------------------------------------------------------------

    def _call(self, fn: Any, params: Mapping[str, Any] | None = None, key: str | None = None,
              account: str | None = None, *, changes: bool | None = None) -> Any:
        """One SDK call; `changes` (default: it has an idempotency key) marks a call that changes
        something at Stripe, after which a timeout no longer means "nothing was changed"."""
        options: dict[str, Any] = {"idempotency_key": key} if key else {}
        if self.pacer is not None:
            self.pacer.wait()
        if account:
            options["stripe_account"] = account
        budget = deadline.current()
        if budget is not None:
            if budget.remaining() <= 0.05:
                raise _no_answer(_deadline_error())
            if changes if changes is not None else key is not None:
                budget.sent_change = True
        with _mapped_errors():
            result = fn(dict(params or {}), options or None)
        return _plain(result)

    def _list_all(self, fn: Any, params: Mapping[str, Any], *, page: int = 100) -> list[dict]:
        """Follow has_more/starting_after until the list is exhausted."""
        items: list[dict] = []
        query = {**params, "limit": page}
        while True:
            result = self._call(fn, query)
            items.extend(result.get("data") or [])
            if not result.get("has_more") or not result.get("data"):
                return items
            query = {**query, "starting_after": result["data"][-1]["id"]}

    # -- catalogue -----------------------------------------------------------------------

    def list_prices(self, lookup_keys: Sequence[str] | None = None, *, active: bool | None = True) -> list[dict]:
        params: dict[str, Any] = {"expand": ["data.product"]}
        if lookup_keys:
            params["lookup_keys"] = list(lookup_keys)
        if active is not None:
            params["active"] = active
        return self._list_all(self._v1.prices.list, params)

    def get_price(self, price_id: str) -> dict:
        return self._call(lambda p, o: self._v1.prices.retrieve(price_id, p, o), {"expand": ["product"]})

    def create_product(self, params: Mapping[str, Any], *, key: str) -> dict:
        return self._call(self._v1.products.create, params, key)

    def create_price(self, params: Mapping[str, Any], *, key: str) -> dict:
        return self._call(self._v1.prices.create, {**params, "expand": ["product"]}, key)

    # -- portal configuration and webhook endpoint (setup) ----------------------------------

    def create_portal_configuration(self, params: Mapping[str, Any], *, key: str) -> dict:
        return self._call(self._v1.billing_portal.configurations.create, params, key)

    def list_portal_configurations(self) -> list[dict]:
        return self._list_all(self._v1.billing_portal.configurations.list, {"active": True})

    def update_portal_configuration(self, config_id: str, params: Mapping[str, Any], *, key: str) -> dict:
        return self._call(
            lambda p, o: self._v1.billing_portal.configurations.update(config_id, p, o), params, key
        )

    def list_webhook_endpoints(self) -> list[dict]:
        return self._list_all(self._v1.webhook_endpoints.list, {})

    def delete_webhook_endpoint(self, endpoint_id: str) -> None:
        self._call(lambda p, o: self._v1.webhook_endpoints.delete(endpoint_id, p, o))

    def create_webhook_endpoint(self, params: Mapping[str, Any], *, key: str) -> dict:
        return self._call(self._v1.webhook_endpoints.create, params, key)

    # -- an owner's objects (backfill) ----------------------------------------------------

    def get_customer(self, customer_id: str) -> dict:
        return self._call(
            lambda p, o: self._v1.customers.retrieve(customer_id, p, o),
            {"expand": ["invoice_settings.default_payment_method"]},
        )

    def create_customer(self, params: Mapping[str, Any], *, key: str) -> dict:
        return self._call(self._v1.customers.create, params, key)

    def get_payment_method(self, payment_method_id: str) -> dict:
        return self._call(lambda p, o: self._v1.payment_methods.retrieve(payment_method_id, p, o))

    def list_subscriptions(self, customer_id: str) -> list[dict]:
        return self._list_all(self._v1.subscriptions.list, {"customer": customer_id, "status": "all"})

    def get_subscription(self, subscription_id: str) -> dict:
        return self._call(lambda p, o: self._v1.subscriptions.retrieve(subscription_id, p, o))

    def get_invoice(self, invoice_id: str) -> dict:
        return self._call(lambda p, o: self._v1.invoices.retrieve(invoice_id, p, o))

    def get_subscription_schedule(self, schedule_id: str) -> dict:
        return self._call(lambda p, o: self._v1.subscription_schedules.retrieve(schedule_id, p, o))

    def get_checkout_session(self, session_id: str) -> dict:
        return self._call(lambda p, o: self._v1.checkout.sessions.retrieve(session_id, p, o))

    def reread(self, object_type: str, object_id: str) -> dict | None:
        """The object as Stripe has it now, at the pinned API version; None if Stripe has no such
        object (any more). A kind without a getter here is a bug (an applier the webhook pipeline
        cannot back with a re-read), not a missing object."""
        getter = {
            "customer": self.get_customer, "subscription": self.get_subscription, "invoice": self.get_invoice,
            "payment_method": self.get_payment_method, "subscription_schedule": self.get_subscription_schedule,
            "checkout.session": self.get_checkout_session,
        }.get(object_type)
        if getter is None:
            raise ValueError(f"the bridge cannot re-read a {object_type}")
        try:
            return getter(object_id)
        except StripeRefused as exc:
            if exc.missing:
                return None
            raise

    def list_invoices(self, customer_id: str) -> list[dict]:
        return self._list_all(self._v1.invoices.list, {"customer": customer_id})

    def list_subscription_schedules(self, customer_id: str) -> list[dict]:
        return self._list_all(self._v1.subscription_schedules.list, {"customer": customer_id})

    # -- writes on an owner's behalf -------------------------------------------------------

    def update_subscription(self, subscription_id: str, params: Mapping[str, Any], *, key: str) -> dict:
        return self._call(lambda p, o: self._v1.subscriptions.update(subscription_id, p, o), params, key)

    def preview_invoice(self, params: Mapping[str, Any]) -> dict:
        # A preview writes nothing but is a POST: a fresh idempotency key each time, since one derived
        # from the params would replay an old answer after the subscription changed.
        return self._call(self._v1.invoices.create_preview, params, f"preview:{uuid.uuid4()}", changes=False)

    def create_subscription_schedule(self, params: Mapping[str, Any], *, key: str) -> dict:
        return self._call(self._v1.subscription_schedules.create, params, key)

    def update_subscription_schedule(self, schedule_id: str, params: Mapping[str, Any], *, key: str) -> dict:
        return self._call(
            lambda p, o: self._v1.subscription_schedules.update(schedule_id, p, o), params, key
        )

    def release_subscription_schedule(self, schedule_id: str, *, key: str) -> dict:
        return self._call(lambda p, o: self._v1.subscription_schedules.release(schedule_id, p, o), {}, key)

    def create_portal_session(self, params: Mapping[str, Any], *, key: str) -> dict:
        return self._call(self._v1.billing_portal.sessions.create, params, key)

    def create_checkout_session(self, params: Mapping[str, Any], *, key: str) -> dict:
        return self._call(self._v1.checkout.sessions.create, params, key)

    # -- Connect: an owner's connected account (reads and writes carry Stripe-Account) ---------

    def create_account(self, params: Mapping[str, Any], *, key: str) -> dict:
        return self._call(self._v1.accounts.create, params, key)

    def get_account(self, account_id: str) -> dict:
        return self._call(lambda p, o: self._v1.accounts.retrieve(account_id, p, o))

    def create_account_link(self, params: Mapping[str, Any], *, key: str) -> dict:
        return self._call(self._v1.account_links.create, params, key)

    def create_login_link(self, account_id: str, *, key: str) -> dict:
        return self._call(lambda p, o: self._v1.accounts.login_links.create(account_id, p, o), {}, key)

    def get_balance(self, account_id: str) -> dict:
        return self._call(self._v1.balance.retrieve, {}, account=account_id)

    def get_balance_transaction(self, account_id: str, transaction_id: str) -> dict:
        return self._call(lambda p, o: self._v1.balance_transactions.retrieve(transaction_id, p, o), {},
                          account=account_id)

    def list_page(self, kind: str, account_id: str, *, starting_after: str | None = None, limit: int = 100,
                  **filters: Any) -> dict:
        """One page (`{"data", "has_more"}`) of a connected account's charges, disputes, payouts or
        balance_transactions, newest first; charges come with their balance transaction expanded."""
        lister = {"charges": self._v1.charges.list, "disputes": self._v1.disputes.list,
                  "payouts": self._v1.payouts.list, "balance_transactions": self._v1.balance_transactions.list}[kind]
        params: dict[str, Any] = {"limit": limit, **filters}
        if starting_after:
            params["starting_after"] = starting_after
        if kind == "charges":
            params["expand"] = ["data.balance_transaction"]
        return self._call(lister, params, account=account_id)

    def list_open_checkout_sessions(self, customer_id: str) -> list[dict]:
        return self._list_all(self._v1.checkout.sessions.list, {"customer": customer_id, "status": "open"})

    def expire_checkout_session(self, session_id: str, *, key: str) -> dict:
        return self._call(lambda p, o: self._v1.checkout.sessions.expire(session_id, p, o), {}, key)

    def cancel_subscription(self, subscription_id: str, params: Mapping[str, Any], *, key: str) -> dict:
        return self._call(lambda p, o: self._v1.subscriptions.cancel(subscription_id, p, o), params, key)

    def list_subscription_invoices(self, subscription_id: str) -> list[dict]:
        return self._list_all(self._v1.invoices.list, {"subscription": subscription_id})

    def list_invoice_payments(self, invoice_id: str) -> list[dict]:
        return self._list_all(self._v1.invoice_payments.list, {"invoice": invoice_id, "status": "paid"})

    def create_refund(self, params: Mapping[str, Any], *, key: str) -> dict:
        return self._call(self._v1.refunds.create, params, key)

    def pay_invoice(self, invoice_id: str, *, key: str) -> dict:
        return self._call(lambda p, o: self._v1.invoices.pay(invoice_id, p, o), {}, key)

    def upcoming_invoice(self, customer_id: str, subscription_id: str,
                         details: Mapping[str, Any] | None = None) -> dict | None:
        """Stripe's own preview of the subscription's next invoice (with `details`: after that change);
        None when none will come (the subscription ends first)."""
        params: dict[str, Any] = {"customer": customer_id, "subscription": subscription_id}
        if details:
            params["subscription_details"] = dict(details)
        try:
            return self.preview_invoice(params)
        except StripeRefused as exc:
            if getattr(exc.__cause__, "code", None) == "invoice_upcoming_none":
                return None
            raise

    # -- invoice PDFs ----------------------------------------------------------------------

    def open_pdf(self, url: str) -> PdfDownload:
        """Start fetching an invoice's own invoice_pdf URL; fails before any byte is sent on."""
        budget = deadline.current()
        if budget is not None and budget.remaining() <= 0.05:
            raise _no_answer(_deadline_error())
        wait = self.timeout if budget is None else min(self.timeout, budget.remaining())
        http = httpx.Client(timeout=wait, follow_redirects=True)
        try:
            response = http.send(http.build_request("GET", url), stream=True)
        except httpx.HTTPError as exc:
            http.close()
            raise _no_answer(exc) from exc
        if response.status_code >= 400:
            response.close()
            http.close()
            if response.status_code >= 500 or response.status_code == 429:
                raise StripeUnavailable()
            raise StripeRefused(f"The invoice PDF could not be fetched ({response.status_code}).")
        return PdfDownload(http, response)


class IncompletePdf(Exception):
    """The upstream ended a PDF early: raised after the last byte, so the relay's answer is aborted
    (no final chunk) and the client sees an incomplete transfer instead of a short file."""


PDF_END = b"%%EOF"
PDF_END_WITHIN = 1024   # readers look for the end marker in a PDF's last 1024 bytes


def whole_pdf(chunks: Iterable[bytes], promised: int | None) -> Iterator[bytes]:
    """Pass `chunks` on, then raise IncompletePdf unless they add up to the promised length or, with none
    promised (a body delimited by the connection closing cannot tell a cut from an end), end in %%EOF."""
    received = 0
    tail = b""
    for chunk in chunks:
        received += len(chunk)
        tail = (tail + chunk)[-PDF_END_WITHIN:]
        yield chunk
    if promised is not None:
        if received != promised:
            raise IncompletePdf(f"the invoice PDF ended after {received} of {promised} bytes")
    elif PDF_END not in tail:
        raise IncompletePdf(f"the invoice PDF ended after {received} bytes without its %%EOF marker")


def _deadline_error() -> Exception:
    error = stripe.APIConnectionError("The request's deadline passed before calling Stripe.", should_retry=False)
    error.__cause__ = _DeadlinePassed()
    return error


class PdfDownload:
    """A PDF being fetched: its length if known, and its bytes as they arrive (closed at the end)."""

    def __init__(self, http: httpx.Client, response: httpx.Response) -> None:
        self._http = http
        self._response = response
        length = response.headers.get("content-length")
        self.length = int(length) if length and length.isdigit() else None

    def chunks(self) -> Iterator[bytes]:
        try:
            yield from whole_pdf(self._response.iter_bytes(64 * 1024), self.length)
        finally:
            self.close()

    def close(self) -> None:
        self._response.close()
        self._http.close()


def verify_webhook(payload: bytes, sig_header: str, secrets: Iterable[str | SecretStr], tolerance: int,
                   *, max_depth: int = 64) -> dict:
    """The event, if the Stripe-Signature header signs the payload with one of the configured secrets
    (several while a secret is rolled) and is at most `tolerance` seconds old (0: any age).

    The SDK's stripe.WebhookSignature.verify_header checks each secret; WebhookSignatureError says
    why none did. A signed payload nested more than `max_depth` levels raises limits.TooDeep.
    """
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookSignatureError("The payload is not UTF-8 text.") from None
    reason = "No webhook signing secret is configured."
    for secret in secrets:
        raw = secret.get_secret_value() if hasattr(secret, "get_secret_value") else str(secret)
        try:
            stripe.WebhookSignature.verify_header(text, sig_header, raw, tolerance or None)
        except stripe.SignatureVerificationError as exc:
            reason = exc.user_message or "The signature does not match."
            continue
        break
    else:
        raise WebhookSignatureError(reason)
    try:
        event = body_limits.loads(text, max_depth)
    except ValueError:
        raise WebhookSignatureError("The payload is not JSON.") from None
    if not isinstance(event, dict):
        raise WebhookSignatureError("The payload is not an event.")
    return event
