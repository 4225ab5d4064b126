"""Request bodies are bounded per route, over real HTTP: a body over its route's limit is answered 413
`payload_too_large` before it is read (announced too large) or as soon as the bytes read pass the limit
(chunked), so no one can make the bridge hold a body of any size, signed in or not."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from server_bridge import db
from server_bridge.settings import Settings
from tests.support.bridges import Bridge, serve_bridge
from tests.support.waiting import wait_until
from tests.support.webhooks import SECRET, signature
from tests.support.wire import RawConnection

KIB, MIB = 1024, 1024 * 1024
SIGN_IN, WEBHOOK, OTHER = 8 * KIB, 1 * MIB, 16 * KIB
LIMITS = {"/v1/auth/login": SIGN_IN, "/v1/webhooks/stripe": WEBHOOK, "/v1/webhooks/stripe/connect": WEBHOOK,
          "/v1/billing/portal-session": OTHER, "/v1/billing/plan-change": OTHER}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bridge(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bridge]:
    with serve_bridge(module_db_url, tmp_path_factory.mktemp("limits"), webhook_secrets=[SecretStr(SECRET)],
                      sign_in_body_limit=SIGN_IN, webhook_body_limit=WEBHOOK, body_limit=OTHER) as started:
        yield started


def assert_too_large(answer: object) -> None:
    assert answer.status == 413, answer.body
    assert answer.json()["error"]["code"] == "payload_too_large"
    assert answer.json()["error"]["message"]
    assert answer.headers.get("connection") == "close"


@pytest.mark.parametrize("path", list(LIMITS))
def test_a_body_announced_over_the_limit_is_refused_before_it_is_sent(bridge: Bridge, path: str) -> None:
    with RawConnection(bridge.url, timeout=5) as conn:
        conn.send_head("POST", path, {"Content-Type": "application/json", "Content-Length": str(LIMITS[path] + 1),
                                      "Stripe-Signature": signature(b"{}")})
        assert_too_large(conn.read_answer())  # not one byte of the body was sent


@pytest.mark.parametrize("path", list(LIMITS))
def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(bridge: Bridge, path: str) -> None:
    chunk = b" " * (2 * KIB)
    with RawConnection(bridge.url, timeout=5) as conn:
        conn.send_head("POST", path, {"Content-Type": "application/json", "Transfer-Encoding": "chunked",
                                      "Stripe-Signature": signature(b"{}")})
        sent = 0
        while sent <= LIMITS[path] and conn.send_chunk(chunk):
            sent += len(chunk)
        # the body never ends (no last chunk): the answer must come anyway
        assert_too_large(conn.read_answer())


def test_bodies_within_the_limit_are_served(bridge: Bridge) -> None:
    sign_in = json.dumps({"email": "nobody@limits.test", "password": "x", "device": "d"}).encode()
    sign_in += b" " * (SIGN_IN - len(sign_in))
    event = {"id": "evt_limits_big", "object": "event", "created": int(time.time()), "type": "limits.test",
             "livemode": False, "data": {"object": {"id": "x_1", "object": "x", "padding": ""}}}
    event["data"]["object"]["padding"] = "p" * (WEBHOOK - len(json.dumps(event).encode()))
    payload = json.dumps(event).encode()
    assert len(payload) == WEBHOOK
    with bridge.client() as client:
        answer = client.post("/v1/auth/login", content=sign_in, headers={"Content-Type": "application/json"})
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "invalid_credentials"
        chunked = client.post("/v1/auth/login", content=iter([sign_in[:100], sign_in[100:]]),
                              headers={"Content-Type": "application/json"})
        assert chunked.status_code == 401, chunked.text
        hook = client.post("/v1/webhooks/stripe", content=payload,
                           headers={"Content-Type": "application/json", "Stripe-Signature": signature(payload)})
        assert hook.status_code == 200 and hook.json()["status"] == "ignored", hook.text


def test_the_longest_sign_in_the_bridge_accepts_fits_the_limit(bridge: Bridge) -> None:
    """Every field at its longest, in four-byte characters (UTF-8, as httpx sends JSON): never a 413."""
    from server_bridge.api.routes.auth import LoginRequest

    def longest_of(name: str) -> int:
        return next(m.max_length for m in LoginRequest.model_fields[name].metadata if getattr(m, "max_length", None))

    longest = {name: "😀" * longest_of(name) for name in ("email", "password", "device")}
    longest["device_proof"] = "a" * 512   # fields.DeviceProof: letters, digits and . _ ~ - only
    body = json.dumps(longest, ensure_ascii=False).encode()
    assert len(body) <= Settings().sign_in_body_limit == SIGN_IN
    with bridge.client() as client:
        answer = client.post("/v1/auth/login", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code != 413, answer.text


def test_one_byte_over_answers_413_through_an_ordinary_client(bridge: Bridge) -> None:
    with bridge.client() as client:
        answer = client.post("/v1/billing/portal-session", content=b"{" + b" " * OTHER + b"}",
                             headers={"Content-Type": "application/json", "Authorization": "Bearer x"})
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "payload_too_large"


def test_a_content_length_that_lies_is_cut_off_too() -> None:
    """A server or proxy in front may hand on more bytes than Content-Length said: counting the bytes read,
    not trusting the header, still stops at the limit."""
    import asyncio

    from server_bridge.edge.body_limits import BodyLimits

    received: list[int] = []

    async def app(scope, receive, send) -> None:  # noqa: ANN001
        while True:
            message = await receive()
            received.append(len(message.get("body", b"")))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"read it all"})

    messages = iter([{"type": "http.request", "body": b"x" * KIB, "more_body": True}] * 64)
    sent: list[dict] = []

    async def receive() -> dict:
        return next(messages)

    async def send(message: dict) -> None:
        sent.append(message)

    limited = BodyLimits(app, {"/v1/auth/login": SIGN_IN}, default=OTHER)
    scope = {"type": "http", "method": "POST", "path": "/v1/auth/login",
             "headers": [(b"content-length", b"10"), (b"content-type", b"application/json")]}
    asyncio.run(limited(scope, receive, send))
    assert sent[0]["status"] == 413
    assert json.loads(b"".join(m.get("body", b"") for m in sent[1:]))["error"]["code"] == "payload_too_large"
    assert sum(received) <= SIGN_IN


def test_deeply_nested_json_is_an_invalid_request(bridge: Bridge) -> None:
    depth = 1800
    body = b'{"email": "a@b.test", "password": "x", "device": "d", "x": ' + b"[" * depth + b"]" * depth + b"}"
    with bridge.client() as client:
        answer = client.post("/v1/auth/login", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_request"


# -- memory, measured on a bridge of its own (`billing-bridge serve` in a child process) --

def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def bridge_process(tmp_path: Path) -> Iterator[tuple[str, int]]:
    url = f"sqlite:///{tmp_path / 'bridge.db'}"
    db.upgrade(url)
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")},
           "BRIDGE_DATABASE_URL": url, "BRIDGE_STRIPE_SECRET_KEY": "sk_test_limits", "BRIDGE_WEBHOOK_SECRETS": SECRET,
           "BRIDGE_PLANS": '{"pro": "price_pro"}', "BRIDGE_STRIPE_API_BASE": "http://127.0.0.1:9"}
    process = subprocess.Popen([sys.executable, "-m", "server_bridge.cli", "serve", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"

    def serving() -> bool:
        try:
            return httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200
        except httpx.TransportError:
            assert process.poll() is None, process.stderr.read()
            return False

    try:
        wait_until(serving, timeout=30)
        yield base, process.pid
    finally:
        process.terminate()
        process.communicate(timeout=15)


def send_unsigned_webhook(url: str, size: int) -> None:
    """Push `size` bytes at the webhook, chunked, as fast as the bridge takes them, under a signature that
    cannot be checked before the whole body is there."""
    chunk = b" " * MIB
    with RawConnection(url, timeout=30) as conn:
        conn.send_head("POST", "/v1/webhooks/stripe", {"Content-Type": "application/json",
                                                      "Transfer-Encoding": "chunked",
                                                      "Stripe-Signature": f"t={int(time.time())},v1={'0' * 64}"})
        sent = 0
        while sent < size and conn.send_chunk(chunk):
            sent += len(chunk)
        if sent >= size:
            conn.send(b"0\r\n\r\n")
        try:
            conn.read_answer()
        except (ConnectionError, OSError):
            pass


def test_huge_webhooks_leave_the_bridges_memory_flat(bridge_process: tuple[str, int]) -> None:
    url, pid = bridge_process
    send_unsigned_webhook(url, 2 * MIB)  # warm up
    before = rss_mib(pid)
    send_unsigned_webhook(url, 300 * MIB)
    after_one = rss_mib(pid)
    senders = [threading.Thread(target=send_unsigned_webhook, args=(url, 150 * MIB)) for _ in range(6)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    after_six = rss_mib(pid)
    assert after_one - before < 32, (before, after_one)
    assert after_six - before < 48, (before, after_one, after_six)
