"""/_sandbox: the control API for tests, benches and operators (JSON, no auth: loopback only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from stripe_sandbox.billing.dunning import Dunning

if TYPE_CHECKING:
    from stripe_sandbox.state import Sandbox


class Advance(BaseModel):
    seconds: int = Field(ge=0)


class DunningRequest(BaseModel):
    retry_days: list[float] = Field(default=[3, 3, 3], max_length=8)
    subscription_then: Literal["canceled", "unpaid", "past_due"] = "canceled"
    invoice_then: Literal["uncollectible", "past_due"] = "uncollectible"


class FaultRequest(BaseModel):
    kind: Literal["500", "429", "timeout"]
    count: int = Field(default=1, ge=1)
    delay: float = Field(default=0.0, ge=0)


def make_router(sandbox: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/_sandbox", include_in_schema=False)

    @router.get("/clock")
    def clock() -> dict[str, int]:
        return {"now": sandbox.now()}

    @router.post("/clock/advance")
    def advance(body: Advance) -> dict[str, int]:
        sandbox.advance_clock(body.seconds)
        return {"now": sandbox.now()}

    @router.post("/faults")
    def add_fault(body: FaultRequest) -> dict[str, int]:
        sandbox.inject_fault(body.kind, body.count, body.delay)
        return {"queued": body.count}

    @router.delete("/faults")
    def clear_faults() -> dict[str, bool]:
        sandbox.clear_faults()
        return {"cleared": True}

    @router.post("/dunning")
    def dunning(body: DunningRequest) -> dict[str, object]:
        try:
            sandbox.store.dunning = Dunning(tuple(body.retry_days), body.subscription_then, body.invoice_then)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        return body.model_dump()

    @router.get("/requests")
    def requests(prefix: str = "/v1/") -> dict[str, object]:
        return {"count": sandbox.request_count(prefix), "recent": sandbox.recent_requests()}

    @router.post("/deliveries/wait")
    async def wait(timeout: float = 10.0) -> dict[str, bool]:
        return {"idle": await run_in_threadpool(sandbox.wait_for_deliveries, timeout)}

    return router
