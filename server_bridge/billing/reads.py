"""An owner's summary, plans and invoices, read from the store.

A warm read makes no Stripe call; only an owner the bridge has never seen (or a plan price it does
not have yet) is backfilled from Stripe first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from server_bridge.api import schemas
from server_bridge.api.errors import NotFound
from server_bridge.billing import duplicates, next_bill
from server_bridge.billing.invoices import shape_invoice
from server_bridge.billing.owner import OwnerBilling, lacks_next_bill, load_owner
from server_bridge.billing.stripe_objects import Invoice
from server_bridge.billing.summary import shape_plans, shape_summary
from server_bridge.db.models import Owner
from server_bridge.gateway import StripeCalls
from server_bridge.mirror import store
from server_bridge.mirror.sync import Publisher, copy_missing_prices, ensure_fresh
from server_bridge.settings import Settings


@dataclass
class BillingReads:
    """One request's billing reads for the signed-in owner: every lookup goes through the owner."""

    session: Session
    gateway: StripeCalls
    settings: Settings
    owner: Owner
    bus: Publisher | None = None

    @property
    def customer_id(self) -> str | None:
        return self.owner.stripe_customer_id

    def now(self) -> int:
        return int(time.time())

    def fresh(self) -> OwnerBilling:
        """The owner's view from the store, backfilled first if the bridge has never seen the owner,
        with Stripe's preview of the next bill if the store has none for the live subscription yet."""
        ensure_fresh(self.session, self.gateway, self.owner, bus=self.bus)
        view = load_owner(self.session, self.customer_id, self.settings.plans)
        missing = [p for p in self.settings.plans.values() if p not in view.prices]
        if missing:
            copy_missing_prices(self.session, self.gateway, missing)
            self.session.commit()
            view = load_owner(self.session, self.customer_id, self.settings.plans)
        if self.customer_id and lacks_next_bill(view):
            next_bill.refresh(self.session, self.gateway, self.customer_id)
            self.session.commit()
            view = load_owner(self.session, self.customer_id, self.settings.plans)
        return view

    def warm_view(self) -> OwnerBilling | None:
        """The view if the store already holds all a summary needs, else None (then fresh() backfills)."""
        view = load_owner(self.session, self.customer_id, self.settings.plans, self.owner.id)
        synced = view.synced_at if self.customer_id else store.synced_at(self.session, self.owner.id)
        if synced is None or not view.has_prices(self.settings.plans.values()) or lacks_next_bill(view):
            return None
        return view

    def summary(self) -> schemas.Summary:
        view = self.warm_view() or self.fresh()
        return shape_summary(view, self.settings.plans, self.now(), self.settings.if_unpaid)

    def plans(self) -> schemas.Plans:
        return shape_plans(self.fresh(), self.settings.plans, self.now())

    def own_invoice(self, invoice_id: str) -> Invoice:
        """The invoice if it is this owner's; another owner's answers exactly as a missing one."""
        stored = store.get_object(self.session, "invoice", invoice_id)
        invoice = Invoice.model_validate(stored) if stored else None
        if invoice is None or not self.customer_id or invoice.customer != self.customer_id:
            raise NotFound.of("That invoice")
        return invoice

    def invoices(self, limit: int, starting_after: str | None) -> schemas.InvoicePage:
        ensure_fresh(self.session, self.gateway, self.owner, bus=self.bus)
        if starting_after:
            self.own_invoice(starting_after)
        if not self.customer_id:
            return schemas.InvoicePage(data=[], has_more=False)
        try:
            rows = store.list_objects(self.session, "invoice", customer_id=self.customer_id, limit=limit + 1,
                                      starting_after=starting_after)
        except KeyError:
            raise NotFound.of("That invoice") from None
        refunded = duplicates.refunded_by_invoice(self.session, self.customer_id)
        return schemas.InvoicePage(
            data=[shape_invoice(Invoice.model_validate(i), refunded.get(i["id"], 0)) for i in rows[:limit]],
            has_more=len(rows) > limit)
