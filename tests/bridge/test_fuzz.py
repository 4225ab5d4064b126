"""Schemathesis against the contract the bridge serves, signed in as a demo owner, on SQLite and PostgreSQL
(issue 9 §5).

Every operation of the served /openapi.json gets generated requests, valid ones and invalid ones, over
real HTTP to a bridge on the sandbox. Each answer must: not be a 5xx, have a status the operation
documents, have the documented content type, match the documented schema, and, for an error, be the
envelope {"error": {"code", "message"}} and nothing else.

Bounded for CI: EXAMPLES per operation and mode, derandomized. `BRIDGE_FUZZ_LONG=1` runs many more,
with a fresh random seed each run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.support.databases import postgres_database
from tests.support.stacks import sandbox_stack

LONG = os.environ.get("BRIDGE_FUZZ_LONG") == "1"
EXAMPLES = 400 if LONG else 10
OWNER = "pro@demo.test"
pytestmark = pytest.mark.timeout(3600 if LONG else 300)

CONTRACT = json.loads((Path(__file__).parents[2] / "docs" / "openapi.json").read_text())
OPERATIONS = sorted(f"{method.upper()} {path}" for path, methods in CONTRACT["paths"].items() for method in methods)

NOT_FUZZED = {
    # Signs the fuzzer's own token out, so every later case would be a 401; tests/bridge/test_auth.py.
    "POST /v1/auth/logout",
    # A stream that only ends when the client leaves; tests/bridge/test_events.py and test_stream_limits.py.
    "GET /v1/events",
}


@schemathesis.check
def error_envelope(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """An error is always {"error": {"code": <text>, "message": <text>}}, with nothing beside it."""
    if response.status_code < 400:
        return None
    if not response.headers.get("content-type", [""])[0].startswith("application/json"):
        return None   # the browser sign-in's pages answer HTML (content_type_conformance checks it is documented)
    body = json.loads(response.content)
    if case.path == "/v1/auth/token":   # OAuth's own shape (RFC 6749 §5.2), as the route documents
        assert set(body) == {"error", "error_description"}, f"not an OAuth error: {response.text[:200]}"
        assert isinstance(body["error"], str) and isinstance(body["error_description"], str)
        return None
    assert set(body) == {"error"}, f"not the error envelope: {response.text[:200]}"
    error = body["error"]
    assert set(error) == {"code", "message"}, f"not the error envelope: {response.text[:200]}"
    assert isinstance(error["code"], str) and error["code"], f"no code: {response.text[:200]}"
    assert isinstance(error["message"], str) and error["message"], f"no message: {response.text[:200]}"
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          error_envelope]


class Fuzzed:
    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.url = stack.bridge_url
        self.schema = schemathesis.openapi.from_url(f"{self.url}/openapi.json")
        self.schema.config.update(base_url=self.url)
        self.headers = {"Authorization": f"Bearer {self.sign_in()}"}

    def sign_in(self) -> str:
        import httpx

        answer = httpx.post(f"{self.url}/v1/auth/login", timeout=10,
                            json={"email": OWNER, "password": "demo", "device": "fuzzer"})
        assert answer.status_code == 200, answer.text
        return answer.json()["token"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    folder = tmp_path_factory.mktemp("fuzz")
    if request.param == "sqlite":
        with sandbox_stack(folder) as stack:
            yield Fuzzed(stack)
        return
    with postgres_database(migrate=True) as url, sandbox_stack(folder, url) as stack:
        yield Fuzzed(stack)


def takes_input(operation: str) -> bool:
    """A body or a query parameter: something an invalid request can get wrong (a path id is any text)."""
    method, path = operation.split(" ", 1)
    spec = CONTRACT["paths"][path][method.lower()]
    return "requestBody" in spec or any(p["in"] != "path" for p in spec.get("parameters", []))


CASES = [pytest.param(o, GenerationMode.POSITIVE, id=f"{o} valid") for o in OPERATIONS if o not in NOT_FUZZED] + [
    pytest.param(o, GenerationMode.NEGATIVE, id=f"{o} invalid") for o in OPERATIONS
    if o not in NOT_FUZZED and takes_input(o)]


@pytest.mark.parametrize("operation, mode", CASES)
def test_every_answer_is_documented_and_no_server_error(fuzzed: Fuzzed, operation: str,
                                                        mode: GenerationMode) -> None:
    method, path = operation.split(" ", 1)
    api_operation = fuzzed.schema[path][method]

    @hypothesis.given(case=api_operation.as_strategy(generation_mode=mode))
    @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not LONG,
                         suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
    def one(case: schemathesis.Case) -> None:
        headers = {**fuzzed.headers, **(case.headers or {})} if "Authorization" not in (case.headers or {}) \
            else dict(case.headers)
        response = case.call(headers=headers, timeout=15)
        case.validate_response(response, checks=CHECKS, headers=headers)

    one()
