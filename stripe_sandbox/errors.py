"""Stripe's error shapes, raised by the sandbox and answered in Stripe's envelope."""

from __future__ import annotations

from typing import Any


class StripeError(Exception):
    """An error the API answers as `{"error": {...}}` with Stripe's status code."""

    status = 400
    type = "invalid_request_error"

    def __init__(self, message: str, *, code: str | None = None, param: str | None = None,
                 status: int | None = None, decline_code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.param = param
        self.decline_code = decline_code
        if status is not None:
            self.status = status

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        for name in ("code", "param", "decline_code"):
            if getattr(self, name) is not None:
                error[name] = getattr(self, name)
        if self.code:
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        return {"error": error}


class CardError(StripeError):
    """A declined card: 402 on the API, a message on the hosted pages."""

    status = 402
    type = "card_error"

    def __init__(self, message: str, *, code: str = "card_declined", decline_code: str | None = "generic_decline",
                 param: str | None = None, payment_method: str | None = None) -> None:
        super().__init__(message, code=code, param=param, decline_code=decline_code)
        self.payment_method = payment_method


class AuthenticationError(StripeError):
    status = 401


class IdempotencyError(StripeError):
    type = "idempotency_error"


class ApiFault(StripeError):
    """An injected server fault (500) or rate limit (429)."""

    type = "api_error"


def missing(param: str) -> StripeError:
    return StripeError(f"Missing required param: {param}.", code="parameter_missing", param=param)


def invalid(param: str, message: str) -> StripeError:
    return StripeError(message, code="parameter_invalid", param=param)


def no_such(kind: str, obj_id: str, param: str | None = None) -> StripeError:
    """404 for an id in the URL, 400 naming the param for an id in the body (as Stripe does)."""
    name = kind.split(".")[-1].replace("_", " ")
    return StripeError(f"No such {name}: '{obj_id}'", code="resource_missing", param=param or "id",
                       status=404 if param is None else 400)
