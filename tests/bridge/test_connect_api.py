"""/v1/connect over HTTP on a stored account (SQLite and PostgreSQL): what each route answers, paging,
search, the series and the CSV; another owner's ids answer 404 exactly like missing ones; bad input 400."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from server_bridge.auth import owners
from server_bridge.connect import records
from server_bridge.mirror.webhooks import process_event
from tests.support import connect_samples as s
from tests.support.bridges import Bridge

JAN_2026 = 1767225600
SELLER, OTHER = "acct_seller", "acct_other"


def sign_in(bridge: Bridge, email: str) -> httpx.Client:
    client = bridge.client()
    token = client.post("/v1/auth/login", json={"email": email, "password": "pw", "device": "t"}).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.fixture(scope="module")
def world(shared_bridge: Bridge) -> dict[str, Any]:
    """Two sellers with stored accounts and sales, and an owner who has not started selling."""
    sales = [s.charge(amount=1000 + 100 * i, created=JAN_2026 + i * 5 * s.DAY, email=f"buyer{i}@example.com",
                      description=f"Order #{i}") for i in range(40)]
    sales.append(s.charge(amount=3000, created=JAN_2026 + 3 * s.DAY, currency="eur", email="Zoe@Example.com",
                          description="Poster", refunded=3000))
    sales.append(s.charge(amount=500, created=JAN_2026 + 4 * s.DAY, status="failed", description="declined"))
    disputed = sales[3]
    disputed["disputed"] = True
    payout_txns = [c["balance_transaction"] for c in sales[:4]]
    payout = s.payout(amount=sum(t["net"] for t in payout_txns), created=JAN_2026 + 30 * s.DAY)
    pending = s.payout(amount=1234, created=JAN_2026 + 31 * s.DAY, status="in_transit", reconciliation="in_progress")
    other_sale = s.charge(amount=999, created=JAN_2026, description="theirs")
    other_payout = s.payout(amount=500, created=JAN_2026)
    with shared_bridge.sessions() as session:
        for email, account_id in (("seller@example.com", SELLER), ("other@example.com", OTHER),
                                  ("newbie@example.com", None)):
            owners.add_owner(session, email, "pw", account_id=account_id)
        records.save_account(session, s.account(SELLER), JAN_2026)
        records.save_account(session, s.account(OTHER), JAN_2026)
        records.save_charges(session, SELLER, sales, JAN_2026)
        records.save_disputes(session, SELLER, [s.dispute(disputed)], JAN_2026)
        records.save_payouts(session, SELLER, [payout, pending], JAN_2026)
        records.save_transactions(session, SELLER, payout_txns, JAN_2026, payout_id=payout["id"])
        records.mark_linked(session, SELLER, payout["id"])
        records.save_balance(session, SELLER, {"available": [{"amount": 5000, "currency": "usd"}],
                                               "pending": [{"amount": 700, "currency": "usd"}]}, JAN_2026)
        records.save_charges(session, OTHER, [other_sale], JAN_2026)
        records.save_payouts(session, OTHER, [other_payout], JAN_2026)
        session.commit()
    return {"sales": sales, "payout": payout, "pending": pending, "other_sale": other_sale,
            "other_payout": other_payout}


@pytest.fixture(scope="module")
def seller(shared_bridge: Bridge, world: dict) -> Iterator[httpx.Client]:
    client = sign_in(shared_bridge, "seller@example.com")
    yield client
    client.close()


@pytest.fixture(scope="module")
def newbie(shared_bridge: Bridge, world: dict) -> Iterator[httpx.Client]:
    client = sign_in(shared_bridge, "newbie@example.com")
    yield client
    client.close()


def test_account_in_plain_words(seller: httpx.Client) -> None:
    body = seller.get("/v1/connect/account").json()
    assert body["status"] == "active" and body["dashboard"] == "express" and body["as_of"] == JAN_2026
    assert body["payout_schedule"] == {"interval": "daily", "delay_days": 2, "weekly_anchor": None,
                                       "monthly_anchor": None}
    assert body["sales_import"]["state"] == "not_started"


def test_an_owner_without_an_account_has_not_started(newbie: httpx.Client) -> None:
    assert newbie.get("/v1/connect/account").json()["status"] == "not_started"
    assert newbie.get("/v1/connect/balance").json() == {"balances": [], "as_of": None}
    assert newbie.get("/v1/connect/sales").json() == {"data": [], "has_more": False}
    assert newbie.get("/v1/connect/sales.csv").text.strip() == (
        "id,created,currency,gross,refunded,stripe_fee,platform_fee,net,status,description,customer_email,"
        "dispute_status")
    answer = newbie.post("/v1/connect/dashboard-link")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_account"


def test_balance_with_money_on_the_way(seller: httpx.Client, world: dict) -> None:
    assert seller.get("/v1/connect/balance").json()["balances"] == [
        {"currency": "usd", "available": 5000, "pending": 700, "in_transit": world["pending"]["amount"]}]


def test_payouts_newest_first_filtered_and_paged(seller: httpx.Client, world: dict) -> None:
    page = seller.get("/v1/connect/payouts", params={"limit": 1}).json()
    assert [p["id"] for p in page["data"]] == [world["pending"]["id"]] and page["has_more"]
    rest = seller.get("/v1/connect/payouts", params={"starting_after": world["pending"]["id"]}).json()
    assert [p["id"] for p in rest["data"]] == [world["payout"]["id"]] and not rest["has_more"]
    paid = seller.get("/v1/connect/payouts", params={"status": "paid"}).json()["data"]
    assert [p["status"] for p in paid] == ["paid"]


def test_a_payouts_breakdown_adds_up_to_its_amount(seller: httpx.Client, world: dict) -> None:
    body = seller.get(f"/v1/connect/payouts/{world['payout']['id']}").json()
    assert sum(line["amount"] for line in body["breakdown"]) == body["payout"]["amount"] == world["payout"]["amount"]
    assert body["breakdown"][0] == {"category": "sales", "amount": sum(c["amount"] for c in world["sales"][:4]),
                                    "count": 4}
    txns = seller.get(f"/v1/connect/payouts/{world['payout']['id']}/transactions", params={"limit": 3}).json()
    assert len(txns["data"]) == 3 and txns["has_more"] and txns["data"][0]["category"] == "sales"
    in_transit = seller.get(f"/v1/connect/payouts/{world['pending']['id']}").json()
    assert in_transit["breakdown"] == [{"category": "unexplained", "amount": 1234, "count": 0}]


def test_sales_newest_first_with_fees_and_net(seller: httpx.Client, world: dict) -> None:
    page = seller.get("/v1/connect/sales", params={"limit": 5}).json()
    newest = world["sales"][39]
    first = page["data"][0]
    assert first["id"] == newest["id"] and page["has_more"]
    assert first["net"] == first["gross"] - first["stripe_fee"] - first["platform_fee"]
    ids: list[str] = []
    after = None
    while True:
        chunk = seller.get("/v1/connect/sales", params={"limit": 100 if after else 7,
                                                        **({"starting_after": after} if after else {})}).json()
        ids += [sale["id"] for sale in chunk["data"]]
        if not chunk["has_more"]:
            break
        after = ids[-1]
    assert len(ids) == len(set(ids)) == 41    # the failed charge is not a sale


@pytest.mark.parametrize("params, expected", [
    ({"q": "zoe@EXAMPLE"}, ["Poster"]), ({"q": "order #3"}, ["Order #39", "Order #38", "Order #37", "Order #36",
                                                             "Order #35", "Order #34", "Order #33", "Order #32",
                                                             "Order #31", "Order #30", "Order #3"]),
    ({"q": "$14.00"}, ["Order #4"]), ({"q": "$30"}, ["Order #20", "Poster"]), ({"q": "100%"}, []),
    ({"status": "refunded"}, ["Poster"]), ({"status": "disputed"}, ["Order #3"]),
    ({"created_gte": JAN_2026 + 190 * s.DAY, "created_lt": JAN_2026 + 200 * s.DAY}, ["Order #39", "Order #38"]),
])
def test_sales_search_and_filters(seller: httpx.Client, params: dict, expected: list[str]) -> None:
    answer = seller.get("/v1/connect/sales", params={"limit": 100, **params})
    assert [sale["description"] for sale in answer.json()["data"]] == expected


def test_a_disputed_sale_shows_its_dispute(seller: httpx.Client) -> None:
    [sale] = seller.get("/v1/connect/sales", params={"status": "disputed"}).json()["data"]
    assert sale["dispute"]["status"] == "needs_response" and sale["dispute"]["evidence_due_by"]


def test_monthly_series_per_currency_summed_like_the_sales(seller: httpx.Client, world: dict) -> None:
    body = seller.get("/v1/connect/sales/series", params={"from": JAN_2026, "to": JAN_2026 + 365 * s.DAY}).json()
    assert [x["currency"] for x in body["series"]] == ["eur", "usd"]
    usd = body["series"][1]["points"]
    assert len(usd) == 12 and usd[0]["start"] == JAN_2026
    sales = [c for c in world["sales"] if c["currency"] == "usd" and c["status"] == "succeeded"]
    assert sum(p["count"] for p in usd) == len(sales)
    assert sum(p["gross"] for p in usd) == sum(c["amount"] for c in sales)
    january = [c for c in sales if c["created"] < JAN_2026 + 31 * s.DAY]
    fees = sum(c["balance_transaction"]["fee"] for c in january)
    assert usd[0] == {"start": JAN_2026, "count": len(january), "gross": sum(c["amount"] for c in january),
                      "fees": fees, "net": sum(c["amount"] for c in january) - fees}
    eur = body["series"][0]["points"]
    assert eur[0]["gross"] == 3000 and eur[0]["net"] == 3000 - 3000 - eur[0]["fees"]
    weekly = seller.get("/v1/connect/sales/series", params={"from": JAN_2026, "to": JAN_2026 + 28 * s.DAY,
                                                            "bucket": "week"}).json()
    assert len(weekly["series"][1]["points"]) == 5


def test_the_csv_lists_every_sale_with_decimal_amounts(seller: httpx.Client, world: dict) -> None:
    answer = seller.get("/v1/connect/sales.csv")
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="sales.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == 41
    poster = next(r for r in rows if r["description"] == "Poster")
    assert (poster["currency"], poster["gross"], poster["refunded"], poster["status"]) == ("eur", "30.00", "30.00",
                                                                                          "refunded")
    disputed = next(r for r in rows if r["description"] == "Order #3")
    assert (disputed["status"], disputed["dispute_status"]) == ("disputed", "needs_response")
    sale = world["sales"][0]
    first = next(r for r in rows if r["id"] == sale["id"])
    fee = sale["balance_transaction"]["fee"]
    assert (first["created"], first["gross"], first["net"]) == ("2026-01-01T00:00:00Z", "10.00", f"{(1000 - fee) / 100:.2f}")
    ranged = seller.get("/v1/connect/sales.csv", params={"from": JAN_2026, "to": JAN_2026 + 10 * s.DAY}).text
    assert len(list(csv.DictReader(io.StringIO(ranged)))) == 3


@pytest.mark.parametrize("path", ["/v1/connect/payouts/{payout}", "/v1/connect/payouts/{payout}/transactions",
                                  "/v1/connect/payouts?starting_after={payout}",
                                  "/v1/connect/sales?starting_after={sale}"])
def test_another_owners_ids_answer_404_like_missing_ones(seller: httpx.Client, world: dict, path: str) -> None:
    theirs = seller.get(path.format(payout=world["other_payout"]["id"], sale=world["other_sale"]["id"]))
    missing = seller.get(path.format(payout="po_missing", sale="ch_missing"))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path, params", [
    ("/v1/connect/sales", {"status": "pending"}), ("/v1/connect/sales", {"limit": 0}),
    ("/v1/connect/sales", {"q": "x" * 201}), ("/v1/connect/payouts", {"status": "lost"}),
    ("/v1/connect/sales/series", {"from": 10, "to": 5}), ("/v1/connect/sales/series", {"from": 0}),
    ("/v1/connect/sales/series", {"from": 0, "to": 10**9, "bucket": "day"}),
    ("/v1/connect/sales/series", {"from": 0, "to": 10, "bucket": "year"}),
])
def test_bad_parameters_are_a_400(seller: httpx.Client, path: str, params: dict) -> None:
    answer = seller.get(path, params=params)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("method, path", [("GET", "/v1/connect/account"), ("POST", "/v1/connect/onboarding-link"),
                                          ("GET", "/v1/connect/sales"), ("GET", "/v1/connect/sales.csv")])
def test_connect_needs_a_signed_in_owner(shared_bridge: Bridge, method: str, path: str) -> None:
    with shared_bridge.client() as anonymous:
        answer = anonymous.request(method, path)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"


def test_a_webhook_refreshes_the_owners_desktops(shared_bridge: Bridge, world: dict) -> None:
    sale = s.charge(amount=4321, created=JAN_2026 + 400 * s.DAY, description="live one")
    event = s.event("charge.succeeded", sale, account_id=SELLER, created=JAN_2026 + 400 * s.DAY)
    outcome = process_event(shared_bridge.sessions, event, json.dumps(event))
    assert outcome.topics == ("earnings",)
