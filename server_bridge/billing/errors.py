"""Why a billing request cannot be done, as the errors docs/bridge-api.md names."""

from __future__ import annotations

from server_bridge.api.errors import ApiError


class UnknownPlan(ApiError):
    status, code = 400, "unknown_plan"
    default_message = "There is no such plan."


class InvalidFlow(ApiError):
    status, code = 400, "invalid_flow"
    default_message = "There is no such portal flow."


class NoSubscription(ApiError):
    status, code = 409, "no_subscription"
    default_message = "You have no plan yet; choose one first."


class AlreadySubscribed(ApiError):
    status, code = 409, "already_subscribed"
    default_message = "You already have a plan; change it instead."


class SamePlan(ApiError):
    status, code = 409, "same_plan"
    default_message = "You are already on that plan."


class StalePreview(ApiError):
    status, code = 409, "stale_preview"
    default_message = "The price preview is out of date; preview the change again."


class PortalNotConfigured(ApiError):
    status, code = 503, "portal_unavailable"
    default_message = "The billing portal is not set up yet. Please try again later."


class ChangeScheduled(ApiError):
    status, code = 409, "change_scheduled"
    default_message = "That plan change is already scheduled for the end of the period."


class NoPendingChange(ApiError):
    status, code = 409, "no_pending_change"
    default_message = "No plan change is scheduled."


class PlanEnding(ApiError):
    status, code = 409, "plan_ending"
    default_message = ("Your plan is set to end, so there is nothing to downgrade; renew it first if you want "
                       "to keep a plan.")


class InvoiceNotPayable(ApiError):
    status, code = 409, "invoice_not_payable"
    default_message = "That invoice is not waiting for a payment."
