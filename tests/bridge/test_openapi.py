"""The typed contract: /openapi.json is served, docs/openapi.json is what the app says, and both
document the bridge as it answers (400 invalid_request, never FastAPI's 422; the error envelope)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from server_bridge.api.openapi import document, render
from tests.support.bridges import Bridge

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "openapi.json"
NOT_JSON = {("get", "/v1/billing/invoices/{invoice_id}/pdf"), ("get", "/v1/events"), ("post", "/v1/auth/logout"),
            ("get", "/return/portal"), ("get", "/return/checkout/success"), ("get", "/return/checkout/cancel"),
            ("get", "/return/connect"), ("get", "/return/connect/refresh"), ("delete", "/v1/billing/checkout-session"),
            ("get", "/v1/connect/sales.csv"), ("get", "/v1/auth/authorize"), ("post", "/v1/auth/authorize"),
            ("get", "/v1/auth/forgot"), ("post", "/v1/auth/forgot"), ("get", "/v1/auth/reset/{token}"),
            ("post", "/v1/auth/reset/{token}"), ("get", "/v1/auth/oidc/start"), ("get", "/v1/auth/oidc/callback")}
# The browser sign-in: its pages answer HTML (errors too, checked by hand, never a 422), and its token
# endpoint refuses in RFC 6749 \u00a75.2's shape.
HTML_PAGES = {("get", "/v1/auth/authorize"), ("post", "/v1/auth/authorize")}
# The identity pages (forgot password, reset, OpenID Connect): a person meets a page, a malformed request
# the JSON envelope; both are documented where both occur.
IDENTITY_PAGES = {("get", "/v1/auth/forgot"), ("post", "/v1/auth/forgot"), ("get", "/v1/auth/reset/{token}"),
                  ("post", "/v1/auth/reset/{token}"), ("get", "/v1/auth/oidc/start"), ("get", "/v1/auth/oidc/callback")}
OAUTH_ERRORS = {("post", "/v1/auth/token")}


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in schema["paths"].items() for method, op in ops.items()]


def test_the_committed_schema_is_the_apps() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(document()), \
        "docs/openapi.json is out of date: run ./dev openapi and commit it"


def test_the_bridge_serves_its_schema(shared_bridge: Bridge) -> None:
    with shared_bridge.client() as client:
        answer = client.get("/openapi.json")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    assert answer.json() == json.loads(COMMITTED.read_text(encoding="utf-8"))


def test_validation_errors_are_documented_as_the_400_they_are() -> None:
    schema = document()
    assert '"422"' not in json.dumps(schema) and "HTTPValidationError" not in schema["components"]["schemas"]
    for method, path, op in operations(schema):
        if op.get("parameters") or op.get("requestBody"):
            if path in ("/v1/billing/invoices/{invoice_id}/pdf", "/v1/billing/invoices/{invoice_id}/pay"):
                continue  # a path segment that is any string: nothing to validate
            if (method, path) in HTML_PAGES:
                assert "text/html" in op["responses"]["400"]["content"], (method, path)
                continue
            assert "`invalid_request`" in op["responses"]["400"]["description"], (method, path)


def test_every_answer_and_error_has_its_model() -> None:
    schema = document()
    for method, path, op in operations(schema):
        responses = op["responses"]
        if (method, path) not in NOT_JSON:
            ok = responses["200"]["content"]["application/json"]["schema"]
            assert ok.get("$ref", "").startswith("#/components/schemas/"), (method, path)
        for status, response in responses.items():
            if (method, path) in HTML_PAGES and status.startswith(("4", "5")) and status != "default":
                assert set(response["content"]) == {"text/html"}, (method, path, status)
            elif (method, path) in IDENTITY_PAGES and status in ("400", "403", "404", "429"):
                assert "text/html" in response["content"], (method, path, status)
            elif (method, path) in OAUTH_ERRORS and status == "400":
                assert response["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/OAuthErrorBody"}
            elif status == "default" or status.startswith("4") or status.startswith("5"):
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


def test_signed_in_routes_document_signing_out() -> None:
    for method, path, op in operations(document()):
        if path.startswith(("/v1/billing", "/v1/me", "/v1/events")):
            assert "`unauthorized`" in op["responses"]["401"]["description"], (method, path)
            assert "`account_disabled`" in op["responses"]["403"]["description"], (method, path)


def test_the_prose_contract_names_every_documented_error_code() -> None:
    prose = (ROOT / "docs" / "bridge-api.md").read_text(encoding="utf-8")
    codes = {code for _, _, op in operations(document()) for response in op["responses"].values()
             for code in re.findall(r"`([a-z_]+)`", response.get("description", ""))}
    assert codes and {code for code in codes if f"`{code}`" not in prose} == set()


def test_a_documented_answer_is_what_the_bridge_sends(shared_bridge: Bridge) -> None:
    """The schema's required fields of an error and of a validation failure are in the real answer."""
    schema = document()["components"]["schemas"]
    with shared_bridge.client() as client:
        answer = client.post("/v1/auth/login", json={"email": "a@b.test"})
    assert answer.status_code == 400
    assert set(answer.json()) == set(schema["ErrorBody"]["required"])
    assert set(answer.json()["error"]) == set(schema["ErrorDetail"]["required"])
