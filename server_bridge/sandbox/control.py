"""/_sandbox: the control API for tests, benches and operators (JSON, no auth: loopback only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from server_bridge.sandbox.state import Sandbox


class Advance(BaseModel):
    seconds: int = Field(ge=0)


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

    @router.get("/requests")
    def requests(prefix: str = "/v1/") -> dict[str, object]:
        return {"count": sandbox.request_count(prefix), "recent": sandbox.recent_requests()}

    @router.post("/deliveries/wait")
    async def wait(timeout: float = 10.0) -> dict[str, bool]:
        return {"idle": await run_in_threadpool(sandbox.wait_for_deliveries, timeout)}

    return router
