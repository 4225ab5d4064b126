"""/_sandbox/connect: Connect's controls for tests, benches and operators (JSON, no auth: loopback only)."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from stripe_sandbox import errors

if TYPE_CHECKING:
    from stripe_sandbox.state import Sandbox


class SalesRequest(BaseModel):
    account: str
    count: int = Field(ge=0, le=1_000_000)
    days: int = Field(default=365, ge=1, le=3_650)
    currencies: list[Literal["usd", "eur", "gbp", "cad", "aud"]] = Field(default=["usd"], min_length=1)
    refund_share: float = Field(default=0.03, ge=0, le=1)
    dispute_share: float = Field(default=0.002, ge=0, le=1)
    fee_percent: float = Field(default=2.0, ge=0, le=100)
    seed: int | None = None


class OnboardRequest(BaseModel):
    account: str
    values: dict[str, str] = {}


class ReviewRequest(BaseModel):
    account: str
    seconds: int = Field(default=86_400, ge=1)


class DisputeRequest(BaseModel):
    account: str
    charge: str
    reason: str = "fraudulent"


def make_router(sandbox: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/_sandbox/connect", include_in_schema=False)

    def account_or_404(account: str) -> None:
        if not sandbox.connect.accounts.has_account(account):
            raise HTTPException(404, f"No such account: {account}")

    @router.post("/sales")
    async def sales(body: SalesRequest) -> dict[str, Any]:
        """Backdated sales for an account (no events), as `sandbox.connect.sales.generate`."""
        account_or_404(body.account)
        report = await run_in_threadpool(
            lambda: sandbox.connect.sales.generate(body.account, count=body.count, days=body.days,
                                                   currencies=tuple(body.currencies), refund_share=body.refund_share,
                                                   dispute_share=body.dispute_share, fee_percent=body.fee_percent,
                                                   seed=body.seed))
        return asdict(report)

    @router.post("/onboard")
    def onboard(body: OnboardRequest) -> dict[str, Any]:
        """Fill in the hosted onboarding form with Stripe's test values (`values` replace some)."""
        account_or_404(body.account)
        try:
            account = sandbox.connect.accounts.onboard_account(body.account, **body.values)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        return {"account": account["id"], "charges_enabled": account["charges_enabled"],
                "payouts_enabled": account["payouts_enabled"]}

    @router.post("/disputes")
    def dispute(body: DisputeRequest) -> dict[str, str]:
        """The customer disputes a charge (events fire as at Stripe)."""
        account_or_404(body.account)
        try:
            made = sandbox.connect.disputes.dispute_charge(body.account, body.charge, body.reason)
        except errors.StripeError as exc:
            raise HTTPException(exc.status, exc.message) from None
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        return {"dispute": made["id"]}

    @router.post("/review")
    def review(body: ReviewRequest) -> dict[str, str]:
        """Stripe puts the account under review (nothing due, charges and payouts off) for `seconds`."""
        account_or_404(body.account)
        sandbox.connect.accounts.start_review(body.account, seconds=body.seconds)
        return {"account": body.account}

    @router.post("/demo")
    def demo() -> dict[str, str]:
        """The demo owners' connected accounts ({email: account id})."""
        return sandbox.seed_demo_accounts()

    return router
