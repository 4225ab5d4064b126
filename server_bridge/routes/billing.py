"""GET/POST /v1/billing/...: the signed-in owner's plan, invoices, hosted pages and plan changes.

Routes are plain `def`s: the gateway and the store are blocking, so FastAPI runs them on its
thread pool. The one exception is the summary, the hot read (see its docstring). Every lookup goes
through the signed-in owner (billing.Billing).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from server_bridge.billing import Billing, pdf_filename
from server_bridge.deps import OwnerDep, SessionDep, get_current_token, get_gateway
from server_bridge.errors import not_found

router = APIRouter(prefix="/v1/billing", tags=["billing"])


async def get_billing(request: Request, session: SessionDep, owner: OwnerDep) -> Billing:
    """Async on purpose: FastAPI runs every sync dependency on the thread pool, and this one only
    gathers what app.state holds; each hop saved is a measurable share of a warm read."""
    return Billing(session=session, gateway=get_gateway(request), settings=request.app.state.settings, owner=owner,
                   bus=request.app.state.bus)


BillingDep = Annotated[Billing, Depends(get_billing)]


class PlanBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    plan: str = Field(min_length=1, max_length=64)


class PortalBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    flow: str | None = Field(default=None, max_length=64)


class PlanChangeBody(PlanBody):
    proration_date: int = Field(ge=0)


def _summary(request: Request, warm_only: bool = False) -> dict | None:
    with request.app.state.sessions() as session:
        get_current_token(request, session)
        return Billing(session=session, gateway=get_gateway(request), settings=request.app.state.settings,
                       owner=request.state.owner, bus=request.app.state.bus).summary(warm_only=warm_only)


@router.get("/summary")
async def summary(request: Request) -> JSONResponse:
    """Every dashboard read lands here, so it skips what a plain route costs: on SQLite a warm
    read (a local file, WAL: readers do not wait for writers) runs on the event loop with no
    thread-pool hop; a cold one (Stripe backfill) or any PostgreSQL read makes one hop for
    session, token check and summary together. The dict goes out as JSON without
    jsonable_encoder or a return-value validation pass."""
    if request.app.state.engine.dialect.name == "sqlite":
        body = _summary(request, warm_only=True)
        if body is not None:
            return JSONResponse(body)
    return JSONResponse(await run_in_threadpool(_summary, request))


@router.get("/plans")
def plans(billing: BillingDep) -> dict:
    return billing.plans()


@router.get("/invoices")
def invoices(billing: BillingDep, limit: Annotated[int, Query(ge=1, le=100)] = 20,
             starting_after: Annotated[str | None, Query(max_length=255)] = None) -> dict:
    try:
        return billing.invoices(limit, starting_after or None)
    except KeyError:
        raise not_found("That invoice") from None


@router.get("/invoices/{invoice_id}/pdf")
def invoice_pdf(billing: BillingDep, invoice_id: str) -> StreamingResponse:
    invoice = billing.own_invoice(invoice_id)
    url = invoice.get("invoice_pdf")
    if not url:
        raise not_found("That invoice's PDF")
    download = billing.gateway.open_pdf(url)
    headers = {"Content-Disposition": f'attachment; filename="{pdf_filename(invoice)}"'}
    if download.length is not None:
        headers["Content-Length"] = str(download.length)
    return StreamingResponse(download.chunks(), media_type="application/pdf", headers=headers)


@router.post("/portal-session")
def portal_session(billing: BillingDep, body: PortalBody | None = None) -> dict:
    return billing.portal_session(body.flow if body else None)


@router.post("/checkout-session")
def checkout_session(billing: BillingDep, body: PlanBody) -> dict:
    return billing.checkout_session(body.plan)


@router.post("/plan-change/preview")
def preview_plan_change(billing: BillingDep, body: PlanBody) -> dict:
    return billing.preview_plan_change(body.plan)


@router.post("/plan-change")
def change_plan(billing: BillingDep, body: PlanChangeBody) -> dict:
    return billing.change_plan(body.plan, body.proration_date)

