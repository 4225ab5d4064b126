"""Injected faults: 500 and 429 answers the SDK retries, and slow answers that time out."""

from __future__ import annotations

import httpx
import pytest
import stripe

from stripe_sandbox import Sandbox


@pytest.fixture(autouse=True)
def quick_sdk_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's own backoff starts at half a second; a tenth keeps the suite fast."""
    monkeypatch.setattr(stripe.HTTPClient, "INITIAL_DELAY", 0.05)


@pytest.mark.parametrize("kind", ["500", "429"])
def test_faults_are_retried_by_the_sdk(sandbox: Sandbox, retrying_client: stripe.StripeClient, kind: str) -> None:
    before = sandbox.request_count()
    sandbox.inject_fault(kind, count=2)
    customer = retrying_client.v1.customers.create({"email": "retry@example.test"})
    assert sandbox.request_count() - before == 3
    assert [c.id for c in retrying_client.v1.customers.list().data] == [customer.id]


def test_faults_without_retries_reach_the_caller(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    sandbox.inject_fault("500")
    with pytest.raises(stripe.APIError) as server_error:
        client.v1.customers.list()
    assert server_error.value.http_status == 500
    sandbox.inject_fault("429")
    with pytest.raises(stripe.RateLimitError) as rate_limited:
        client.v1.customers.list()
    assert rate_limited.value.http_status == 429
    assert client.v1.customers.list().data == []


@pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")  # the SDK's httpx client
def test_timeout_then_retry_writes_once(sandbox: Sandbox) -> None:
    impatient = stripe.StripeClient(sandbox.api_key, base_addresses={"api": sandbox.base_url},
                                    http_client=stripe.HTTPXClient(timeout=0.2, allow_sync_methods=True), max_network_retries=0)
    sandbox.inject_fault("timeout", delay=0.6)
    with pytest.raises(stripe.APIConnectionError):
        impatient.v1.customers.list()
    patient = stripe.StripeClient(sandbox.api_key, base_addresses={"api": sandbox.base_url},
                                  http_client=stripe.HTTPXClient(timeout=0.2, allow_sync_methods=True), max_network_retries=6)
    sandbox.inject_fault("timeout", delay=0.6)
    customer = patient.v1.customers.create({"email": "slow@example.test"}, {"idempotency_key": "slow-1"})
    assert [c.id for c in patient.v1.customers.list({"email": "slow@example.test"}).data] == [customer.id]


def test_control_api(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    control = httpx.Client(base_url=f"{sandbox.base_url}/_sandbox")
    with control:
        start = control.get("/clock").json()["now"]
        assert control.post("/clock/advance", json={"seconds": 3600}).json()["now"] >= start + 3600
        assert control.post("/clock/advance", json={"seconds": -1}).status_code == 422
        assert control.post("/faults", json={"kind": "500", "count": 2}).json() == {"queued": 2}
        assert control.delete("/faults").status_code == 200
        client.v1.customers.list()
        requests = control.get("/requests").json()
        assert requests["count"] == 1 and requests["recent"][-1]["path"] == "/v1/customers"
        assert control.post("/deliveries/wait").json() == {"idle": True}
        assert control.post("/faults", json={"kind": "teapot"}).status_code == 422
