"""The bridge client against failures a real bridge does not produce on demand: a closed port,
garbage answers, broken streams. Each must become BridgeUnreachable or BridgeRefused, never a crash."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from desktop_app.services import (BridgeClient, BridgeRefused, BridgeUnreachable, DownloadCancelled, IncompleteDownload,
                                  Invoice, NotSignedIn, UnexpectedResponse)
from desktop_app.services.bridge import filename_from, user_agent
from tests.support import desktop_samples
from tests.support.fake_server import FakeServer, answer, fake_server

PDF = b"%PDF-1.4\n" + b"x" * 50_000 + b"\n%%EOF\n"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with fake_server() as s:
        yield s


@pytest.fixture
def client(server: FakeServer) -> Iterator[BridgeClient]:
    with BridgeClient(server.url, token="tok", timeout=5) as c:
        yield c


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_bridge_down_is_unreachable() -> None:
    port = closed_port()
    with BridgeClient(f"http://127.0.0.1:{port}") as c:
        with pytest.raises(BridgeUnreachable) as err:
            c.summary()
    assert f"Could not reach the billing server at 127.0.0.1:{port}" in str(err.value)
    assert not isinstance(err.value, BridgeRefused)


@pytest.mark.parametrize("url", ["", "not a url", "ftp://example.test"])
def test_a_bad_address_is_unreachable_not_a_crash(url: str) -> None:
    with BridgeClient(url) as c, pytest.raises(BridgeUnreachable):
        c.plans()


def test_requests_carry_token_and_user_agent(server: FakeServer, client: BridgeClient) -> None:
    server.routes["/v1/billing/summary"] = answer(200, desktop_samples.summary())
    assert client.summary().status == "active"
    _, _, headers, _ = server.requests[-1]
    assert headers["Authorization"] == "Bearer tok" and headers["User-Agent"] == user_agent()
    assert user_agent().startswith("BillingManager/")


def test_html_instead_of_json_is_unexpected_response(server: FakeServer, client: BridgeClient) -> None:
    server.routes["/v1/billing/summary"] = answer(200, b"<html>captive portal</html>", content_type="text/html")
    with pytest.raises(UnexpectedResponse) as err:
        client.summary()
    assert err.value.code == "unexpected_response"


def test_error_page_without_envelope(server: FakeServer, client: BridgeClient) -> None:
    server.routes["/v1/billing/plans"] = answer(502, b"<html>Bad gateway</html>", content_type="text/html")
    with pytest.raises(BridgeRefused) as err:
        client.plans()
    assert (err.value.status, err.value.code) == (502, "unexpected_response")
    assert "502" in err.value.message


def test_json_of_the_wrong_shape(server: FakeServer, client: BridgeClient) -> None:
    server.routes["/v1/billing/plans"] = answer(200, {"plans": "starter"})
    server.routes["/v1/billing/invoices"] = answer(200, {"data": [{"id": "in_1"}], "has_more": False})
    server.routes["/v1/billing/portal-session"] = answer(200, {"url": "javascript:alert(1)"})
    with pytest.raises(UnexpectedResponse):
        client.plans()
    with pytest.raises(UnexpectedResponse):
        client.invoices()
    with pytest.raises(UnexpectedResponse):
        client.portal_url()


def test_refusal_keeps_code_and_message(server: FakeServer, client: BridgeClient) -> None:
    server.routes["/v1/billing/plan-change"] = answer(409, {"error": {"code": "stale_preview",
                                                                      "message": "Preview again."}})
    with pytest.raises(BridgeRefused) as err:
        client.change_plan("pro", 1)
    assert (err.value.status, err.value.code, err.value.message) == (409, "stale_preview", "Preview again.")
    assert not isinstance(err.value, NotSignedIn)


@pytest.mark.parametrize("status, code", [(401, "unauthorized"), (401, "token_expired"), (403, "account_disabled"),
                                          (401, "something_new")])
def test_signed_out(server: FakeServer, client: BridgeClient, status: int, code: str) -> None:
    server.routes["/v1/me"] = answer(status, {"error": {"code": code, "message": "Sign in again."}})
    with pytest.raises(NotSignedIn) as err:
        client.me()
    assert err.value.code == code


def test_wrong_password_is_refused_not_signed_out(server: FakeServer) -> None:
    server.routes["/v1/auth/login"] = answer(401, {"error": {"code": "invalid_credentials",
                                                             "message": "Wrong email or password."}})
    with BridgeClient(server.url, token="old") as c:
        with pytest.raises(BridgeRefused) as err:
            c.login("a@b.c", "nope", "laptop")
        assert not isinstance(err.value, NotSignedIn) and err.value.code == "invalid_credentials"
        assert c.token == "old"


def test_too_many_attempts_gives_retry_after(server: FakeServer, client: BridgeClient) -> None:
    server.routes["/v1/auth/login"] = answer(429, {"error": {"code": "too_many_attempts", "message": "Wait."}},
                                             headers={"Retry-After": "42"})
    with pytest.raises(BridgeRefused) as err:
        client.login("a@b.c", "x", "laptop")
    assert err.value.retry_after == 42.0 and err.value.code == "too_many_attempts"


def hang_up(h: BaseHTTPRequestHandler) -> None:
    h.close_connection = True
    h.connection.shutdown(socket.SHUT_RDWR)


def not_http(h: BaseHTTPRequestHandler) -> None:
    h.wfile.write(b"\x00\x01garbage that is not HTTP\r\n\r\n")
    h.close_connection = True


@pytest.mark.parametrize("route", [hang_up, not_http], ids=["hang-up", "not-http"])
def test_broken_connection_is_unreachable(server: FakeServer, client: BridgeClient, route) -> None:
    server.routes["/v1/billing/summary"] = route
    with pytest.raises(BridgeUnreachable):
        client.summary()


def test_timeout_is_unreachable(server: FakeServer) -> None:
    server.routes["/v1/billing/summary"] = lambda h: server.closing.wait(5)
    with BridgeClient(server.url, timeout=0.2) as c, pytest.raises(BridgeUnreachable) as err:
        c.summary()
    assert "timed out" in str(err.value)


# ----- PDF downloads

INVOICE = Invoice.from_json(desktop_samples.invoice(7))


def pdf_route(body: bytes, disposition: str | None = 'attachment; filename="invoice-ABC-0007.pdf"'):
    headers = {"Content-Disposition": disposition} if disposition else {}
    return answer(200, body, content_type="application/pdf", headers=headers)


def test_pdf_download(server: FakeServer, client: BridgeClient, tmp_path: Path) -> None:
    server.routes["/v1/billing/invoices/in_0007/pdf"] = pdf_route(PDF)
    seen: list[tuple[int, int | None]] = []
    path = client.download_invoice_pdf(INVOICE, tmp_path, progress=lambda d, t: seen.append((d, t)))
    assert path == tmp_path / "invoice-ABC-0007.pdf" and path.read_bytes() == PDF
    assert seen[-1] == (len(PDF), len(PDF))


@pytest.mark.parametrize("disposition, expected", [
    ('attachment; filename="../../evil.pdf"', "evil.pdf"),
    ('attachment; filename=".."', "invoice-ABC-0007.pdf"),
    (None, "invoice-ABC-0007.pdf"),
    ("attachment; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf", "Résumé.pdf"),
])
def test_pdf_file_name_is_sanitised(server: FakeServer, client: BridgeClient, tmp_path: Path,
                                    disposition: str | None, expected: str) -> None:
    server.routes["/v1/billing/invoices/in_0007/pdf"] = pdf_route(PDF, disposition)
    folder = tmp_path / "pdfs"
    path = client.download_invoice_pdf(INVOICE, folder)
    assert path.parent == folder and path.name == expected


def test_filename_from_header() -> None:
    assert filename_from('attachment; filename="a/b\\c.pdf"', "f.pdf") == "c.pdf"
    assert filename_from("garbage;;;", "f.pdf") == "f.pdf"


def test_filename_from_header_prefers_the_exact_name() -> None:
    """RFC 6266: `filename*` (UTF-8) is the name; `filename` only stands in for clients that cannot read it."""
    header = "attachment; filename=\"invoice-0042.pdf\"; filename*=UTF-8''invoice-%D0%A1%D0%A7%D0%81%D0%A2-0042.pdf"
    assert filename_from(header, "f.pdf") == "invoice-СЧЁТ-0042.pdf"
    assert filename_from("attachment; filename*=UTF-8''..%2F..%2Fevil.pdf", "f.pdf") == "evil.pdf"
    assert filename_from("attachment; filename*=UTF-8''%FF%FE.pdf; filename=\"a.pdf\"", "f.pdf") in ("a.pdf", "f.pdf")


def test_pdf_missing_is_refused_and_leaves_nothing(server: FakeServer, client: BridgeClient, tmp_path: Path) -> None:
    with pytest.raises(BridgeRefused) as err:
        client.download_invoice_pdf(INVOICE, tmp_path)
    assert err.value.code == "not_found" and list(tmp_path.iterdir()) == []


def test_pdf_stream_breaking_leaves_no_partial_file(server: FakeServer, client: BridgeClient, tmp_path: Path) -> None:
    def half(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/pdf")
        h.send_header("Content-Length", str(len(PDF)))
        h.end_headers()
        h.wfile.write(PDF[:20_000])
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)

    server.routes["/v1/billing/invoices/in_0007/pdf"] = half
    with pytest.raises(IncompleteDownload):
        client.download_invoice_pdf(INVOICE, tmp_path)
    assert list(tmp_path.iterdir()) == []


def cut_short(*, chunked: bool):
    """A PDF without its end: close-delimited (no length, no chunking), or chunked and properly ended:
    transfers that look complete, as an older bridge relayed a PDF its upstream had cut (issue 9 §4)."""
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/pdf")
        h.send_header("Content-Disposition", 'attachment; filename="invoice-ABC-0007.pdf"')
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Connection", "close")
        h.end_headers()
        body = PDF[:30_000]
        h.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if chunked else body)
        h.wfile.flush()
        h.close_connection = True
    return route


@pytest.mark.parametrize("chunked", [False, True])
def test_a_pdf_without_its_end_is_not_kept(server: FakeServer, client: BridgeClient, tmp_path: Path,
                                           chunked: bool) -> None:
    server.routes["/v1/billing/invoices/in_0007/pdf"] = cut_short(chunked=chunked)
    (tmp_path / "invoice-ABC-0007.pdf").write_bytes(b"an older download the owner keeps")
    with pytest.raises(IncompleteDownload) as err:
        client.download_invoice_pdf(INVOICE, tmp_path)
    assert "not saved" in err.value.message
    assert [p.name for p in tmp_path.iterdir()] == ["invoice-ABC-0007.pdf"]   # no part file, nothing overwritten
    assert (tmp_path / "invoice-ABC-0007.pdf").read_bytes() == b"an older download the owner keeps"


def test_a_sales_csv_cut_short_is_not_kept(server: FakeServer, client: BridgeClient, tmp_path: Path) -> None:
    def half(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/csv")
        h.send_header("Content-Length", "5000")
        h.end_headers()
        h.wfile.write(b"id,created\n" * 100)
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)

    server.routes["/v1/connect/sales.csv"] = half
    with pytest.raises(IncompleteDownload):
        client.download_sales_csv(tmp_path / "sales.csv")
    assert list(tmp_path.iterdir()) == []


def test_pdf_cancel(server: FakeServer, client: BridgeClient, tmp_path: Path) -> None:
    server.routes["/v1/billing/invoices/in_0007/pdf"] = pdf_route(PDF)
    with pytest.raises(DownloadCancelled):
        client.download_invoice_pdf(INVOICE, tmp_path, cancelled=lambda: True)
    assert list(tmp_path.iterdir()) == []


# ----- events

def sse_route(*events: bytes, hold: bool = True):
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-store")
        h.end_headers()
        for e in events:
            h.wfile.write(e)
            h.wfile.flush()
        if hold:
            h.server.closing.wait(30)  # type: ignore[attr-defined]
        h.close_connection = True
    return route


def test_events_yield_topics_and_stop_interrupts_a_blocking_read(server: FakeServer, client: BridgeClient) -> None:
    server.routes["/v1/events"] = sse_route(
        b": keep-alive\n\n",
        b'event: refresh\ndata: {"topics": ["summary", "invoices"]}\n\n',
        b"event: other\ndata: {}\n\n",
        b"event: refresh\ndata: not json\n\n",
    )
    stop = threading.Event()
    got: list[list[str]] = []
    failures: list[BaseException] = []

    def listen() -> None:
        try:
            for topics in client.events(stop):
                got.append(topics)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    thread = threading.Thread(target=listen)
    thread.start()
    _wait_for(lambda: len(got) == 2)
    assert thread.is_alive()  # blocked reading: the server sends nothing more
    stop.set()
    thread.join(5)
    assert not thread.is_alive() and failures == []
    assert got == [["summary", "invoices"], ["summary", "plans", "invoices"]]


def test_events_end_when_the_bridge_closes_the_stream(server: FakeServer, client: BridgeClient) -> None:
    server.routes["/v1/events"] = sse_route(b'event: refresh\ndata: {"topics": ["plans"]}\n\n', hold=False)
    assert list(client.events(threading.Event())) == [["plans"]]


def test_events_refused_and_not_a_stream(server: FakeServer, client: BridgeClient) -> None:
    server.routes["/v1/events"] = answer(401, {"error": {"code": "token_expired", "message": "Sign in."}})
    with pytest.raises(NotSignedIn):
        list(client.events(threading.Event()))
    server.routes["/v1/events"] = answer(200, {"hello": 1})
    with pytest.raises(UnexpectedResponse):
        list(client.events(threading.Event()))


def test_events_bridge_down() -> None:
    with BridgeClient(f"http://127.0.0.1:{closed_port()}") as c, pytest.raises(BridgeUnreachable):
        list(c.events(threading.Event()))


def test_events_already_stopped_does_not_connect(server: FakeServer, client: BridgeClient) -> None:
    stop = threading.Event()
    stop.set()
    assert list(client.events(stop)) == []
    assert server.requests == []


def _wait_for(condition, timeout: float = 5.0) -> None:
    import time
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)
