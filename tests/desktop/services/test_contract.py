"""Every field the desktop reads exists in the bridge's schema (docs/openapi.json) with the same type,
and every bridge call decodes the model the schema says that route answers.

docs/openapi.json is kept equal to the bridge by tests/bridge/test_openapi.py; the desktop is
checked against that file, so it still imports nothing from server_bridge.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec.inspect as mi
import pytest

from desktop_app.services import answers, earnings

SCHEMA = json.loads((Path(__file__).resolve().parents[3] / "docs" / "openapi.json").read_text(encoding="utf-8"))
COMPONENTS = SCHEMA["components"]["schemas"]
REF = "#/components/schemas/"

# The desktop's name for each answer -> the bridge schema's name for it.
NAMES = {answers.Plan: "Plan", answers.PlanOffer: "PlanOffer", answers.Card: "Card", answers.NextInvoice: "NextInvoice",
         answers.PendingChange: "PendingChange", answers.Summary: "Summary", answers.Invoice: "Invoice",
         answers.InvoicePage: "InvoicePage", answers.Plans: "Plans", answers.PreviewLine: "PreviewLine",
         answers.PlanChangePreview: "PlanChangePreview", answers.OwnerEmail: "OwnerEmail", answers.SignIn: "SignedIn",
         answers.Me: "Me", answers.HostedPage: "HostedPage", answers.PaymentDue: "PaymentDue",
         answers.Credit: "Credit",
         # Earnings (Connect): the desktop's names where they differ from the bridge's
         earnings.Requirement: "Requirement", earnings.PayoutSchedule: "PayoutSchedule",
         earnings.SalesImport: "SalesImport", earnings.ConnectAccount: "Account", earnings.CurrencyBalance: "Balance",
         earnings.Balance: "Balances", earnings.Payout: "Payout", earnings.BreakdownLine: "BreakdownLine",
         earnings.PayoutDetail: "PayoutDetail", earnings.Transaction: "Transaction", earnings.SaleDispute: "Dispute",
         earnings.Sale: "Sale", earnings.SeriesPoint: "SeriesPoint", earnings.CurrencySeries: "CurrencySeries",
         earnings.SalesSeries: "SalesSeries"}

# What BridgeClient decodes from each route's 200 answer.
ROUTES = {("post", "/v1/auth/login"): answers.SignIn, ("post", "/v1/auth/token"): answers.SignIn,
          ("get", "/v1/me"): answers.Me,
          ("get", "/v1/billing/summary"): answers.Summary, ("get", "/v1/billing/plans"): answers.Plans,
          ("get", "/v1/billing/invoices"): answers.InvoicePage,
          ("post", "/v1/billing/portal-session"): answers.HostedPage,
          ("post", "/v1/billing/checkout-session"): answers.HostedPage,
          ("post", "/v1/billing/plan-change/preview"): answers.PlanChangePreview,
          ("post", "/v1/billing/plan-change"): answers.Summary,
          ("delete", "/v1/billing/pending-change"): answers.Summary,
          ("post", "/v1/billing/invoices/{invoice_id}/pay"): answers.Invoice}


def desktop_type(info: mi.Type) -> Any:
    """A msgspec type as a comparable value in JSON-schema terms."""
    if isinstance(info, mi.IntType):
        return "integer"
    if isinstance(info, mi.StrType):
        return "string"
    if isinstance(info, mi.BoolType):
        return "boolean"
    if isinstance(info, mi.FloatType):
        return "number"
    if isinstance(info, mi.LiteralType):
        return ("enum", frozenset(info.values))
    if isinstance(info, (mi.ListType, mi.VarTupleType)):
        return ("array", desktop_type(info.item_type))
    if isinstance(info, mi.StructType):
        return ("ref", NAMES[info.cls])
    if isinstance(info, mi.UnionType):
        kinds = [t for t in info.types if not isinstance(t, mi.NoneType)]
        assert len(kinds) == 1 and len(info.types) == 2, info
        return ("nullable", desktop_type(kinds[0]))
    raise AssertionError(f"no JSON-schema equivalent for {info}")


def schema_type(schema: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return ("ref", schema["$ref"].removeprefix(REF))
    if "anyOf" in schema:
        kinds = [s for s in schema["anyOf"] if s.get("type") != "null"]
        assert len(kinds) == 1 and len(schema["anyOf"]) == 2, schema
        return ("nullable", schema_type(kinds[0]))
    if "enum" in schema:
        return ("enum", frozenset(schema["enum"]))
    if schema["type"] == "array":
        return ("array", schema_type(schema["items"]))
    return schema["type"]


def accepts(desktop: Any, schema: Any) -> bool:
    """Whether a field the desktop decodes as `desktop` takes every value the schema allows: the same
    type, or a wider one (text for one of a few words, null allowed where the bridge never sends it)."""
    if desktop == schema:
        return True
    if isinstance(desktop, tuple) and desktop[0] == "nullable":
        inner = schema[1] if isinstance(schema, tuple) and schema[0] == "nullable" else schema
        return accepts(desktop[1], inner)
    if desktop == "string" and isinstance(schema, tuple) and schema[0] == "enum":
        return all(isinstance(value, str) for value in schema[1])
    if isinstance(desktop, tuple) and isinstance(schema, tuple) and desktop[0] == schema[0] == "array":
        return accepts(desktop[1], schema[1])
    return False


@pytest.mark.parametrize("desktop, schema, expected", [
    ("string", ("enum", frozenset({"paid", "failed"})), True),
    (("nullable", "string"), "string", True),
    ("string", ("nullable", "string"), False),       # the bridge may send null: the desktop must take it
    ("integer", "string", False),
    (("enum", frozenset({"paid"})), ("enum", frozenset({"paid", "failed"})), False),
])
def test_the_type_check_can_fail(desktop: Any, schema: Any, expected: bool) -> None:
    assert accepts(desktop, schema) is expected


@pytest.mark.parametrize("model", list(NAMES), ids=lambda m: m.__name__)
def test_every_field_the_desktop_reads_is_in_the_schema_with_its_type(model: type) -> None:
    component = COMPONENTS[NAMES[model]]
    for field in mi.type_info(model).fields:
        assert field.encode_name in component["properties"], f"{model.__name__}.{field.name} is not in the schema"
        assert accepts(desktop_type(field.type), schema_type(component["properties"][field.encode_name])), \
            f"{model.__name__}.{field.name} cannot take every value the bridge's schema allows"


@pytest.mark.parametrize("route", list(ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_each_call_decodes_what_the_route_answers(route: tuple[str, str]) -> None:
    method, path = route
    answer = SCHEMA["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": REF + NAMES[ROUTES[route]]}


def test_sign_in_carries_the_device_proof_both_ways() -> None:
    """The desktop sends the proof it kept and keeps the one it is given (see ui/session.py)."""
    body = SCHEMA["paths"]["/v1/auth/login"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    request = COMPONENTS[body["$ref"].removeprefix(REF)]
    assert {"email", "password", "device", "device_proof"} <= set(request["properties"])
    assert "device_proof" not in request.get("required", [])
    assert "device_proof" in COMPONENTS["SignedIn"]["required"]
    assert "device_proof" in {f.encode_name for f in mi.type_info(answers.SignIn).fields}


def test_the_token_request_and_its_refusals_are_what_the_desktop_sends_and_reads() -> None:
    """BridgeClient.redeem_code posts these form fields and reads RFC 6749 \u00a75.2's error and description."""
    route = SCHEMA["paths"]["/v1/auth/token"]["post"]
    form = route["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    fields = COMPONENTS[form["$ref"].removeprefix(REF)]["properties"]
    assert {"grant_type", "code", "code_verifier", "redirect_uri", "client_id", "device"} <= set(fields)
    refusal = route["responses"]["400"]["content"]["application/json"]["schema"]
    body = COMPONENTS[refusal["$ref"].removeprefix(REF)]
    assert body["properties"]["error"]["enum"] and body["properties"]["error_description"]["type"] == "string"
    assert set(body["required"]) == {"error", "error_description"}


def every_documented_code() -> set[str]:
    """Every error code the bridge's routes document (`code` in their error descriptions)."""
    return {code for path, operations in SCHEMA["paths"].items() for method in operations
            for code in documented_codes(method, path)}


def test_the_codes_the_desktop_words_are_the_ones_the_bridge_answers() -> None:
    """A code renamed on the bridge would silently lose the desktop's own words for it."""
    from desktop_app.services.error_words import REFUSED_WORDS

    codes = every_documented_code()
    assert {"payload_too_large", "too_many_attempts", "invalid_request"} <= codes
    assert set(REFUSED_WORDS) - codes == set()


def documented_codes(method: str, path: str) -> set[str]:
    """The error codes a route's responses name (errors.documented writes "`code`: message; ...")."""
    import re

    responses = SCHEMA["paths"][path][method]["responses"]
    return {code for status, answer in responses.items() if status != "200"
            for code in re.findall(r"`([a-z_]+)`", answer.get("description", ""))}


def test_the_codes_the_desktop_acts_on_are_the_ones_the_bridge_answers() -> None:
    """Sign-out codes end the session; stripe_timeout is what lets the desktop say "nothing was changed";
    too_many_streams is what the event listener backs off from."""
    from desktop_app.services.bridge import SIGNED_OUT_CODES

    for code in SIGNED_OUT_CODES:
        assert code in documented_codes("get", "/v1/me"), code
    signed_in_routes = [(m, p) for p, methods in SCHEMA["paths"].items() for m in methods
                        if "unauthorized" in documented_codes(m, p)]
    for method, path in signed_in_routes:
        assert SIGNED_OUT_CODES <= documented_codes(method, path), (method, path)
        if "stripe_unavailable" in documented_codes(method, path):
            assert "stripe_timeout" in documented_codes(method, path), (method, path)
    assert "too_many_streams" in documented_codes("get", "/v1/events")
