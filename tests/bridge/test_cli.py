"""`billing-bridge` as an operator uses it: owners, migrations, refusing to serve without secrets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from server_bridge import db
from server_bridge.auth import owners
from server_bridge.cli import main, write_json_atomic
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> str:
    for name in list(os.environ):
        if name.startswith("BRIDGE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BRIDGE_DATABASE_URL", db_url)
    return db_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def password_works(url: str, email: str, password: str) -> bool:
    engine = db.make_engine(url)
    try:
        with db.make_sessions(engine)() as session:
            owner = owners.find_owner(session, email)
            return owner is not None and owners.verify_password(owner.password_hash, password)
    finally:
        engine.dispose()


def test_users_add_list_disable_reset(env: str, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(capsys, "users", "add", "Owner@Example.test", "--customer", "cus_123", "--password", "s3cret")[0] == 0
    monkeypatch.setenv("BRIDGE_NEW_PASSWORD", "from-env")
    assert run(capsys, "users", "add", "second@example.test", "--customer", "cus_456")[0] == 0
    code, out, _ = run(capsys, "users", "list")
    assert code == 0
    assert out.splitlines() == ["owner@example.test\tcus_123\t-\tactive", "second@example.test\tcus_456\t-\tactive"]
    assert password_works(env, "owner@example.test", "s3cret")
    assert password_works(env, "second@example.test", "from-env")

    assert run(capsys, "users", "disable", "owner@example.test")[0] == 0
    assert "owner@example.test\tcus_123\t-\tdisabled" in run(capsys, "users", "list")[1]

    monkeypatch.delenv("BRIDGE_NEW_PASSWORD")
    answers = iter(["n3w", "n3w"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run(capsys, "users", "reset-password", "second@example.test")[0] == 0
    assert password_works(env, "second@example.test", "n3w")
    assert not password_works(env, "second@example.test", "from-env")


def test_users_link_a_connected_account(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "users", "add", "seller@example.test", "--customer", "cus_1", "--account", "acct_1",
               "--password", "x")[0] == 0
    assert run(capsys, "users", "add", "later@example.test", "--customer", "cus_2", "--password", "x")[0] == 0
    assert run(capsys, "users", "set", "later@example.test", "--account", "acct_2")[0] == 0
    assert run(capsys, "users", "list")[1].splitlines() == ["later@example.test\tcus_2\tacct_2\tactive",
                                                            "seller@example.test\tcus_1\tacct_1\tactive"]
    code, _, err = run(capsys, "users", "set", "later@example.test", "--account", "acct_1")
    assert code == 1 and "already belongs" in err
    code, _, err = run(capsys, "users", "set", "later@example.test", "--account", "cus_9")
    assert code == 1 and "acct_" in err
    code, _, err = run(capsys, "users", "add", "third@example.test", "--customer", "cus_3", "--account", "ba_1",
                       "--password", "x")
    assert code == 1 and "acct_" in err
    code, _, err = run(capsys, "users", "set", "later@example.test")
    assert code == 1 and "--account" in err
    assert "later@example.test\tcus_2\tacct_2" in run(capsys, "users", "list")[1]


def test_users_mistakes_are_refused_clearly(env: str, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(capsys, "users", "add", "a@example.test", "--customer", "cus_1", "--password", "x")[0] == 0
    code, _, err = run(capsys, "users", "add", "A@example.test", "--customer", "cus_2", "--password", "x")
    assert code == 1 and "already exists" in err
    code, _, err = run(capsys, "users", "add", "b@example.test", "--customer", "cus_1", "--password", "x")
    assert code == 1 and "already belongs" in err
    code, _, err = run(capsys, "users", "add", "b@example.test", "--customer", "price_1", "--password", "x")
    assert code == 1 and "cus_" in err
    code, _, err = run(capsys, "users", "add", "not-an-email", "--customer", "cus_9", "--password", "x")
    assert code == 1 and "not an email" in err
    code, _, err = run(capsys, "users", "disable", "nobody@example.test")
    assert code == 1 and "no owner nobody@example.test" in err
    answers = iter(["one", "two"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, err = run(capsys, "users", "reset-password", "a@example.test")
    assert code == 1 and "differ" in err
    assert password_works(env, "a@example.test", "x")


def test_db_upgrade(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0 and "up to date" in out
    assert db.current_revision(env) == "0008_password_resets"


def test_serve_refuses_to_start_naming_missing_secrets(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    env["BRIDGE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'b.db'}"
    env["BRIDGE_PLANS"] = '{"starter": "price_s", "pro": "price_p"}'
    done = subprocess.run([sys.executable, "-m", "server_bridge.cli", "serve", "--port", "0"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "BRIDGE_STRIPE_SECRET_KEY is not set" in done.stderr
    assert "BRIDGE_WEBHOOK_SECRETS is not set" in done.stderr
    assert "BRIDGE_PLANS" not in done.stderr
    assert not (tmp_path / "b.db").exists()


def test_serve_on_a_taken_port_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run(capsys, "serve", "--sandbox", "--port", str(port), "--data-dir", str(tmp_path))
    assert code == 1 and "could not start" in err


def test_ready_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "run" / "ready.json"
    write_json_atomic(target, {"bridge_url": "http://127.0.0.1:1"})
    write_json_atomic(target, {"bridge_url": "http://127.0.0.1:2"})
    assert target.read_text() == '{"bridge_url": "http://127.0.0.1:2"}'
    assert [p.name for p in target.parent.iterdir()] == ["ready.json"]


def test_serve_sandbox_writes_the_ready_file_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "server_bridge.cli", "serve", "--sandbox", "--port", "0",
         "--ready-file", str(ready), "--data-dir", str(tmp_path / "data")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), process.stderr.read() if process.poll() is not None else "no ready file in time"
        info = json.loads(ready.read_text())
        assert info["pid"] == process.pid
        with httpx.Client(base_url=info["bridge_url"], timeout=10) as client:
            answer = client.post("/v1/auth/login", json={"email": "pro@demo.test", "password": "demo",
                                                         "device": "cli-test"})
            assert answer.status_code == 200, answer.text
            assert client.get(f"{info['sandbox_url']}/_sandbox/clock").status_code == 200
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert info["bridge_url"] in out and "pro@demo.test" in out
        assert not ready.exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_stripe_setup_then_sync_against_the_sandbox(env: str, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from server_bridge.mirror import store
    from stripe_sandbox import Sandbox, create_sandbox_app
    from stripe_sandbox.serving import ThreadedServer

    sandbox = Sandbox()
    with ThreadedServer(create_sandbox_app(sandbox)) as server:
        sandbox.base_url = server.url
        try:
            monkeypatch.setenv("BRIDGE_STRIPE_SECRET_KEY", sandbox.api_key)
            monkeypatch.setenv("BRIDGE_STRIPE_API_BASE", server.url)
            monkeypatch.setenv("BRIDGE_PUBLIC_URL", "https://billing.example.com")
            code, out, _ = run(capsys, "stripe", "setup")
            assert code == 0
            lines = dict(line.split("=", 1) for line in out.splitlines() if line.startswith("BRIDGE_"))
            plans = json.loads(lines["BRIDGE_PLANS"].strip("'"))
            assert set(plans) == {"starter", "pro"}
            secrets = lines["BRIDGE_WEBHOOK_SECRETS"].split(",")
            assert len(secrets) == 2 and all(secret.startswith("whsec_") for secret in secrets)
            endpoints = sandbox.list("webhook_endpoint")
            assert sorted(e["url"] for e in endpoints if not e.get("deleted")) == [
                "https://billing.example.com/v1/webhooks/stripe", "https://billing.example.com/v1/webhooks/stripe/connect"]

            customers = sandbox.seed_demo_owners(plans)
            assert run(capsys, "users", "add", "pro@demo.test", "--customer", customers["pro@demo.test"],
                       "--password", "x")[0] == 0
            code, out, _ = run(capsys, "sync")
            assert code == 0 and "Synced 1" in out
            engine = db.make_engine(env)
            try:
                with db.make_sessions(engine)() as session:
                    invoices = store.list_objects(session, "invoice", customer_id=customers["pro@demo.test"])
                    assert len(invoices) >= 12
                    assert store.list_objects(session, "invoice", customer_id=customers["new@demo.test"]) == []
            finally:
                engine.dispose()
        finally:
            sandbox.close()


def test_stripe_setup_needs_the_secret_key(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "stripe", "setup")
    assert code == 2 and "BRIDGE_STRIPE_SECRET_KEY is not set" in err


def test_the_operator_flow_serves_from_the_environment(env: str, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """README's real-Stripe steps against the sandbox: db upgrade, stripe setup, users add, serve."""
    from stripe_sandbox import Sandbox, create_sandbox_app
    from stripe_sandbox.serving import ThreadedServer

    sandbox = Sandbox()
    with ThreadedServer(create_sandbox_app(sandbox)) as server:
        sandbox.base_url = server.url
        process = None
        try:
            monkeypatch.setenv("BRIDGE_STRIPE_SECRET_KEY", sandbox.api_key)
            monkeypatch.setenv("BRIDGE_STRIPE_API_BASE", server.url)
            code, out, _ = run(capsys, "stripe", "setup")
            assert code == 0
            for line in out.splitlines():
                if line.startswith("BRIDGE_"):
                    name, _, value = line.partition("=")
                    monkeypatch.setenv(name, value.strip("'"))
            customer = sandbox.seed_demo_owners(json.loads(os.environ["BRIDGE_PLANS"]))["pro@demo.test"]
            assert run(capsys, "users", "add", "boss@example.test", "--customer", customer, "--password", "pw")[0] == 0
            process = subprocess.Popen([sys.executable, "-m", "server_bridge.cli", "serve", "--port", "0"],
                                       cwd=ROOT, env=dict(os.environ), stderr=subprocess.PIPE, text=True)
            assert process.stderr is not None
            url = None
            for line in process.stderr:
                if "running on http://" in line.lower():
                    url = line.split("running on ", 1)[1].split()[0]
                    break
            assert url, "the bridge did not start"
            with httpx.Client(base_url=url, timeout=10) as client:
                answer = client.post("/v1/auth/login", json={"email": "boss@example.test", "password": "pw",
                                                             "device": "d"})
                assert answer.status_code == 200, answer.text
                me = client.get("/v1/me", headers={"Authorization": f"Bearer {answer.json()['token']}"})
                assert me.json()["has_subscription"] is True
            process.send_signal(signal.SIGTERM)
            # uvicorn shuts down cleanly, then re-raises the signal it caught, as a service manager expects.
            assert process.wait(timeout=30) in (0, -signal.SIGTERM)
            assert "Finished server process" in process.stderr.read()
        finally:
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
            if process is not None and process.stderr is not None:
                process.stderr.close()
            sandbox.close()


def test_serve_sandbox_keeps_its_owners_in_bridge_database_url(db_url: str, tmp_path: Path) -> None:
    """So the sandbox can be tried on PostgreSQL as easily as on SQLite."""
    ready = tmp_path / "ready.json"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}, "BRIDGE_DATABASE_URL": db_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "server_bridge.cli", "serve", "--sandbox", "--port", "0", "--ready-file", str(ready)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_until(lambda: ready.exists() or process.poll() is not None, timeout=60)
        assert ready.exists(), process.stderr.read()
        with httpx.Client(base_url=json.loads(ready.read_text())["bridge_url"], timeout=10) as client:
            answer = client.post("/v1/auth/login", json={"email": "pro@demo.test", "password": "demo",
                                                         "device": "cli-db-test"})
            assert answer.status_code == 200, answer.text
        assert password_works(db_url, "pro@demo.test", "demo")
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
