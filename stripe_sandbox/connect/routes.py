"""The Connect and payments endpoints: which part of `Connect` answers each (method, path under /v1),
and the SDK params class it takes (`routes.py` joins them to its table)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from stripe_sandbox.connect import Connect as C
from stripe_sandbox.connect.ledger import Window

if TYPE_CHECKING:
    from stripe_sandbox.store import Store

_ID = r"([^/]+)"


def _scoped(kind: str) -> Callable[..., Any]:
    return lambda sb, p, obj_id: C(sb).ledger.find(kind, obj_id)


def _capabilities(sb: Store, p: dict[str, Any], account_id: str) -> Window:
    return Window("capability", C(sb).accounts.capabilities_page(account_id), False,
                  f"/v1/accounts/{account_id}/capabilities")


CONNECT_TABLE: list[tuple[str, str, str, Callable[..., Any]]] = [
    ("POST", "accounts", "account_create", lambda sb, p: C(sb).accounts.create_account(p)),
    ("GET", "accounts", "account_list", lambda sb, p: C(sb).accounts.accounts_page(p)),
    ("POST", f"accounts/{_ID}/login_links", "account_login_link_create",
     lambda sb, p, i: C(sb).accounts.create_login_link(i, p)),
    ("GET", f"accounts/{_ID}/capabilities", "account_capability_list", _capabilities),
    ("GET", f"accounts/{_ID}/capabilities/{_ID}", "account_capability_retrieve",
     lambda sb, p, i, name: C(sb).accounts.capability(i, name)),
    ("GET", f"accounts/{_ID}", "account_retrieve", lambda sb, p, i: C(sb).accounts.account(i)),
    ("POST", f"accounts/{_ID}", "account_update", lambda sb, p, i: C(sb).accounts.update_account(i, p)),
    ("DELETE", f"accounts/{_ID}", "account_delete", lambda sb, p, i: C(sb).accounts.delete_account(i)),
    ("POST", "account_links", "account_link_create", lambda sb, p: C(sb).accounts.create_account_link(p)),
    ("GET", "balance", "balance_retrieve", lambda sb, p: C(sb).ledger.balance(sb.account)),
    ("GET", "balance_transactions", "balance_transaction_list",
     lambda sb, p: C(sb).ledger.balance_transactions_page(p)),
    ("GET", f"balance_transactions/{_ID}", "balance_transaction_retrieve", _scoped("balance_transaction")),
    ("POST", "payment_intents", "payment_intent_create", lambda sb, p: C(sb).payments.create_payment_intent(p)),
    ("GET", "payment_intents", "payment_intent_list", lambda sb, p: C(sb).payments.payment_intents_page(p)),
    ("POST", f"payment_intents/{_ID}/confirm", "payment_intent_confirm",
     lambda sb, p, i: C(sb).payments.confirm_payment_intent(i, p)),
    ("GET", f"payment_intents/{_ID}", "payment_intent_retrieve", _scoped("payment_intent")),
    ("POST", "charges", "charge_create", lambda sb, p: C(sb).payments.create_charge(p)),
    ("GET", "charges", "charge_list", lambda sb, p: C(sb).payments.charges_page(p)),
    ("GET", f"charges/{_ID}", "charge_retrieve", _scoped("charge")),
    ("POST", f"charges/{_ID}", "charge_update", lambda sb, p, i: C(sb).payments.update_charge(i, p)),
    ("POST", "refunds", "refund_create", lambda sb, p: C(sb).payments.create_refund(p)),
    ("GET", "refunds", "refund_list", lambda sb, p: C(sb).payments.refunds_page(p)),
    ("GET", f"refunds/{_ID}", "refund_retrieve", _scoped("refund")),
    ("POST", f"refunds/{_ID}", "refund_update", lambda sb, p, i: C(sb).payments.update_refund(i, p)),
    ("GET", "disputes", "dispute_list", lambda sb, p: C(sb).disputes.disputes_page(p)),
    ("POST", f"disputes/{_ID}/close", "dispute_close", lambda sb, p, i: C(sb).disputes.close_dispute(i)),
    ("GET", f"disputes/{_ID}", "dispute_retrieve", _scoped("dispute")),
    ("POST", f"disputes/{_ID}", "dispute_update", lambda sb, p, i: C(sb).disputes.update_dispute(i, p)),
    ("POST", "payouts", "payout_create", lambda sb, p: C(sb).payouts.create_payout(p)),
    ("GET", "payouts", "payout_list", lambda sb, p: C(sb).payouts.payouts_page(p)),
    ("GET", f"payouts/{_ID}", "payout_retrieve", _scoped("payout")),
    ("POST", f"payouts/{_ID}", "payout_update", lambda sb, p, i: C(sb).payouts.update_payout(i, p)),
    ("GET", "application_fees", "application_fee_list", lambda sb, p: C(sb).payments.application_fees_page(p)),
    ("GET", f"application_fees/{_ID}", "application_fee_retrieve", _scoped("application_fee")),
]
