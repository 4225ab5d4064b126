"""GET/POST /v1/billing/...: the signed-in owner's plan, invoices, hosted pages and plan changes.

Routes are plain `def`s: the gateway and the store are blocking, so FastAPI runs them on its
thread pool and the event loop never waits on them. Every lookup goes through the signed-in owner
(deps.BillingDep).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import Receive, Scope, Send

from server_bridge.api import schemas
from server_bridge.api.deps import BillingDep
from server_bridge.api.errors import SIGNED_IN, InvalidRequest, NotFound, documented
from server_bridge.billing.errors import (AlreadySubscribed, ChangeScheduled, InvalidFlow, InvoiceNotPayable,
                                          NoPendingChange, NoSubscription, PlanEnding, PortalNotConfigured, SamePlan,
                                          StalePreview, UnknownPlan)
from server_bridge.billing.invoices import attachment, pdf_filename
from server_bridge.edge.validation import Cursor, StripeId
from server_bridge.gateway import CardDeclined, PdfDownload, StripeRefused, StripeTimeout, StripeUnavailable

router = APIRouter(prefix="/v1/billing", tags=["billing"])

STRIPE = (StripeUnavailable, StripeTimeout, StripeRefused)
"""A read backfills an owner the bridge has never seen, and a write goes to Stripe: either can fail there."""


class PlanBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    plan: str = Field(min_length=1, max_length=64)


class PortalBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    flow: str | None = Field(default=None, max_length=64)


class PlanChangeBody(PlanBody):
    proration_date: int = Field(ge=0)


@router.get("/summary", responses=documented(*SIGNED_IN, *STRIPE))
def summary(billing: BillingDep) -> schemas.Summary:
    """The dashboard's read: from the store, no Stripe call once the owner is known."""
    return billing.summary()


@router.get("/plans", responses=documented(*SIGNED_IN, *STRIPE))
def plans(billing: BillingDep) -> schemas.Plans:
    return billing.plans()


@router.get("/invoices", responses=documented(InvalidRequest, *SIGNED_IN, NotFound, *STRIPE))
def invoices(billing: BillingDep, limit: Annotated[int, Query(ge=1, le=100)] = 20,
             starting_after: Cursor = None) -> schemas.InvoicePage:
    return billing.invoices(limit, starting_after or None)


class RelayedPdf(StreamingResponse):
    """An invoice PDF as it arrives from Stripe. The upstream connection is closed however the answer
    ends: sent whole, broken off upstream, or the owner hanging up mid-way (Starlette then abandons the
    body's iterator without closing it)."""

    def __init__(self, download: PdfDownload, headers: dict[str, str]) -> None:
        self.download = download
        super().__init__(download.chunks(), media_type="application/pdf", headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.download.close()


@router.get("/invoices/{invoice_id}/pdf", response_class=StreamingResponse, responses={
    200: {"description": "The invoice's PDF, streamed", "content": {"application/pdf": {}}},
    **documented(InvalidRequest, *SIGNED_IN, NotFound, *STRIPE)})
def invoice_pdf(billing: BillingDep, invoice_id: StripeId) -> StreamingResponse:
    invoice = billing.own_invoice(invoice_id)
    if not invoice.invoice_pdf:
        raise NotFound.of("That invoice's PDF")
    headers = {"Content-Disposition": attachment(pdf_filename(invoice))}
    download = billing.gateway.open_pdf(invoice.invoice_pdf)
    try:
        if download.length is not None:
            headers["Content-Length"] = str(download.length)
        return RelayedPdf(download, headers)
    except BaseException:
        download.close()
        raise


@router.post("/portal-session", responses=documented(
    InvalidRequest, InvalidFlow, *SIGNED_IN, NoSubscription, PortalNotConfigured, *STRIPE))
def portal_session(billing: BillingDep, body: PortalBody | None = None) -> schemas.HostedPage:
    return billing.portal_session(body.flow if body else None)


@router.post("/checkout-session", responses=documented(InvalidRequest, UnknownPlan, *SIGNED_IN, AlreadySubscribed, *STRIPE))
def checkout_session(billing: BillingDep, body: PlanBody) -> schemas.HostedPage:
    return billing.checkout_session(body.plan)


@router.post("/plan-change/preview", responses=documented(
    InvalidRequest, UnknownPlan, *SIGNED_IN, NoSubscription, SamePlan, ChangeScheduled, PlanEnding, *STRIPE))
def preview_plan_change(billing: BillingDep, body: PlanBody) -> schemas.PlanChangePreview:
    return billing.preview_plan_change(body.plan)


@router.post("/plan-change", responses=documented(
    InvalidRequest, UnknownPlan, CardDeclined, *SIGNED_IN, NoSubscription, SamePlan, StalePreview, ChangeScheduled,
    PlanEnding, *STRIPE))
def change_plan(billing: BillingDep, body: PlanChangeBody) -> schemas.Summary:
    return billing.change_plan(body.plan, body.proration_date)


@router.delete("/checkout-session", status_code=204, response_class=Response, responses=documented(*SIGNED_IN, *STRIPE))
def abandon_checkout(billing: BillingDep) -> Response:
    """Expire the owner's open Checkout pages (the owner gave up on paying there)."""
    billing.expire_checkouts()
    return Response(status_code=204)


@router.delete("/pending-change", responses=documented(*SIGNED_IN, NoPendingChange, *STRIPE))
def keep_current_plan(billing: BillingDep) -> schemas.Summary:
    """Undo a scheduled plan switch: the plan renews as it is."""
    return billing.keep_current_plan()


@router.post("/invoices/{invoice_id}/pay", responses=documented(
    InvalidRequest, *SIGNED_IN, NotFound, InvoiceNotPayable, CardDeclined, *STRIPE))
def pay_invoice(billing: BillingDep, invoice_id: StripeId) -> schemas.Invoice:
    """Pay an open invoice now with the card on file."""
    return billing.pay_invoice(invoice_id)
