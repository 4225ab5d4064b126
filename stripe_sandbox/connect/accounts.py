"""Connected accounts: controller properties, capabilities, requirements, bank accounts, account links
and login links, and what filling in the hosted onboarding form changes.

Verification follows Stripe's documented test values: the id number 000000000 verifies, 111111111
fails (identity mismatch); bank account 000123456789 (routing 110000000) pays out, 000111111116,
000111111113, 000222222227, 000333333335 and 000444444440 make payouts fail (see payouts.py).
"""

from __future__ import annotations

import copy
import hashlib
import secrets
from typing import Any

from stripe_sandbox import errors
from stripe_sandbox.connect.ledger import Due, Ledger, fast_id, kept, snapshot
from stripe_sandbox.params import as_bool, choice, merge_metadata
from stripe_sandbox.store import diff

#: What an individual in the US fills in before charges and payouts are enabled.
ONBOARDING_FIELDS = [
    "business_profile.mcc", "business_profile.url", "business_type", "external_account",
    "individual.address.city", "individual.address.line1", "individual.address.postal_code",
    "individual.address.state", "individual.dob.day", "individual.dob.month", "individual.dob.year",
    "individual.email", "individual.first_name", "individual.last_name", "individual.phone",
    "individual.ssn_last_4", "tos_acceptance.date", "tos_acceptance.ip",
]
PHOTO_ID = "individual.verification.document"
ID_MISMATCH = "111111111"
LINK_LIFETIME = 300
#: The onboarding form filled with Stripe's test values (what the hosted page offers to fill in).
TEST_VALUES = {"first_name": "Jenny", "last_name": "Rosen", "email": "jenny.rosen@example.com", "phone": "0000000000",
               "dob": "1901-01-01", "line1": "address_full_match", "city": "San Francisco", "state": "CA",
               "postal_code": "94111", "id_number": "000000000", "url": "https://example.com", "mcc": "5734",
               "routing_number": "110000000", "account_number": "000123456789", "holder": "Jenny Rosen",
               "tos": "accept", "document_name": "success.png"}
CAPABILITIES = ("card_payments", "transfers")
#: Legacy account types as controller properties (Stripe's mapping).
TYPES: dict[str, dict[str, Any]] = {
    "express": {"fees": "application_express", "losses": "application", "collection": "stripe",
                "dashboard": "express"},
    "standard": {"fees": "account", "losses": "stripe", "collection": "stripe", "dashboard": "full"},
    "custom": {"fees": "application_custom", "losses": "application", "collection": "application",
               "dashboard": "none"},
}


class Accounts:
    """Connected accounts on the ledger, with the hosted links that change them."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._links: dict[str, dict[str, Any]] = kept(ledger.store, "link_pages", dict)   # token -> link state

    # accounts ------------------------------------------------------------------------------
    def create_account(self, params: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
        with self.ledger.lock:
            controller = self._controller(params)
            account_id = "acct_" + secrets.token_hex(8)
            account = self.ledger.add("account", {
                "type": controller.pop("_type"), "controller": controller,
                "country": params.get("country") or "US",
                "default_currency": (params.get("default_currency") or "usd").lower(),
                "email": params.get("email") or None, "business_type": params.get("business_type") or None,
                "business_profile": _business_profile(params.get("business_profile")),
                "capabilities": {}, "charges_enabled": False, "payouts_enabled": False,
                "details_submitted": False, "metadata": merge_metadata({}, params.get("metadata")),
                "requirements": _requirements(list(ONBOARDING_FIELDS)),
                "future_requirements": _requirements([]),
                "settings": _settings(params.get("settings"), controller),
                "tos_acceptance": {"date": None, "ip": None, "service_agreement": "full", "user_agent": None},
                "external_accounts": {"object": "list", "data": [], "has_more": False, "total_count": 0,
                                      "url": f"/v1/accounts/{account_id}/external_accounts"},
                "individual": None, "company": None, "groups": None,
                "_capabilities": {}, "_next_payout": None,
            }, None, created=created, obj_id=account_id)
            account["_account"] = account_id
            requested = params.get("capabilities") or {}
            if not isinstance(requested, dict):
                raise errors.invalid("capabilities", "Invalid hash: capabilities")
            for name, wanted in requested.items():
                if name not in CAPABILITIES:
                    raise errors.invalid(f"capabilities[{name}]", f"The sandbox does not emulate the {name} capability.")
                if as_bool(wanted if isinstance(wanted, dict) else {}, "requested", False):
                    self._capability(account, name, "inactive", at=account["created"])
            if not account["_capabilities"]:
                for name in CAPABILITIES:
                    self._capability(account, name, "inactive", at=account["created"])
            self.sync_capabilities(account)
            return account

    def _controller(self, params: dict[str, Any]) -> dict[str, Any]:
        """Controller properties from `controller[...]` or a legacy `type`, checked as Stripe checks them."""
        given = params.get("controller")
        legacy = choice(params, "type", ("custom", "express", "standard"))
        if legacy and given:
            raise errors.invalid("controller", "You cannot specify both `type` and `controller`.")
        if legacy:
            shape = TYPES[legacy]
        else:
            given = given if isinstance(given, dict) else {}
            fees = (given.get("fees") or {}).get("payer") or "account"
            losses = (given.get("losses") or {}).get("payments") or "stripe"
            collection = given.get("requirement_collection") or "stripe"
            dashboard = (given.get("stripe_dashboard") or {}).get("type") or "full"
            for param, value, allowed in (("controller[fees][payer]", fees, ("account", "application")),
                                          ("controller[losses][payments]", losses, ("application", "stripe")),
                                          ("controller[requirement_collection]", collection, ("application", "stripe")),
                                          ("controller[stripe_dashboard][type]", dashboard,
                                           ("express", "full", "none"))):
                if value not in allowed:
                    raise errors.invalid(param, f"Invalid {param}: must be one of {', '.join(allowed)}")
            if collection == "application" and dashboard != "none":
                raise errors.invalid("controller[requirement_collection]",
                                     "requirement_collection can be `application` only when stripe_dashboard.type "
                                     "is `none`.")
            if collection == "application" and losses != "application":
                raise errors.invalid("controller[losses][payments]",
                                     "losses.payments must be `application` when requirement_collection is "
                                     "`application`.")
            if dashboard == "full" and (fees != "account" or losses != "stripe"):
                raise errors.invalid("controller[stripe_dashboard][type]",
                                     "Accounts with the full Stripe Dashboard pay their own fees and Stripe is "
                                     "liable for their losses.")
            if fees == "application":
                fees = {"express": "application_express", "none": "application_custom"}.get(dashboard, "application")
            shape = {"fees": fees, "losses": losses, "collection": collection, "dashboard": dashboard}
            legacy = next((name for name, s in TYPES.items() if s == shape), "none")
        return {"type": "application", "is_controller": True, "fees": {"payer": shape["fees"]},
                "losses": {"payments": shape["losses"]}, "requirement_collection": shape["collection"],
                "stripe_dashboard": {"type": shape["dashboard"]}, "_type": legacy}

    def update_account(self, account_id: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.ledger.lock:
            account = self.account(account_id)
            before = snapshot(account)
            for name in ("email", "business_type"):
                if name in params:
                    account[name] = params[name] or None
            if "default_currency" in params:
                account["default_currency"] = str(params["default_currency"]).lower()
            if "metadata" in params:
                account["metadata"] = merge_metadata(account["metadata"], params["metadata"])
            if isinstance(params.get("business_profile"), dict):
                account["business_profile"].update({k: v or None for k, v in params["business_profile"].items()
                                                    if k in ("name", "url", "mcc", "product_description",
                                                             "support_email", "support_phone", "support_url")})
            schedule = ((params.get("settings") or {}).get("payouts") or {}).get("schedule")
            if isinstance(schedule, dict):
                account["settings"]["payouts"]["schedule"] = _schedule(schedule, account["controller"])
                account["_next_payout"] = None
            if isinstance(params.get("tos_acceptance"), dict):
                tos = params["tos_acceptance"]
                account["tos_acceptance"].update(date=int(tos.get("date") or self.ledger.now()),
                                                 ip=tos.get("ip") or None)
            self.changed(account, before)
            return account

    def delete_account(self, account_id: str) -> dict[str, Any]:
        with self.ledger.lock:
            account = self.account(account_id)
            account["deleted"] = True
            return {"id": account_id, "object": "account", "deleted": True}

    def demo_accounts(self) -> dict[str, str]:
        """{owner email: account id} of the seeded demo accounts."""
        with self.ledger.lock:
            return {a["metadata"]["demo_owner"]: a["id"] for a in self.ledger.owned(None, "account")
                    if not a.get("deleted") and a["metadata"].get("demo_owner")}

    def require_photo_id(self, account_id: str, *, deadline: int, emit: bool = True) -> None:
        """Stripe asks for a photo ID by `deadline`: past due, payouts paused until it is uploaded."""
        with self.ledger.lock:
            account = self.account(account_id)
            before = snapshot(account)
            account["requirements"].update(currently_due=[PHOTO_ID], eventually_due=[PHOTO_ID], past_due=[PHOTO_ID],
                                           current_deadline=deadline, disabled_reason="requirements.past_due",
                                           errors=[])
            account["payouts_enabled"] = False
            self.changed(account, before, emit=emit)

    def start_review(self, account_id: str, *, seconds: int) -> None:
        """Stripe reviews the account: nothing is due, charges and payouts are off until the review ends
        `seconds` later on the sandbox clock (then both come back; `account.updated` each time)."""
        with self.ledger.lock:
            account = self.account(account_id)
            before = snapshot(account)
            account["requirements"]["disabled_reason"] = "under_review"
            account["charges_enabled"] = account["payouts_enabled"] = False
            account["_review_ends"] = self.ledger.now() + seconds
            self.changed(account, before)

    def _review_ended(self, account: dict[str, Any]) -> None:
        before = snapshot(account)
        account["_review_ends"] = None
        req = account["requirements"]
        if req["disabled_reason"] == "under_review":
            req["disabled_reason"] = None
            account["charges_enabled"] = not req["past_due"] and not req["errors"]
            account["payouts_enabled"] = account["charges_enabled"] and not req["currently_due"]
        self.changed(account, before)

    def due(self, until: int) -> list[Due]:
        """Reviews that end and deadlines that pass at or before `until`."""
        out: list[Due] = []
        for account in self.ledger.owned(None, "account"):
            review = account.get("_review_ends")
            if review is not None and review <= until:
                out.append((review, 3, lambda a=account: self._review_ended(a)))
            deadline = account["requirements"]["current_deadline"]
            if deadline is not None and deadline <= until and not account.get("deleted"):
                out.append((deadline, 3, lambda a=account: self._deadline_passed(a)))
        return out

    def account_view(self, account_id: str) -> dict[str, Any]:
        """The account as the API answers it."""
        with self.ledger.lock:
            return self.ledger.render(self.account(account_id))

    def _deadline_passed(self, account: dict[str, Any]) -> None:
        """What was due by `current_deadline` is past due: the account can no longer take payments."""
        before = snapshot(account)
        req = account["requirements"]
        req["past_due"] = sorted(set(req["past_due"]) | set(req["currently_due"]))
        req["current_deadline"] = None
        if req["past_due"]:
            req["disabled_reason"] = "requirements.past_due"
            account["charges_enabled"] = False
            account["payouts_enabled"] = False
        self.changed(account, before)

    def dashboard_view(self, account_id: str) -> dict[str, Any]:
        """What the Express Dashboard page shows: the account, its balance, its latest payouts and sales."""
        with self.ledger.lock:
            account = self.account(account_id)
            payouts = self.ledger.owned(account_id, "payout")[-10:]
            charges = self.ledger.owned(account_id, "charge")[-10:]
            return {"account": self.ledger.render(account), "balance": self.ledger.balance(account_id),
                    "payouts": [self.ledger.render(p) for p in reversed(payouts)],
                    "charges": [self.ledger.render(c) for c in reversed(charges)]}

    def has_account(self, account_id: str) -> bool:
        with self.ledger.lock:
            found = self.ledger.get(account_id)
            return found is not None and not found.get("deleted")

    def account(self, account_id: Any, param: str | None = None) -> dict[str, Any]:
        """The stored account (Stripe's 404 for an unknown or deleted one)."""
        found = self.ledger.get(account_id) if isinstance(account_id, str) else None
        if found is None or found["object"] != "account" or found.get("deleted"):
            if not account_id:
                raise errors.missing(param or "id") if param else errors.no_such("account", str(account_id))
            raise errors.no_such("account", str(account_id), param)
        return found

    def accounts_page(self, params: dict[str, Any]) -> Any:
        accounts = [a for a in self.ledger.owned(None, "account") if not a.get("deleted")]
        return self.ledger.window("account", params, "/v1/accounts", items=accounts)

    def changed(self, account: dict[str, Any], before: dict[str, Any], *, emit: bool = True) -> None:
        self.sync_capabilities(account, emit=emit)
        previous = diff(before, account)
        if previous and emit:
            self.ledger.emit("account.updated", account, previous)

    # capabilities --------------------------------------------------------------------------
    def _capability(self, account: dict[str, Any], name: str, status: str, *, at: int) -> None:
        account["_capabilities"][name] = {
            "id": name, "object": "capability", "account": account["id"], "requested": True,
            "requested_at": at, "status": status, "_account": account["id"],
            "requirements": _requirements([]), "future_requirements": _requirements([]),
        }

    def sync_capabilities(self, account: dict[str, Any], *, emit: bool = False) -> None:
        """Card payments follow charges_enabled, transfers payouts_enabled; pending while verifying."""
        req = account["requirements"]
        for name, cap in account["_capabilities"].items():
            before = snapshot(cap)
            enabled = account["charges_enabled"] if name == "card_payments" else account["payouts_enabled"]
            cap["status"] = "active" if enabled else "pending" if req["pending_verification"] else "inactive"
            cap["requirements"] = copy.deepcopy(req)
            if emit and snapshot(cap) != before:
                self.ledger.emit("capability.updated", cap, diff(before, cap))
        account["capabilities"] = {name: cap["status"] for name, cap in account["_capabilities"].items()}

    def capabilities_page(self, account_id: str) -> list[dict[str, Any]]:
        account = self.account(account_id)
        return list(account["_capabilities"].values())

    def capability(self, account_id: str, name: str) -> dict[str, Any]:
        account = self.account(account_id)
        if name not in account["_capabilities"]:
            raise errors.no_such("capability", name)
        return account["_capabilities"][name]

    # links ---------------------------------------------------------------------------------
    def create_account_link(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.ledger.lock:
            account = self.account(params.get("account"), "account")
            kind = choice(params, "type", ("account_onboarding", "account_update"))
            if kind is None:
                raise errors.missing("type")
            if kind == "account_update" and account["controller"]["requirement_collection"] != "application":
                raise errors.invalid("type", "You cannot create `account_update` type Account Links for accounts "
                                     "where the platform is not responsible for collecting requirements.")
            for name in ("refresh_url", "return_url"):
                url = params.get(name)
                if url and not str(url).startswith(("http://", "https://")):
                    raise errors.invalid(name, f"Not a valid URL: {name}")
            token = secrets.token_urlsafe(18)
            now = self.ledger.now()
            self._links[token] = {"kind": "onboarding", "account": account["id"], "expires_at": now + LINK_LIFETIME,
                                  "refresh_url": params.get("refresh_url"), "return_url": params.get("return_url"),
                                  "collect": params.get("collect") or "currently_due", "used": False}
            return {"object": "account_link", "created": now, "expires_at": now + LINK_LIFETIME,
                    "url": f"{self.ledger.base_url}/setup/e/{token}"}

    def create_login_link(self, account_id: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.ledger.lock:
            account = self.account(account_id)
            if account["controller"]["stripe_dashboard"]["type"] != "express":
                raise errors.invalid("account", "Cannot create a login link for an account without access to the "
                                     "Express Dashboard.")
            if not account["details_submitted"]:
                raise errors.invalid("account", "Cannot create a login link for an account that has not completed "
                                     "onboarding.")
            token = secrets.token_urlsafe(18)
            self._links[token] = {"kind": "dashboard", "account": account["id"], "used": False,
                                  "expires_at": self.ledger.now() + LINK_LIFETIME}
            return {"object": "login_link", "created": self.ledger.now(),
                    "url": f"{self.ledger.base_url}/express/{token}"}

    def link_page(self, token: str, kind: str) -> dict[str, Any] | None:
        """The link state behind a hosted page token (None: unknown)."""
        with self.ledger.lock:
            link = self._links.get(token)
            return dict(link) if link and link["kind"] == kind else None

    # onboarding ----------------------------------------------------------------------------
    def onboard_account(self, account_id: str, *, emit: bool = True, **overrides: str) -> dict[str, Any]:
        """Fill in the hosted onboarding form with Stripe's test values (some replaced by `overrides`)."""
        with self.ledger.lock:
            account = self.account(account_id)
            token = secrets.token_urlsafe(18)
            self._links[token] = {"kind": "onboarding", "account": account["id"], "used": False,
                                  "expires_at": self.ledger.now() + LINK_LIFETIME, "refresh_url": None,
                                  "return_url": None, "collect": "currently_due"}
            return self.submit_onboarding(token, {**TEST_VALUES, **overrides}, emit=emit)

    def submit_onboarding(self, token: str, form: dict[str, str], *, emit: bool = True) -> dict[str, Any]:
        """The hosted onboarding form filled in: the account's details, verification, bank account.
        Raises ValueError with a message for the person at the form when something is missing."""
        with self.ledger.lock:
            link = self._links[token]
            account = self.account(link["account"])
            before = snapshot(account)
            due = set(account["requirements"]["currently_due"] + account["requirements"]["past_due"]
                      + [e["requirement"] for e in account["requirements"]["errors"]])
            problems = _check_form(form, due)
            if problems:
                raise ValueError(" ".join(problems))
            now = self.ledger.now()
            if due & {f for f in ONBOARDING_FIELDS if f.startswith("individual.")} or "individual.id_number" in due:
                account["business_type"] = "individual"
                account["individual"] = _individual(account["id"], form, now)
                account["email"] = account["email"] or form["email"]
            if "business_profile.url" in due:
                account["business_profile"].update(url=form["url"], mcc=form.get("mcc") or "5734",
                                                   name=form.get("business_name") or account["business_profile"]["name"])
            if "external_account" in due or form.get("account_number"):
                self._set_bank_account(account, form["routing_number"], form["account_number"], form["holder"])
            if "tos_acceptance.date" in due:
                account["tos_acceptance"].update(date=now, ip="127.0.0.1", user_agent="sandbox onboarding")
            remaining: list[str] = []
            failed: list[dict[str, str]] = []
            if account["individual"] and account["individual"].get("_id_number") == ID_MISMATCH:
                remaining.append("individual.id_number")
                failed.append({"code": "verification_failed_keyed_identity", "requirement": "individual.id_number",
                               "reason": "The identity information you entered cannot be verified. Please correct "
                                         "any errors or upload a document that matches the identity fields (e.g., "
                                         "name and date of birth) that you entered."})
            if PHOTO_ID in due and not form.get("document_name"):
                remaining.append(PHOTO_ID)
            req = account["requirements"]
            req.update(currently_due=remaining, eventually_due=list(remaining), past_due=[], errors=failed,
                       pending_verification=[], current_deadline=None,
                       disabled_reason="requirements.past_due" if remaining else None)
            account["details_submitted"] = True
            account["charges_enabled"] = not remaining or remaining == [PHOTO_ID]
            account["payouts_enabled"] = not remaining
            link["used"] = True
            self.changed(account, before, emit=emit)
            return account

    def _set_bank_account(self, account: dict[str, Any], routing: str, number: str, holder: str) -> dict[str, Any]:
        bank = {"id": fast_id("ba_"), "object": "bank_account", "account": account["id"],
                "account_holder_name": holder or None, "account_holder_type": "individual", "account_type": None,
                "available_payout_methods": ["standard"], "bank_name": "STRIPE TEST BANK", "country": "US",
                "currency": account["default_currency"], "customer": None, "default_for_currency": True,
                "fingerprint": hashlib.sha256(number.encode()).hexdigest()[:16], "last4": number[-4:],
                "metadata": {}, "routing_number": routing, "status": "new", "_number": number,
                "future_requirements": None, "requirements": None}
        account["external_accounts"]["data"] = [bank]
        account["external_accounts"]["total_count"] = 1
        return bank

    def bank_account(self, account: dict[str, Any]) -> dict[str, Any] | None:
        data = account["external_accounts"]["data"]
        return data[0] if data else None


def _requirements(due: list[str]) -> dict[str, Any]:
    return {"alternatives": [], "current_deadline": None, "currently_due": list(due), "disabled_reason": None,
            "errors": [], "eventually_due": list(due), "past_due": [], "pending_verification": []}


def _business_profile(given: Any) -> dict[str, Any]:
    given = given if isinstance(given, dict) else {}
    return {"annual_revenue": None, "estimated_worker_count": None, "mcc": given.get("mcc") or None,
            "minority_owned_business_designation": None, "monthly_estimated_revenue": None,
            "name": given.get("name") or None, "product_description": given.get("product_description") or None,
            "support_address": None, "support_email": given.get("support_email") or None,
            "support_phone": given.get("support_phone") or None, "support_url": given.get("support_url") or None,
            "url": given.get("url") or None}


def _schedule(given: dict[str, Any], controller: dict[str, Any]) -> dict[str, Any]:
    interval = choice(given, "interval", ("daily", "manual", "monthly", "weekly"), "daily")
    delay = given.get("delay_days")
    try:
        delay_days = 2 if delay in (None, "", "minimum") else int(delay)
    except (TypeError, ValueError):
        raise errors.invalid("settings[payouts][schedule][delay_days]", "Invalid integer") from None
    weekly = choice(given, "weekly_anchor", ("friday", "monday", "saturday", "sunday", "thursday", "tuesday",
                                              "wednesday"), "monday" if interval == "weekly" else None)
    monthly = given.get("monthly_anchor")
    return {"delay_days": delay_days, "interval": interval,
            "monthly_anchor": (int(monthly) if monthly else 1) if interval == "monthly" else None,
            "monthly_payout_days": None, "weekly_anchor": weekly if interval == "weekly" else None,
            "weekly_payout_days": None}


def _settings(given: Any, controller: dict[str, Any]) -> dict[str, Any]:
    schedule = (((given or {}).get("payouts") or {}).get("schedule") if isinstance(given, dict) else None) or {}
    return {
        "bacs_debit_payments": None, "card_issuing": None, "invoices": None, "paypay_payments": None,
        "sepa_debit_payments": None, "treasury": None,
        "branding": {"icon": None, "logo": None, "primary_color": None, "secondary_color": None},
        "card_payments": {"decline_on": {"avs_failure": False, "cvc_failure": False},
                          "statement_descriptor_prefix": None, "statement_descriptor_prefix_kana": None,
                          "statement_descriptor_prefix_kanji": None},
        "dashboard": {"display_name": None, "timezone": "Etc/UTC"},
        "payments": {"statement_descriptor": None, "statement_descriptor_kana": None,
                     "statement_descriptor_kanji": None, "statement_descriptor_prefix_kana": None,
                     "statement_descriptor_prefix_kanji": None},
        "payouts": {"debit_negative_balances": True, "schedule": _schedule(schedule, controller),
                    "statement_descriptor": None},
    }


def _check_form(form: dict[str, str], due: set[str]) -> list[str]:
    problems = []
    person = {f for f in due if f.startswith("individual.") and f != PHOTO_ID}
    if person:
        for name, words in (("first_name", "your first name"), ("last_name", "your last name"),
                            ("email", "your email"), ("phone", "your phone number"), ("dob", "your date of birth"),
                            ("line1", "your street address"), ("city", "your city"), ("state", "your state"),
                            ("postal_code", "your ZIP code"), ("id_number", "your Social Security number")):
            if not form.get(name, "").strip():
                problems.append(f"Enter {words}.")
        number = form.get("id_number", "").replace("-", "").strip()
        if number and (not number.isdigit() or len(number) != 9):
            problems.append("A Social Security number has 9 digits.")
        dob = form.get("dob", "")
        if dob and not _valid_date(dob):
            problems.append("Enter your date of birth as YYYY-MM-DD.")
    if "business_profile.url" in due and not form.get("url", "").startswith(("http://", "https://")):
        problems.append("Enter your website's address (https://...).")
    if "external_account" in due:
        routing, number = form.get("routing_number", "").strip(), form.get("account_number", "").strip()
        if len(routing) != 9 or not routing.isdigit():
            problems.append("A routing number has 9 digits.")
        if not 4 <= len(number) <= 17 or not number.isdigit():
            problems.append("Enter your bank account number (4 to 17 digits).")
    if "tos_acceptance.date" in due and form.get("tos") != "accept":
        problems.append("Accept the Stripe Connected Account Agreement to continue.")
    if PHOTO_ID in due and not person and not form.get("document_name"):
        problems.append("Upload a photo ID.")
    return problems


def _valid_date(text: str) -> bool:
    parts = text.split("-")
    return len(parts) == 3 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12 and 1 <= int(parts[2]) <= 31


def _individual(account_id: str, form: dict[str, str], now: int) -> dict[str, Any]:
    year, month, day = (int(p) for p in form["dob"].split("-"))
    number = form["id_number"].replace("-", "").strip()
    return {"id": fast_id("person_"), "object": "person", "account": account_id, "created": now,
            "first_name": form["first_name"].strip(), "last_name": form["last_name"].strip(),
            "email": form["email"].strip(), "phone": form["phone"].strip(),
            "dob": {"day": day, "month": month, "year": year},
            "address": {"city": form["city"].strip(), "country": "US", "line1": form["line1"].strip(),
                        "line2": None, "postal_code": form["postal_code"].strip(), "state": form["state"].strip()},
            "id_number_provided": True, "ssn_last_4_provided": True, "metadata": {},
            "verification": {"status": "unverified" if number == ID_MISMATCH else "verified",
                             "details": None, "details_code": None,
                             "document": {"back": None, "details": None, "details_code": None, "front": None},
                             "additional_document": None},
            "_id_number": number}


__all__ = ["Accounts", "ONBOARDING_FIELDS", "PHOTO_ID", "TEST_VALUES"]
