"""The PDF relay never passes off part of a PDF as the whole (issue 9 §4).

Before: an upstream that closed early on a body with neither a length nor chunking was relayed as a
complete answer, and the desktop saved a 30 KB file. Now the bridge checks what it got against the
promised Content-Length, or else the PDF's end marker, and aborts the answer so the client sees an
incomplete transfer. Real HTTP: a scripted upstream on a socket, the bridge under uvicorn, httpx.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from server_bridge.mirror import store

WHOLE = b"%PDF-1.7\n" + b"0" * 40_000 + b"\ntrailer\n<<>>\nstartxref\n9\n%%EOF\n"


@pytest.fixture(scope="module")
def stack(module_stack: Any) -> Any:
    return module_stack


class Upstream:
    """Answers every connection with `script` (raw bytes: status line, headers, body), then closes."""

    def __init__(self) -> None:
        self.script = b""
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/invoice.pdf"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(self.script)
                conn.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    server.close()


@pytest.fixture
def invoice_at(stack: Any) -> Callable[[str], str]:
    """An invoice of pro@demo.test in the bridge's store whose PDF lives at `url`; its id."""
    def make(url: str) -> str:
        invoice_id = f"in_relay_{abs(hash(url)) % 10**8}"
        invoice = {"id": invoice_id, "object": "invoice", "customer": stack.demo_owners["pro@demo.test"],
                   "status": "paid", "number": "RELAY-1", "created": 2, "total": 2500, "amount_due": 2500,
                   "amount_paid": 2500, "currency": "usd", "period_start": 1, "period_end": 2,
                   "hosted_invoice_url": None, "invoice_pdf": url, "lines": {"data": []}}
        with stack.app.state.sessions() as session:
            store.upsert_object(session, invoice, seen_at=2)
            session.commit()
        return invoice_id
    return make


def head(extra: str = "") -> bytes:
    return f"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nConnection: close\r\n{extra}\r\n".encode()


def fetch(stack: Any, client_for: Callable[..., httpx.Client], invoice_id: str) -> tuple[int, bytes]:
    client = client_for(stack, "pro@demo.test")
    with client.stream("GET", f"/v1/billing/invoices/{invoice_id}/pdf") as answer:
        return answer.status_code, answer.read()


CUT_SHORT = {
    "no length, no chunking": head() + WHOLE[:30_000],
    "fewer bytes than promised": head(f"Content-Length: {len(WHOLE)}\r\n") + WHOLE[:30_000],
}


@pytest.mark.parametrize("case", list(CUT_SHORT))
def test_a_pdf_cut_short_upstream_is_an_incomplete_transfer(
        stack: Any, client_for: Callable[..., httpx.Client], upstream: Upstream, invoice_at: Callable[[str], str],
        case: str) -> None:
    upstream.script = CUT_SHORT[case]
    invoice_id = invoice_at(upstream.url)
    with pytest.raises(httpx.RemoteProtocolError):
        fetch(stack, client_for, invoice_id)


@pytest.mark.parametrize("extra", ["", f"Content-Length: {len(WHOLE)}\r\n"])
def test_a_whole_pdf_is_relayed_whole(stack: Any, client_for: Callable[..., httpx.Client], upstream: Upstream,
                                      invoice_at: Callable[[str], str], extra: str) -> None:
    upstream.script = head(extra) + WHOLE
    status, body = fetch(stack, client_for, invoice_at(upstream.url))
    assert status == 200 and body == WHOLE
