"""One error envelope for every failure: {"error": {"code", "message"}} with a fitting status.

Routes raise ApiError (or a helper below); create_app installs the handlers that turn it, FastAPI's
validation errors, unknown routes, the gateway's Stripe failures and any bug into that envelope.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def error_response(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=dict(headers or {}))


def invalid_request(message: str) -> ApiError:
    return ApiError(400, "invalid_request", message)


def unauthorized(message: str = "Sign in to continue.") -> ApiError:
    return ApiError(401, "unauthorized", message, {"WWW-Authenticate": "Bearer"})


def token_expired() -> ApiError:
    return ApiError(401, "token_expired", "Your session has expired. Sign in again.", {"WWW-Authenticate": "Bearer"})


def invalid_credentials() -> ApiError:
    return ApiError(401, "invalid_credentials", "The email or password is not right.")


def account_disabled() -> ApiError:
    return ApiError(403, "account_disabled", "This account has been disabled. Contact the platform.")


def not_found(what: str = "That") -> ApiError:
    return ApiError(404, "not_found", f"{what} was not found.")


def conflict(code: str, message: str) -> ApiError:
    return ApiError(409, code, message)


def too_many_attempts(retry_after: int) -> ApiError:
    return ApiError(
        429, "too_many_attempts", f"Too many failed sign-ins. Try again in {retry_after} seconds.",
        {"Retry-After": str(retry_after)},
    )


def stripe_unavailable(message: str = "Stripe could not be reached. Try again in a moment.") -> ApiError:
    return ApiError(503, "stripe_unavailable", message)


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts)


def validation_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """A sentence naming the fields at fault, e.g. "email: Field required"."""
    if not errors:
        return "The request is not valid."
    messages = []
    for error in errors[:5]:
        if error.get("type") == "json_invalid":
            return "The request body is not valid JSON."
        field = _field_name(error.get("loc", ()))
        text = str(error.get("msg", "is not valid"))
        if not field and error.get("type") in ("model_attributes_type", "dict_type", "model_type"):
            return "The request body must be a JSON object."
        if field:
            messages.append(f"{field}: {text}")
        elif error.get("type") == "missing":
            messages.append("The request needs a JSON body.")
        else:
            messages.append(f"body: {text}")
    return "; ".join(messages)


_HTTP_CODES = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}


class BugCatcher:
    """Answer any unhandled exception with a logged 500 internal_error.

    A middleware rather than an Exception handler: Starlette re-raises after such a handler, and the
    server then drops the connection, which a client would take for an unreachable bridge.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = error_response(500, "internal_error", "Something went wrong on the bridge. Try again later.")
            await response(scope, receive, send)


def install_handlers(app: FastAPI) -> None:
    async def on_api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, "invalid_request", validation_message(exc.errors()))

    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        if exc.status_code == 404:
            message = "There is nothing at this address."
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed here."
        else:
            message = str(exc.detail)
        return error_response(exc.status_code, code, message, getattr(exc, "headers", None))

    app.add_exception_handler(ApiError, on_api_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http)  # type: ignore[arg-type]
    app.add_middleware(BugCatcher)
    _install_gateway_handlers(app)


def _install_gateway_handlers(app: FastAPI) -> None:
    """Map the gateway's Stripe failures; imported late so errors.py loads without the gateway."""
    try:
        from server_bridge import gateway
    except ImportError:
        log.warning("server_bridge.gateway is not importable; Stripe errors will answer 500")
        return

    async def on_unavailable(request: Request, exc: Exception) -> JSONResponse:
        return error_response(503, "stripe_unavailable", "Stripe could not be reached. Try again in a moment.")

    async def on_refused(request: Request, exc: Exception) -> JSONResponse:
        message = getattr(exc, "message", None) or str(exc) or "Stripe refused the request."
        return error_response(502, "stripe_error", message)

    async def on_declined(request: Request, exc: Exception) -> JSONResponse:
        message = getattr(exc, "message", None) or str(exc) or "The card was declined."
        return error_response(402, "payment_failed", message)

    for name, handler in (("StripeUnavailable", on_unavailable), ("StripeRefused", on_refused),
                          ("CardDeclined", on_declined)):
        exc_class = getattr(gateway, name, None)
        if isinstance(exc_class, type):
            app.add_exception_handler(exc_class, handler)
