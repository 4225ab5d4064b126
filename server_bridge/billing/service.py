"""An owner's billing writes: Checkout, the customer portal and plan changes.

Writes go through the gateway with idempotency keys derived from the logical operation, and their
answers are stored at once, so the next summary shows them before the webhook arrives.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from server_bridge.api import schemas
from server_bridge.billing import duplicates, next_bill
from server_bridge.billing.dates import add_interval, day_of_month
from server_bridge.billing.errors import (AlreadySubscribed, ChangeScheduled, InvalidFlow, InvoiceNotPayable,
                                          NoPendingChange, NoSubscription, PlanEnding, PortalNotConfigured, SamePlan,
                                          StalePreview, UnknownPlan)
from server_bridge.billing.invoices import shape_invoice, shape_preview_lines
from server_bridge.billing.owner import live_subscription, load_owner, overlay, schedule_for
from server_bridge.billing.reads import BillingReads
from server_bridge.billing.setup import find_portal_configuration
from server_bridge.billing.stripe_objects import (Invoice, Price, Product, Subscription, SubscriptionItem,
                                                  SubscriptionSchedule)
from server_bridge.billing.summary import plan_view, shape_summary
from server_bridge.gateway import CardDeclined, StripeCalls, StripeRefused, StripeUnavailable
from server_bridge.mirror import store
from server_bridge.mirror.sync import save_fetched

PORTAL_FLOWS = ("payment_method_update", "subscription_cancel")
STALE_AFTER = 3600
log = logging.getLogger(__name__)


def portal_configuration(gateway: StripeCalls) -> str:
    """The portal configuration `stripe setup` made (card, cancel with reasons, invoices, no plan
    switching), looked up once per process. Without it the portal is refused: the account's default
    configuration may allow plan switching, which must go through the previewed plan change."""
    if not gateway.portal_configuration_id:
        found = find_portal_configuration(gateway)
        if found is None:
            log.error("no active Billing Manager portal configuration at Stripe: run `billing-bridge stripe setup`")
            raise PortalNotConfigured()
        gateway.portal_configuration_id = found["id"]
    return gateway.portal_configuration_id


@dataclass
class PlanChange:
    """A change of the live subscription's plan, as the request asked for it."""

    subscription: Subscription
    item: SubscriptionItem
    current: Price
    new: Price

    @property
    def is_upgrade(self) -> bool:
        return self.new.unit_amount >= self.current.unit_amount


@dataclass
class BillingService(BillingReads):
    """The owner's reads plus the writes that change the owner's billing at Stripe."""

    written: list[dict] = field(default_factory=list)

    def publish(self, topics: list[str]) -> None:
        if self.bus is not None and self.customer_id:
            self.bus.publish(self.customer_id, topics)

    def price_for(self, plan_key: str) -> str:
        price_id = self.settings.plans.get(plan_key)
        if not price_id:
            raise UnknownPlan(f"There is no plan called {plan_key!r}.")
        return price_id

    # -- hosted pages --

    def portal_session(self, flow: str | None) -> schemas.HostedPage:
        if flow == "subscription_update":
            raise InvalidFlow("Plans are changed in Billing Manager itself, with a preview of the charge; "
                              "the portal does not switch plans.")
        if flow is not None and flow not in PORTAL_FLOWS:
            raise InvalidFlow(f"There is no portal flow called {flow!r}.")
        view = self.fresh()
        if not self.customer_id:
            raise NoSubscription("You have no plan yet; choose one first.")
        # a flow's page returns to "done" only once completed; its back link means nothing was changed
        return_url = self.settings.return_url("/return/portal" + (f"?left={flow}" if flow else ""))
        params: dict[str, Any] = {"customer": self.customer_id, "return_url": return_url}
        if flow is not None:
            done_url = self.settings.return_url(f"/return/portal?done={flow}")
            flow_data: dict[str, Any] = {
                "type": flow, "after_completion": {"type": "redirect", "redirect": {"return_url": done_url}}}
            if flow == "subscription_cancel":
                sub = live_subscription(view.subscriptions)
                if sub is None:
                    raise NoSubscription("You have no plan to change or cancel.")
                flow_data[flow] = {"subscription": sub.id}
            params["flow_data"] = flow_data
        params["configuration"] = portal_configuration(self.gateway)
        session = self.gateway.create_portal_session(params, key=f"portal:{uuid.uuid4()}")
        return schemas.HostedPage(url=session["url"])

    def ensure_customer(self) -> str:
        if self.customer_id:
            return self.customer_id
        customer = self.gateway.create_customer(
            {"email": self.owner.email, "metadata": {"owner_id": str(self.owner.id)}},
            key=f"customer:owner:{self.owner.id}",
        )
        self.owner.stripe_customer_id = customer["id"]
        save_fetched(self.session, customer)
        self.session.commit()
        return customer["id"]

    def checkout_session(self, plan_key: str) -> schemas.HostedPage:
        price_id = self.price_for(plan_key)
        view = self.fresh()
        if live_subscription(view.subscriptions) is not None:
            raise AlreadySubscribed()
        customer_id = self.ensure_customer()
        attempt = f"checkout:{self.owner.id}:{plan_key}:{self.now() // 60}"
        same = self.expire_checkouts(keep=attempt)
        if same is not None:
            return schemas.HostedPage(url=same["url"])   # a double click is one session
        params = {
            "mode": "subscription", "customer": customer_id,
            "line_items": [{"price": price_id, "quantity": 1}],
            "success_url": self.settings.return_url("/return/checkout/success") + "?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": self.settings.return_url("/return/checkout/cancel"),
            "client_reference_id": str(self.owner.id),
            "metadata": {"owner_id": str(self.owner.id), "plan": plan_key, "attempt": attempt},
        }
        session = self.gateway.create_checkout_session(params, key=f"{attempt}:{uuid.uuid4()}")
        return schemas.HostedPage(url=session["url"])

    def expire_checkouts(self, keep: str | None = None) -> dict | None:
        """Expire the owner's open Checkout sessions, so that at most one page can still be paid; one made
        for the same `keep` attempt (plan and minute) stays open and is returned."""
        if not self.customer_id:
            return None
        kept = None
        for session in self.gateway.list_open_checkout_sessions(self.customer_id):
            if kept is None and keep is not None and session.get("url") \
                    and (session.get("metadata") or {}).get("attempt") == keep:
                kept = session
                continue
            try:
                self.gateway.expire_checkout_session(session["id"], key=f"checkout-expire:{session['id']}")
            except StripeRefused:
                continue   # paid or expired meanwhile: a second subscription is ended on its webhook
        return kept

    # -- plan changes --

    def _plan_change(self, plan_key: str) -> PlanChange:
        """The change asked for, or the 4xx that says why it cannot be made."""
        price_id = self.price_for(plan_key)
        view = self.fresh()
        sub = live_subscription(view.subscriptions)
        if sub is None or sub.item is None:
            raise NoSubscription("You have no plan to change; choose one first.")
        if sub.price_id == price_id:
            raise SamePlan()
        current = view.prices.get(sub.price_id or "") or sub.item.price
        new = view.prices.get(price_id)
        if new is None or current is None:
            raise UnknownPlan(f"The plan {plan_key!r} is not available right now.")
        pending = shape_summary(view, self.settings.plans, self.now()).pending_change
        if pending is not None and pending.plan.key == plan_key:
            raise ChangeScheduled(f"Your plan already switches to {pending.plan.name} at the end of this period.")
        return PlanChange(sub, sub.item, current, new)

    def _deferred(self, change: PlanChange) -> bool:
        """Downgrades wait for the end of the period when the bridge is set up that way; a plan that ends
        then has nothing to downgrade."""
        deferred = not change.is_upgrade and self.settings.downgrade_at_period_end
        if deferred and (change.subscription.cancel_at_period_end or change.subscription.cancel_at):
            raise PlanEnding()
        return deferred

    def _product(self, price: Price) -> Product | None:
        stored = store.get_object(self.session, "product", price.product or "")
        return Product.model_validate(stored) if stored else None

    def preview_plan_change(self, plan_key: str) -> schemas.PlanChangePreview:
        change = self._plan_change(plan_key)
        new, item = change.new, change.item
        now = self.now()
        plan = schemas.Plan(**plan_view(new, self._product(new), self.settings.plans).model_dump(exclude={"key"}),
                            key=plan_key)
        period_end = item.current_period_end or now
        direction = "upgrade" if change.is_upgrade else "downgrade"
        deferred = self._deferred(change)
        # The bill after the change as Stripe previews it (credit included); None when the plan ends first.
        after = self.gateway.upcoming_invoice(self.customer_id or "", change.subscription.id, {
            "items": [{"id": item.id, "price": new.id}], "proration_behavior": "none"})
        upcoming = Invoice.model_validate(after) if after else None
        next_amount = upcoming.amount_due if upcoming else None
        next_date = period_end if upcoming else None
        if deferred:
            line = schemas.PreviewLine(description=f"{item.quantity} × {plan.name} (from the next bill)",
                                       amount=new.unit_amount * item.quantity, period_start=period_end,
                                       period_end=self._first_period_end(change, period_end))
            return schemas.PlanChangePreview(
                plan=plan, direction=direction, effective="period_end", proration_date=now, amount_due_now=0,
                currency=new.currency, lines=[line], next_amount=next_amount, next_date=next_date)
        preview = Invoice.model_validate(self.gateway.preview_invoice({
            "customer": self.customer_id, "subscription": change.subscription.id,
            "subscription_details": {"items": [{"id": item.id, "price": new.id}],
                                     "proration_behavior": "always_invoice", "proration_date": now},
        }))
        if upcoming is not None and preview.ending_balance is not None:
            # The proration invoice is finalized first: its credit (ending balance) pays into the next bill.
            next_amount = max(upcoming.total + preview.ending_balance, 0)
        return schemas.PlanChangePreview(
            plan=plan, direction=direction, effective="now", proration_date=now, amount_due_now=preview.amount_due,
            currency=preview.currency, lines=shape_preview_lines(preview), next_amount=next_amount,
            next_date=next_date)

    @staticmethod
    def _first_period_end(change: PlanChange, start: int) -> int:
        """When the new plan's first period, starting at `start`, ends: on the subscription's billing
        anchor day if the billing interval stays the same (Stripe keeps the anchor then)."""
        new, old = change.new.recurring, change.current.recurring
        anchor = change.subscription.billing_cycle_anchor if (new.interval, new.interval_count) == (
            old.interval, old.interval_count) else None
        return add_interval(start, new.interval, new.interval_count, anchor_day=day_of_month(anchor or start))

    def change_plan(self, plan_key: str, proration_date: int) -> schemas.Summary:
        now = self.now()
        self.price_for(plan_key)
        if proration_date > now or now - proration_date > STALE_AFTER:
            raise StalePreview()
        change = self._plan_change(plan_key)
        if self._deferred(change):
            self._schedule_downgrade(change, proration_date)
        else:
            self._change_now(change, proration_date)
        self.refresh_next_bill()
        self.session.commit()
        self.publish(["summary", "invoices", "plans"])
        return self._summary_after_write()

    def _summary_after_write(self) -> schemas.Summary:
        view = overlay(load_owner(self.session, self.customer_id, self.settings.plans), self.written)
        return shape_summary(view, self.settings.plans, self.now(), self.settings.if_unpaid)

    def refresh_next_bill(self) -> None:
        if self.customer_id:
            next_bill.refresh(self.session, self.gateway, self.customer_id)

    def _keep(self, obj: dict) -> None:
        """Store a write's answer, and remember it: within the same second a webhook for an earlier
        step may tie with it in the store, but this request's answer is built from what Stripe said."""
        save_fetched(self.session, obj)
        self.written.append(obj)

    def _stored_schedule(self, sub: Subscription) -> SubscriptionSchedule | None:
        stored = store.get_object(self.session, "subscription_schedule", sub.schedule) if sub.schedule else None
        if stored is not None:
            return SubscriptionSchedule.model_validate(stored)
        schedules = store.list_objects(self.session, "subscription_schedule", customer_id=self.customer_id)
        return schedule_for(sub, [SubscriptionSchedule.model_validate(s) for s in schedules])

    def _release_schedule(self, sub: Subscription, proration_date: int) -> None:
        schedule_id = sub.schedule
        if not schedule_id:
            schedule = self._stored_schedule(sub)
            schedule_id = schedule.id if schedule else None
        if schedule_id:
            released = self.gateway.release_subscription_schedule(
                schedule_id, key=f"release:{schedule_id}:{proration_date}")
            self._keep(released)

    def _change_now(self, change: PlanChange, proration_date: int) -> None:
        sub, new = change.subscription, change.new
        self._release_schedule(sub, proration_date)
        updated = self.gateway.update_subscription(
            sub.id,
            {"items": [{"id": change.item.id, "price": new.id}], "proration_behavior": "always_invoice",
             "proration_date": proration_date, "payment_behavior": "pending_if_incomplete",
             "expand": ["latest_invoice"]},
            key=f"plan-change:{sub.id}:{new.id}:{proration_date}",
        )
        if updated.get("pending_update"):
            invoice = updated.get("latest_invoice")
            if isinstance(invoice, dict):
                save_fetched(self.session, invoice)
                self.session.commit()
            raise CardDeclined("The card was declined, so the plan was not changed.")
        self._keep(updated)

    def _schedule_downgrade(self, change: PlanChange, proration_date: int) -> None:
        sub, item, current, new = change.subscription, change.item, change.current, change.new
        key = f"downgrade:{sub.id}:{new.id}:{proration_date}"
        existing = self._stored_schedule(sub)
        if existing is None:
            existing = SubscriptionSchedule.model_validate(self.gateway.create_subscription_schedule(
                {"from_subscription": sub.id}, key=key + ":create"))
        start = ((existing.current_phase.start_date if existing.current_phase else 0)
                 or (existing.phases[0].start_date if existing.phases else 0)
                 or item.current_period_start or proration_date)
        period_end = item.current_period_end or proration_date
        schedule = self.gateway.update_subscription_schedule(
            existing.id,
            {"end_behavior": "release", "proration_behavior": "none",
             "phases": [
                 {"items": [{"price": current.id, "quantity": item.quantity}], "start_date": start,
                  "end_date": period_end},
                 {"items": [{"price": new.id, "quantity": item.quantity}],
                  "duration": {"interval": new.recurring.interval,
                               "interval_count": new.recurring.interval_count}},
             ]},
            key=key + ":phases",
        )
        self._keep(schedule)

    # -- undoing a scheduled change, paying a failed invoice --

    def keep_current_plan(self) -> schemas.Summary:
        """Undo a scheduled plan switch: release the schedule; the subscription renews as it is."""
        view = self.fresh()
        sub = live_subscription(view.subscriptions)
        pending = shape_summary(view, self.settings.plans, self.now()).pending_change
        if sub is None or pending is None:
            raise NoPendingChange()
        schedule = schedule_for(sub, view.schedules)
        if schedule is not None:
            self._keep(self.gateway.release_subscription_schedule(
                schedule.id, key=f"keep:{schedule.id}:{pending.effective_at}"))
            self._keep(self.gateway.get_subscription(sub.id))
        self.refresh_next_bill()
        self.session.commit()
        self.publish(["summary", "plans"])
        return self._summary_after_write()

    def pay_invoice(self, invoice_id: str) -> schemas.Invoice:
        """Pay an open invoice now with the card on file; the invoice as it is afterwards."""
        invoice = self.own_invoice(invoice_id)
        if invoice.status != "open":
            raise InvoiceNotPayable()
        try:
            paid = self.gateway.pay_invoice(invoice_id, key=f"pay:{invoice_id}:{invoice.attempt_count}")
        except CardDeclined:
            self._refetch_invoice(invoice_id)
            raise
        save_fetched(self.session, paid)
        subscription_id = ((paid.get("parent") or {}).get("subscription_details") or {}).get("subscription")
        if isinstance(subscription_id, dict):
            subscription_id = subscription_id.get("id")
        if subscription_id:
            save_fetched(self.session, self.gateway.get_subscription(subscription_id))
        self.refresh_next_bill()
        self.session.commit()
        self.publish(["summary", "invoices"])
        refunded = duplicates.refunded_by_invoice(self.session, self.customer_id or "")
        return shape_invoice(Invoice.model_validate(paid), refunded.get(invoice_id, 0))

    def _refetch_invoice(self, invoice_id: str) -> None:
        """A declined attempt changed the invoice (attempt count, next try): keep Stripe's copy."""
        try:
            save_fetched(self.session, self.gateway.get_invoice(invoice_id))
            self.session.commit()
        except (StripeRefused, StripeUnavailable):
            self.session.rollback()
