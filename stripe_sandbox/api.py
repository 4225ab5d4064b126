"""The /v1 HTTP API in Stripe's wire format, plus the app that serves it with the pages and controls.

One catch-all route does what every Stripe endpoint shares (request counting, faults, the API key,
form decoding, idempotency, errors, expand[], list envelopes); `routes.ROUTES` maps each method and
path to the Sandbox operation behind it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from typing import Any, AsyncIterator

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from stripe_sandbox import control, errors
from stripe_sandbox import expand as expand_paths
from stripe_sandbox.billing import pages
from stripe_sandbox.connect import control as connect_control
from stripe_sandbox.connect import pages as connect_pages
from stripe_sandbox.connect.ledger import Window
from stripe_sandbox.params import decode
from stripe_sandbox.routes import Page, answers, check_params, match
from stripe_sandbox.schema import API_VERSION
from stripe_sandbox.state import Sandbox
from stripe_sandbox.store import new_id

log = logging.getLogger(__name__)


def _json(body: dict[str, Any], status: int, headers: dict[str, str]) -> Response:
    return Response(json.dumps(body, indent=2), status_code=status, media_type="application/json", headers=headers)


def _api_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    if header.lower().startswith("basic "):
        try:
            return base64.b64decode(header[6:].strip()).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            return None
    return None


def _envelope(sandbox: Sandbox, page: Page, params: dict[str, Any], expand: list[str]) -> dict[str, Any]:
    limit = params.get("limit")
    try:
        size = 10 if limit in (None, "") else int(limit)
    except ValueError:
        raise errors.invalid("limit", f"Invalid integer: {limit}") from None
    if not 1 <= size <= 100:
        raise errors.invalid("limit", "This value must be between 1 and 100 (inclusive).")
    items = _created_filter(page.items, params.get("created"))
    ids = [item["id"] for item in items]
    if params.get("starting_after"):
        if params["starting_after"] not in ids:
            raise errors.no_such(page.kind, params["starting_after"], "starting_after")
        items = items[ids.index(params["starting_after"]) + 1:]
    elif params.get("ending_before"):
        if params["ending_before"] not in ids:
            raise errors.no_such(page.kind, params["ending_before"], "ending_before")
        before = items[:ids.index(params["ending_before"])]
        items = before[-size:]
        return {"object": "list", "data": [sandbox.store.render(o, _item_paths(expand)) for o in items],
                "has_more": len(before) > size, "url": page.url}
    chosen = items[:size]
    return {"object": "list", "data": [sandbox.store.render(o, _item_paths(expand)) for o in chosen],
            "has_more": len(items) > size, "url": page.url}


def _item_paths(expand: list[str]) -> list[str]:
    return [p[5:] for p in expand if p.startswith("data.")]


def _created_filter(items: list[dict[str, Any]], created: Any) -> list[dict[str, Any]]:
    if created in (None, ""):
        return items
    try:
        if isinstance(created, dict):
            bounds = {op: int(value) for op, value in created.items()}
        else:
            bounds = {"eq": int(created)}
    except (TypeError, ValueError):
        raise errors.invalid("created", "Invalid timestamp filter: created") from None
    checks = {"gt": lambda c, v: c > v, "gte": lambda c, v: c >= v, "lt": lambda c, v: c < v,
              "lte": lambda c, v: c <= v, "eq": lambda c, v: c == v}
    unknown = set(bounds) - set(checks)
    if unknown:
        raise errors.invalid(f"created[{sorted(unknown)[0]}]", "Received unknown parameter")
    return [o for o in items if all(checks[op](o["created"], v) for op, v in bounds.items())]


async def _handle(sandbox: Sandbox, request: Request, path: str) -> Response:
    request_id = "req_" + new_id("", 14)
    headers = {"Request-Id": request_id, "Stripe-Version": request.headers.get("stripe-version") or API_VERSION}
    method = request.method.upper()
    fault = sandbox.record_request(method, request.url.path)
    try:
        if fault is not None and fault.kind != "timeout":
            raise fault.error()
        # a slow answer is slow whatever it says; its work still happens (as at Stripe), with its
        # idempotency key held meanwhile so that a retry gets 409 and later the replay
        delay = fault.delay if fault is not None else 0.0
        if _api_key(request) != sandbox.api_key:
            given = _api_key(request) or ""
            raise errors.AuthenticationError(
                "Invalid API Key provided: " + (given[:8] + "*" * 4 + given[-4:] if given else "(none)")
                if given else "You did not provide an API key.")
        raw = (await request.body()).decode(errors="replace") if method == "POST" else request.url.query
        params = decode(raw)
        account = request.headers.get("stripe-account") or None
        if account is not None and not sandbox.connect.accounts.has_account(account):
            given = _api_key(request) or ""
            raise errors.StripeError(f"The provided key '{given[:8]}****{given[-4:]}' does not have access to account "
                                     f"'{account}' (or that account does not exist). Application access may have "
                                     "been revoked.", code="account_invalid", status=403)
        key = request.headers.get("idempotency-key") if method == "POST" else None
        scoped_key = key if account is None else f"{account}:{key}"   # keys are per account at Stripe
        if key:
            headers["Idempotency-Key"] = key
            try:
                replay = sandbox.idempotency.begin(scoped_key, method, path, raw)
            except errors.StripeError:
                await asyncio.sleep(delay)
                raise
            if replay is not None:
                await asyncio.sleep(delay)
                status, body = replay
                headers["Idempotent-Replayed"] = "true"
                return Response(body, status_code=status, media_type="application/json", headers=headers)
        try:
            await asyncio.sleep(delay)
            status, body = await run_in_threadpool(_dispatch, sandbox, method, path, params, request_id, key, account)
        except BaseException:
            if key:
                sandbox.idempotency.end(scoped_key, None)
            raise
        encoded = json.dumps(body, indent=2).encode()
        if key:
            sandbox.idempotency.end(scoped_key, (status, encoded) if status < 500 else None)
        return Response(encoded, status_code=status, media_type="application/json", headers=headers)
    except errors.StripeError as exc:
        if exc.status in (429, 500):
            headers["Stripe-Should-Retry"] = "true"
        return _json(exc.body(), exc.status, headers)


def _dispatch(sandbox: Sandbox, method: str, path: str, params: dict[str, Any], request_id: str,
              key: str | None, account: str | None) -> tuple[int, dict[str, Any]]:
    expand = [str(p) for p in (params.pop("expand", None) or [])]
    found = match(method, path)
    if found is None:
        return 404, errors.StripeError(f"Unrecognized request URL ({method}: /v1/{path}).",
                                       status=404).body()
    handler, params_class, ids = found
    store = sandbox.store
    try:
        check_params(params_class, params)
        expand_paths.check(*answers(params_class), expand)
        with store.lock, store.serving(request_id, key), store.scoped(account):
            result = handler(store, params, *ids)
            if isinstance(result, Page):
                return 200, _envelope(sandbox, result, params, expand)
            if isinstance(result, Window):
                return 200, {"object": "list", "url": result.url, "has_more": result.has_more,
                             "data": [store.render(o, _item_paths(expand)) for o in result.items]}
            if result.get("deleted") is True and len(result) <= 3:
                return 200, result
            rendered = store.render(result, expand)
            if result.get("object") == "webhook_endpoint" and method == "POST" and path == "webhook_endpoints":
                rendered["secret"] = result["_secret"]
            return 200, rendered
    except errors.StripeError as exc:
        return exc.status, exc.body()
    except Exception:
        log.exception("sandbox failed on %s /v1/%s", method, path)
        return 500, errors.ApiFault("The sandbox hit an internal error on this request; see its log.",
                                    status=500).body()


def create_sandbox_app(sandbox: Sandbox) -> FastAPI:
    """The /v1 Stripe API, the hosted pages and the /_sandbox control API for one Sandbox."""
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        sandbox.close()

    app = FastAPI(title="Stripe sandbox", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.sandbox = sandbox

    @app.api_route("/v1/{path:path}", methods=["GET", "POST", "DELETE"], include_in_schema=False)
    async def v1(path: str, request: Request) -> Response:
        return await _handle(sandbox, request, path.rstrip("/"))

    app.include_router(control.make_router(sandbox))
    pages.install(app, sandbox)
    app.include_router(connect_control.make_router(sandbox))
    app.include_router(connect_pages.make_router(sandbox))

    return app
