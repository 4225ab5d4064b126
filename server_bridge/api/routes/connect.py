"""GET/POST /v1/connect/...: the signed-in owner's own sales, balance, payouts and verification.

Plain `def` routes (the store and the gateway block; FastAPI runs them on its thread pool). The
account is always the signed-in owner's (connect.earnings.Earnings); nothing here takes an account
id from the client.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from server_bridge.api.deps import OwnerDep, SessionDep
from server_bridge.api.errors import SIGNED_IN, InvalidRequest, NotFound, documented
from server_bridge.connect import records, schemas, shaping
from server_bridge.connect.earnings import Earnings, NoAccount, NoDashboard
from server_bridge.edge.validation import Cursor, SearchText, StripeId
from server_bridge.gateway import StripeRefused, StripeTimeout, StripeUnavailable

router = APIRouter(prefix="/v1/connect", tags=["connect"])

STRIPE = (StripeUnavailable, StripeTimeout, StripeRefused)
READ = documented(InvalidRequest, *SIGNED_IN, NoAccount, NotFound, *STRIPE)
"""Every read: bad query, signed out, no account yet, another owner's or a missing id, Stripe on first sight."""

Limit = Annotated[int, Query(ge=1, le=100)]
Time = Annotated[int | None, Query(ge=0, le=2**40)]
CSV_COLUMNS = ("id", "created", "currency", "gross", "refunded", "stripe_fee", "platform_fee", "net", "status",
               "description", "customer_email", "dispute_status")


async def get_earnings(request: Request, session: SessionDep, owner: OwnerDep) -> Earnings:
    state = request.app.state
    return Earnings(session=session, owner=owner, settings=state.settings, gateway=state.gateway,
                    worker=getattr(state, "connect_worker", None), bus=state.bus)


EarningsDep = Annotated[Earnings, Depends(get_earnings)]


@router.get("/account", response_model=schemas.Account, responses=READ)
def account(earnings: EarningsDep) -> dict:
    return earnings.account()


@router.post("/onboarding-link", response_model=schemas.Link, responses=documented(*SIGNED_IN, *STRIPE))
def onboarding_link(earnings: EarningsDep) -> dict:
    return earnings.onboarding_link()


@router.post("/dashboard-link", response_model=schemas.Link, responses=documented(*SIGNED_IN, NoAccount, NoDashboard, *STRIPE))
def dashboard_link(earnings: EarningsDep) -> dict:
    return earnings.dashboard_link()


@router.get("/balance", response_model=schemas.Balances, responses=READ)
def balance(earnings: EarningsDep) -> dict:
    return earnings.balance()


@router.get("/payouts", response_model=schemas.PayoutPage, responses=READ)
def payouts(earnings: EarningsDep, limit: Limit = 20, starting_after: Cursor = None,
            status: schemas.PayoutStatus | None = None) -> dict:
    return earnings.payouts(limit, starting_after or None, status)


@router.get("/payouts/{payout_id}", response_model=schemas.PayoutDetail, responses=READ)
def payout(earnings: EarningsDep, payout_id: StripeId) -> dict:
    return earnings.payout_detail(payout_id)


@router.get("/payouts/{payout_id}/transactions", response_model=schemas.TransactionPage, responses=READ)
def payout_transactions(earnings: EarningsDep, payout_id: StripeId, limit: Limit = 50, starting_after: Cursor = None
                        ) -> dict:
    return earnings.payout_transactions(payout_id, limit, starting_after or None)


@router.get("/sales", response_model=schemas.SalePage, responses=READ)
def sales(earnings: EarningsDep, limit: Limit = 50, starting_after: Cursor = None, created_gte: Time = None,
          created_lt: Time = None, status: schemas.SaleStatus | None = None,
          q: SearchText = None) -> dict:
    return earnings.sales(limit, starting_after or None, created_gte=created_gte, created_lt=created_lt,
                          status=status, q=(q or "").strip() or None)


@router.get("/sales/series", response_model=schemas.SalesSeries, responses=READ)
def sales_series(earnings: EarningsDep, start: Annotated[int, Query(alias="from", ge=0, le=2**40)],
                 end: Annotated[int, Query(alias="to", ge=0, le=2**40)], bucket: schemas.Bucket = "month") -> dict:
    return earnings.series(bucket, start, end)


def csv_row(row: Any) -> list[Any]:
    """One sale (a row of connect.store.EXPORT_COLUMNS) as CSV fields; amounts in the major unit."""
    (sale_id, created, currency, gross, refunded, stripe_fee, platform_fee, status, description, email,
     dispute_status) = row
    money = shaping.decimal_amount
    net = gross - refunded - (stripe_fee or 0) - platform_fee
    return [sale_id, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created)), currency, money(gross, currency),
            money(refunded, currency), "" if stripe_fee is None else money(stripe_fee, currency),
            money(platform_fee, currency), money(net, currency), status, description or "", email or "",
            dispute_status or ""]


@router.get("/sales.csv", response_class=StreamingResponse, responses={
    200: {"description": "The sales as CSV, streamed", "content": {"text/csv": {}}}, **READ})
def sales_csv(request: Request, owner: OwnerDep, start: Annotated[Time, Query(alias="from")] = None,
              end: Annotated[Time, Query(alias="to")] = None) -> StreamingResponse:
    """Streamed in chunks from a session of its own (the request's closes before the body is sent)."""
    account_id = owner.stripe_account_id
    sessions = request.app.state.sessions

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        if account_id is not None:
            with sessions() as session:
                for n, row in enumerate(records.iter_sales(session, account_id, created_gte=start,
                                                           created_lt=end), 1):
                    writer.writerow(csv_row(row))
                    if n % 500 == 0:
                        yield buffer.getvalue()
                        buffer.seek(0)
                        buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="sales.csv"',
                                      "Cache-Control": "no-store"})
