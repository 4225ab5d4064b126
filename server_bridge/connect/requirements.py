"""A connected account's requirements as a checklist in plain words, and its status in one word.

Stripe names what it needs field by field (`individual.dob.day`, `individual.dob.month`, ...);
an owner needs one item per thing to do ("Add your date of birth"). Rules match a field by prefix;
the first rule that matches names the item. A field no rule knows keeps a readable title of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# (prefix of Stripe's requirement, item code, title), most specific first.
RULES: tuple[tuple[str, str, str], ...] = (
    ("individual.verification.additional_document", "individual.verification.additional_document",
     "Upload a proof of address"),
    ("individual.verification.document", "individual.verification.document", "Upload a photo ID"),
    ("individual.verification.proof_of_liveness", "individual.verification.proof_of_liveness",
     "Take a selfie to confirm your identity"),
    ("company.verification.document", "company.verification.document", "Upload a document about your company"),
    ("representative.verification.document", "representative.verification.document",
     "Upload a photo ID of your company's representative"),
    ("external_account", "external_account", "Add a bank account"),
    ("tos_acceptance", "tos_acceptance", "Accept Stripe's terms of service"),
    ("business_profile.url", "business_profile.url", "Add your website"),
    ("business_profile.product_description", "business_profile.product_description",
     "Describe what you sell"),
    ("business_profile.mcc", "business_profile.mcc", "Say what kind of business you run"),
    ("business_profile.support", "business_profile.support", "Add contact details for your customers"),
    ("business_profile", "business_profile", "Describe your business"),
    ("business_type", "business_type", "Say whether you sell as a person or a company"),
    ("individual.dob", "individual.dob", "Add your date of birth"),
    ("individual.address", "individual.address", "Add your home address"),
    ("individual.ssn_last_4", "individual.id_number", "Add your ID number"),
    ("individual.id_number", "individual.id_number", "Add your ID number"),
    ("individual.first_name", "individual.name", "Add your legal name"),
    ("individual.last_name", "individual.name", "Add your legal name"),
    ("individual.email", "individual.email", "Add your email address"),
    ("individual.phone", "individual.phone", "Add your phone number"),
    ("individual", "individual", "Add your personal details"),
    ("company.tax_id", "company.tax_id", "Add your company's tax ID"),
    ("company.address", "company.address", "Add your company's address"),
    ("company", "company", "Add your company's details"),
    ("representative", "representative", "Add details of your company's representative"),
    ("owners", "owners", "Add your company's owners"),
    ("directors", "directors", "Add your company's directors"),
    ("executives", "executives", "Add your company's executives"),
    ("settings.payments.statement_descriptor", "settings.statement_descriptor",
     "Choose how you appear on your customers' statements"),
)
DUE_ORDER = ("past_due", "currently_due", "eventually_due")


def item_for(requirement: str) -> tuple[str, str]:
    """(item code, plain-word title) for one of Stripe's requirement fields."""
    field = requirement.split(".", 1)[1] if requirement.startswith("person_") else requirement
    for prefix, code, title in RULES:
        if field == prefix or field.startswith(prefix + "."):
            return code, title
    words = field.replace("_", " ").replace(".", " ").strip()
    return requirement, f"Provide {words}" if words else "Provide the information Stripe asks for"


def checklist(requirements: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """One item per thing to do, most urgent first: `{code, title, due, error}`."""
    requirements = requirements or {}
    errors = {e.get("requirement"): e.get("reason") for e in requirements.get("errors") or [] if e.get("requirement")}
    items: dict[str, dict[str, Any]] = {}
    for due in DUE_ORDER:
        for field in requirements.get(due) or []:
            code, title = item_for(str(field))
            item = items.setdefault(code, {"code": code, "title": title, "due": due, "error": None})
            if item["error"] is None and errors.get(field):
                item["error"] = errors[field]
    return sorted(items.values(), key=lambda i: DUE_ORDER.index(i["due"]))


def status_of(account: Mapping[str, Any] | None) -> str:
    """not_started | onboarding | action_required | pending_verification | active | restricted | rejected."""
    if account is None:
        return "not_started"
    requirements = account.get("requirements") or {}
    reason = requirements.get("disabled_reason") or ""
    if reason.startswith("rejected."):
        return "rejected"
    if not account.get("details_submitted"):
        return "onboarding"
    if requirements.get("past_due") or requirements.get("currently_due") or requirements.get("errors"):
        return "action_required"
    if requirements.get("pending_verification") or reason in ("requirements.pending_verification", "under_review"):
        return "pending_verification"
    if account.get("charges_enabled") and account.get("payouts_enabled"):
        return "active"
    return "restricted"


def dashboard_of(account: Mapping[str, Any] | None) -> str:
    """express | full | none: the controller's dashboard, else what the legacy `type` implies."""
    if account is None:
        return "none"
    kind = (((account.get("controller") or {}).get("stripe_dashboard")) or {}).get("type")
    if kind in ("express", "full", "none"):
        return kind
    return {"express": "express", "standard": "full"}.get(str(account.get("type")), "none")
