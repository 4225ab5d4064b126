"""Odd text in a path or query answers 400 `invalid_request`, never a 500, on SQLite and PostgreSQL
(which refuses a NUL in any text); invoice PDFs download whatever their number is written in, and the
upstream PDF connection is closed on every path."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest

from server_bridge.mirror import store
from tests.support.databases import postgres_database
from tests.support.stacks import sandbox_stack

ODD = {"nul": "in_a\x00b", "control": "in_a\x1bb", "too long": "in_" + "x" * 253}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp(f"odd-{request.param}")
    if request.param == "sqlite":
        with sandbox_stack(folder) as started:
            yield started
        return
    with postgres_database(migrate=True) as url, sandbox_stack(folder, url) as started:
        yield started


@pytest.fixture
def pro(stack: Any, client_for: Callable[..., httpx.Client]) -> httpx.Client:
    return client_for(stack, "pro@demo.test")


def path_cases() -> list[tuple[str, str, str]]:
    """(method, url template with {} for the odd text, what it is) for every route that looks text up."""
    return [
        ("GET", "/v1/billing/invoices?starting_after={}", "invoice cursor"),
        ("GET", "/v1/billing/invoices/{}/pdf", "invoice id (PDF)"),
        ("POST", "/v1/billing/invoices/{}/pay", "invoice id (pay)"),
        ("GET", "/v1/connect/payouts?starting_after={}", "payout cursor"),
        ("GET", "/v1/connect/payouts/{}", "payout id"),
        ("GET", "/v1/connect/payouts/{}/transactions", "payout id (transactions)"),
        ("GET", "/v1/connect/payouts/po_1/transactions?starting_after={}", "transaction cursor"),
        ("GET", "/v1/connect/sales?starting_after={}", "sale cursor"),
        ("GET", "/v1/connect/sales?q={}", "sales search"),
    ]


@pytest.mark.parametrize("kind", list(ODD))
@pytest.mark.parametrize("method, template, what", path_cases(), ids=[c[2] for c in path_cases()])
def test_odd_text_in_a_path_or_query_is_an_invalid_request(pro: httpx.Client, method: str, template: str,
                                                           what: str, kind: str) -> None:
    value = ODD[kind] if "q=" not in template or kind != "too long" else "x" * 201
    answer = pro.request(method, template.format(quote(value, safe="")))
    assert answer.status_code == 400, f"{what}: {answer.status_code} {answer.text}"
    assert answer.json()["error"]["code"] == "invalid_request"


def test_ordinary_unknown_ids_are_still_not_found(pro: httpx.Client) -> None:
    for url in ("/v1/billing/invoices/in_nope/pdf", "/v1/billing/invoices?starting_after=in_nope",
                "/v1/connect/payouts/po_nope", "/v1/billing/invoices/in_%C3%A9t%C3%A9/pdf"):
        answer = pro.request("GET", url)
        assert answer.status_code == 404, f"{url}: {answer.text}"


# -- invoice PDFs --

def add_invoice(stack: Any, invoice_id: str, number: str, pdf_url: str | None = None) -> None:
    """A copy of one of pro's paid invoices, under another id and number (and PDF address)."""
    customer = stack.demo_owners["pro@demo.test"]
    with stack.app.state.sessions() as session:
        model = next(o for o in store.list_objects(session, "invoice", customer_id=customer) if o.get("invoice_pdf"))
        copy = {**model, "id": invoice_id, "number": number, "invoice_pdf": pdf_url or model["invoice_pdf"]}
        store.upsert_object(session, copy, seen_at=2**40)
        session.commit()


def test_an_invoice_numbered_outside_latin_1_downloads_with_its_name(stack: Any, pro: httpx.Client) -> None:
    add_invoice(stack, "in_odd_cyrillic", "СЧЁТ-0042 ✓")
    answer = pro.get("/v1/billing/invoices/in_odd_cyrillic/pdf")
    assert answer.status_code == 200, answer.text
    assert answer.content.startswith(b"%PDF")
    disposition = answer.headers["content-disposition"]
    fallback = re.search(r'filename="([^"]*)"', disposition)
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert disposition.startswith("attachment;") and fallback and encoded, disposition
    assert unquote(encoded.group(1)) == "invoice-СЧЁТ-0042.pdf"
    assert fallback.group(1).isascii() and fallback.group(1).endswith(".pdf") and "0042" in fallback.group(1)


class Upstream:
    """A PDF server that promises a large file and sends bytes until its reader hangs up (`endless`) or
    breaks off after a few (`breaks`); `closed` is set once the bridge has closed the connection."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/invoice.pdf"
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 1000000000\r\n\r\n"
                         b"%PDF-1.4\n")
            try:
                if self.mode == "breaks":
                    conn.sendall(b"0" * 1000)
                    conn.shutdown(socket.SHUT_WR)
                    while conn.recv(4096):
                        pass
                else:
                    while True:
                        conn.sendall(b"0" * 65536)
            except OSError:
                pass
            self.closed.set()

    def stop(self) -> None:
        self.listener.close()


@pytest.fixture
def upstream() -> Iterator[Callable[[str], Upstream]]:
    made: list[Upstream] = []

    def make(mode: str) -> Upstream:
        made.append(Upstream(mode))
        return made[-1]

    yield make
    for server in made:
        server.stop()


@pytest.mark.parametrize("number", ["0042", "СЧЁТ-0042"])
def test_the_upstream_pdf_is_closed_when_the_owner_hangs_up(stack: Any, pro: httpx.Client, number: str,
                                                            upstream: Callable[[str], Upstream]) -> None:
    server = upstream("endless")
    add_invoice(stack, f"in_odd_endless_{number.isascii()}", number, server.url)
    with pro.stream("GET", f"/v1/billing/invoices/in_odd_endless_{number.isascii()}/pdf") as answer:
        assert answer.status_code == 200
        assert next(answer.iter_bytes()).startswith(b"%PDF")
    pro.close()
    assert server.closed.wait(10), "the bridge kept reading the PDF after the owner hung up"


def test_the_upstream_pdf_is_closed_when_it_breaks_off(stack: Any, pro: httpx.Client,
                                                       upstream: Callable[[str], Upstream]) -> None:
    server = upstream("breaks")
    add_invoice(stack, "in_odd_breaks", "0043", server.url)
    with pytest.raises(httpx.HTTPError):
        with pro.stream("GET", "/v1/billing/invoices/in_odd_breaks/pdf") as answer:
            answer.read()
    assert server.closed.wait(10), "the bridge never closed the PDF connection that broke off"


@pytest.mark.parametrize("bound", ["from", "to"])
def test_a_sales_export_bounded_past_any_date_is_an_invalid_request(pro: httpx.Client, bound: str) -> None:
    """Past a BIGINT the database would fail mid-export, after the 200 went out: a broken download."""
    answer = pro.get("/v1/connect/sales.csv", params={bound: 10**30})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_request"
