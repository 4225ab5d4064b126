"""One error envelope for every failure: {"error": {"code", "message"}} with a fitting status.

A failure the bridge answers on purpose is an ApiError subclass that carries its status, stable
code and default message (the gateway's Stripe failures are ApiErrors too). create_app installs one
handler for them, plus the mapping of FastAPI's validation errors, unknown routes and any bug into
the same envelope.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server_bridge.api.schemas import ErrorBody

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A failure with its HTTP status, its stable code (docs/bridge-api.md) and a sentence for a person."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    default_message: ClassVar[str] = "Something went wrong on the bridge. Try again later."
    default_headers: ClassVar[Mapping[str, str]] = {}

    def __init__(self, message: str | None = None, *, headers: Mapping[str, str] | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
        self.headers = dict(headers if headers is not None else self.default_headers)


class InvalidRequest(ApiError):
    status, code = 400, "invalid_request"
    default_message = "The request is not valid."


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"
    default_message = "Sign in to continue."
    default_headers = {"WWW-Authenticate": "Bearer"}


class TokenExpired(ApiError):
    status, code = 401, "token_expired"
    default_message = "Your session has expired. Sign in again."
    default_headers = {"WWW-Authenticate": "Bearer"}


class InvalidCredentials(ApiError):
    status, code = 401, "invalid_credentials"
    default_message = "The email or password is not right."


class AccountDisabled(ApiError):
    status, code = 403, "account_disabled"
    default_message = "This account has been disabled. Contact the platform."


class NotFound(ApiError):
    status, code = 404, "not_found"
    default_message = "That was not found."

    @classmethod
    def of(cls, what: str) -> NotFound:
        return cls(f"{what} was not found.")


class PayloadTooLarge(ApiError):
    """A request body over its route's limit (limits.BodyLimits): refused before it is read, and the
    connection closed so the rest is never read either."""

    status, code = 413, "payload_too_large"
    default_message = "The request body is larger than the bridge takes."
    default_headers = {"Connection": "close"}


class TooManyAttempts(ApiError):
    status, code = 429, "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed sign-ins. Try again in {retry_after} seconds.",
                         headers={"Retry-After": str(retry_after)})


class Busy(ApiError):
    """Too many sign-ins at once: each password check takes real memory, so only a few run together."""

    status, code = 503, "busy"
    default_message = "The billing server is busy signing others in. Try again in a moment."
    default_headers = {"Retry-After": "1"}


class TooManyStreams(ApiError):
    status, code = 429, "too_many_streams"
    default_message = "Too many event streams are open for this account. Close one or try again later."

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(retry_after)})


class InternalError(ApiError):
    """A bug: logged, answered without internals."""


def envelope(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=dict(headers or {}))


def error_response(error: ApiError) -> JSONResponse:
    return envelope(error.status, error.code, error.message, error.headers)


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
            response = error_response(InternalError())
            await response(scope, receive, send)


_HTTP_ERRORS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request", None), 401: ("unauthorized", None), 403: ("forbidden", None),
    404: ("not_found", "There is nothing at this address."), 405: ("method_not_allowed", None),
    413: (PayloadTooLarge.code, None), 415: ("unsupported_media_type", None)}


def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Starlette's own HTTP errors (unknown route, wrong method) in the envelope, same status."""
    code, message = _HTTP_ERRORS.get(exc.status_code, ("http_error", None))
    if exc.status_code == 405:
        message = f"{request.method} is not allowed here."
    return envelope(exc.status_code, code, message or str(exc.detail), getattr(exc, "headers", None))


def install_handlers(app: FastAPI) -> None:
    async def on_api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc)

    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(InvalidRequest(validation_message(exc.errors())))

    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return http_error(request, exc)

    app.add_exception_handler(ApiError, on_api_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http)  # type: ignore[arg-type]
    app.add_middleware(BugCatcher)


def documented(*failures: type[ApiError]) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=`: the error envelope under each status these failures answer, with their
    codes, and under "default" for a bug (500 internal_error). Declaring "default" also keeps FastAPI
    from documenting its 422: validation errors answer 400 invalid_request (InvalidRequest). Every route
    can answer 413 payload_too_large (limits.BodyLimits bounds every request's body)."""
    by_status: dict[int, list[type[ApiError]]] = {}
    for failure in dict.fromkeys((*failures, PayloadTooLarge)):
        by_status.setdefault(failure.status, []).append(failure)
    responses: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorBody, "description": "; ".join(f"`{f.code}`: {f.default_message}" for f in group)}
        for status, group in sorted(by_status.items())}
    responses["default"] = {"model": ErrorBody, "description": f"`{InternalError.code}`: a bug"}
    return responses


SIGNED_IN = (Unauthorized, TokenExpired, AccountDisabled)
"""What any route that needs a token can answer."""


# OAuth 2.0 (the browser sign-in's token endpoint) ------------------------------------------------
# RFC 6749 §5.2 prescribes its own shape, {"error": CODE, "error_description": TEXT}, always 400 here
# (the one client is public and never sends credentials, so invalid_client never calls for a 401).

class OAuthError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "invalid_request"
    default_message: ClassVar[str] = "The request is missing a parameter or has a bad one."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.code, "error_description": self.message}, status_code=self.status,
                            headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


class OAuthInvalidRequest(OAuthError):
    code = "invalid_request"


class OAuthInvalidClient(OAuthError):
    code = "invalid_client"
    default_message = "This client is not known to the bridge."


class OAuthInvalidGrant(OAuthError):
    code = "invalid_grant"
    default_message = ("The sign-in code is not valid: it has expired, was already used, or belongs to another "
                       "redirect or verifier.")


class OAuthUnsupportedGrantType(OAuthError):
    code = "unsupported_grant_type"
    default_message = "Only grant_type=authorization_code is supported."


OAUTH_TOKEN_ERRORS = (OAuthInvalidRequest, OAuthInvalidClient, OAuthInvalidGrant, OAuthUnsupportedGrantType)


def oauth_documented(*failures: type[OAuthError]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for an OAuth endpoint: RFC 6749 §5.2's body under 400, the envelope for a bug."""
    from server_bridge.api.schemas import OAuthErrorBody

    description = "; ".join(f"`{f.code}`: {f.default_message.rstrip('.')}" for f in failures)
    return {400: {"model": OAuthErrorBody, "description": description},
            "default": {"model": ErrorBody, "description": f"`{InternalError.code}`: a bug"}}
