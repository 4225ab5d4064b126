"""GET /v1/events over real HTTP: an owner hears about their own changes only, and streams end with the server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server_bridge.mirror.notices import EventBus
from tests.support.bridges import Bridge, serve_bridge
from tests.support.sign_in import sign_up
from tests.support.waiting import wait_until


def refreshes(lines: Iterator[str]) -> Iterator[list[str]]:
    """Topic lists from an SSE line stream (pings and other fields skipped)."""
    event = None
    for line in lines:
        if line.startswith("event:"):
            event = line.partition(":")[2].strip()
        elif line.startswith("data:") and event == "refresh":
            yield json.loads(line.partition(":")[2])["topics"]
        elif not line:
            event = None


def test_a_publish_reaches_only_its_owner(make_bridge, db_url: str) -> None:  # noqa: ANN001
    bridge = make_bridge(db_url)
    bus: EventBus = bridge.app.state.bus
    mine, theirs = sign_up(bridge, "me@example.test", "cus_me"), sign_up(bridge, "them@example.test", "cus_them")
    with httpx.Client(base_url=bridge.url, timeout=5) as client, \
            client.stream("GET", "/v1/events", headers={"Authorization": f"Bearer {mine}"}) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        wait_until(lambda: bus.subscriber_count("cus_me") == 1)
        assert bridge.app.state.engine.pool.checkedout() == 0  # an open stream holds no database connection
        publisher = threading.Thread(target=lambda: (bus.publish("cus_them", ["invoices"]),
                                                     bus.publish("cus_me", ["summary", "invoices"])))
        publisher.start()
        publisher.join()
        assert next(refreshes(stream.iter_lines())) == ["summary", "invoices"]
    wait_until(lambda: bus.subscriber_count() == 0)
    assert theirs


def test_the_stream_needs_a_live_token(shared_bridge: Bridge) -> None:
    with shared_bridge.client() as client:
        answer = client.get("/v1/events")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"
        answer = client.get("/v1/events", headers={"Authorization": "Bearer bmt_nope"})
        assert answer.status_code == 401


def test_open_streams_end_when_the_server_stops(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    from server_bridge import db

    db.upgrade(url)
    with serve_bridge(url, tmp_path) as bridge:
        token = sign_up(bridge, "me@example.test", "cus_me")
        client = httpx.Client(base_url=bridge.url, timeout=5)
        stream = client.send(client.build_request("GET", "/v1/events",
                                                  headers={"Authorization": f"Bearer {token}"}), stream=True)
        wait_until(lambda: bridge.app.state.bus.subscriber_count("cus_me") == 1)
        port = bridge.url.rsplit(":", 1)[1]
        server_threads = [t for t in threading.enumerate() if t.name == f"uvicorn:{port}"]
    # serve_bridge has stopped the server: the stream ended rather than holding shutdown open.
    assert list(refreshes(stream.iter_lines())) == []
    stream.close()
    client.close()
    assert server_threads and not any(t.is_alive() for t in server_threads)


@pytest.mark.parametrize("topics", [[], ["summary"]])
def test_publishing_without_listeners_is_harmless(topics: list[str]) -> None:
    bus = EventBus()
    bus.publish("cus_none", topics)
    bus.publish(None, topics)
    bus.close()
    assert bus.subscriber_count() == 0


def test_bridges_sharing_postgresql_hear_each_other(make_bridge, pg_url: str) -> None:  # noqa: ANN001
    from server_bridge import db

    db.upgrade(pg_url)
    first, second = make_bridge(pg_url), make_bridge(pg_url)
    token = sign_up(second, "me@example.test", "cus_me")
    with httpx.Client(base_url=second.url, timeout=5) as client, \
            client.stream("GET", "/v1/events", headers={"Authorization": f"Bearer {token}"}) as stream:
        wait_until(lambda: second.app.state.bus.subscriber_count("cus_me") == 1)
        first.app.state.bus.publish("cus_other", ["summary"])
        first.app.state.bus.publish("cus_me", ["invoices"])
        events = refreshes(stream.iter_lines())
        assert next(events) == ["invoices"]
        second.app.state.bus.publish("cus_me", ["summary"])
        first.app.state.bus.publish("cus_me", ["plans"])
        assert next(events) == ["summary"]
        assert next(events) == ["plans"]  # not a second copy of its own notice
