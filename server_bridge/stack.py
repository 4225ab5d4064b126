"""A whole billing loop on one machine: the Stripe sandbox and a bridge pointed at it.

Used by `billing-bridge serve --sandbox`, the desktop's demo mode (through the CLI) and the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import Engine

from server_bridge import db
from server_bridge.app import create_app
from server_bridge.auth import owners
from server_bridge.gateway import Gateway, StripeCalls
from server_bridge.settings import Settings
from stripe_sandbox.serving import ThreadedServer

DEMO_PASSWORD = "demo"
DEMO_OWNERS = ("pro@demo.test", "starter@demo.test", "new@demo.test", "pastdue@demo.test")
# The sandbox has no rate limit: pacing calls to it as to Stripe (25 requests/s in test mode) only makes
# the demo's import of a year of sales, and the tests, wait. Real Stripe keeps the defaults of Settings.
SANDBOX_PACING = {"connect_requests_per_second": 1000.0, "stripe_rate_limit": 1000.0}


@dataclass
class SandboxStack:
    sandbox: Any
    bridge_url: str
    sandbox_url: str
    settings: Settings
    app: FastAPI
    engine: Engine
    demo_owners: dict[str, str] = field(default_factory=dict)  # email -> customer id
    _servers: list[ThreadedServer] = field(default_factory=list, repr=False)
    _gateway: StripeCalls | None = field(default=None, repr=False)

    def stop(self) -> None:
        """Stop the bridge first (ending its event streams), then the sandbox."""
        bus = getattr(self.app.state, "bus", None)
        if bus is not None:
            bus.close()
        for server in reversed(self._servers):
            server.stop()
        self._servers.clear()
        close = getattr(self.sandbox, "close", None)
        if callable(close):
            close()
        if self._gateway is not None:
            self._gateway.close()
        self.engine.dispose()

    def __enter__(self) -> "SandboxStack":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sandbox_stack(
    *,
    data_dir: Path,
    database_url: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    sandbox_port: int = 0,
    webhook_retry_delays: Sequence[float] | None = None,
    demo_sales: int = 2_000,
    **overrides: Any,
) -> SandboxStack:
    """Start the sandbox and a bridge on it, set Stripe up, seed and sign up the demo owners.

    `overrides` are extra Settings fields (e.g. login_window_seconds for tests); Stripe calls are not
    paced unless they say so (SANDBOX_PACING). `demo_sales`: the charges in pro@demo.test's year of
    Connect sales (tests that do not look at them seed fewer).
    """
    from server_bridge.billing import setup
    from server_bridge.mirror import sync
    from stripe_sandbox import Sandbox, create_sandbox_app

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    started: list[ThreadedServer] = []
    sandbox = Sandbox(**({"webhook_retry_delays": tuple(webhook_retry_delays)} if webhook_retry_delays else {}))
    gateway = None
    try:
        sandbox_server = ThreadedServer(create_sandbox_app(sandbox), host=host, port=sandbox_port)
        sandbox.base_url = sandbox_url = sandbox_server.bind()
        sandbox_server.start()
        started.append(sandbox_server)

        bridge_server = ThreadedServer(None, host=host, port=port)
        bridge_url = bridge_server.bind()
        base = Settings(
            stripe_secret_key=SecretStr(sandbox.api_key),
            stripe_api_base=sandbox_url,
            public_url=bridge_url,
            data_dir=data_dir,
            database_url=database_url or f"sqlite:///{data_dir / 'bridge.db'}",
            **{**SANDBOX_PACING, **overrides},
        )
        db.upgrade(base.database_url)
        gateway = Gateway(base)
        result = setup.setup_stripe(gateway, bridge_url)
        settings = base.model_copy(update={"plans": dict(result.plans),
                                           "webhook_secrets": [SecretStr(s) for s in result.webhook_secrets.values()]})
        app = create_app(settings, gateway=gateway)
        customers = sandbox.seed_demo_owners(settings.plans)
        seed_accounts = getattr(sandbox, "seed_demo_accounts", None)
        _sign_up_demo_owners(app, customers, seed_accounts(demo_sales) if callable(seed_accounts) else {})
        sync.sync_all(app.state.sessions, gateway, plans=settings.plans)

        bridge_server.app = app
        bridge_server.start()
        started.append(bridge_server)
        return SandboxStack(sandbox=sandbox, bridge_url=bridge_url, sandbox_url=sandbox_url, settings=settings,
                            app=app, engine=app.state.engine, demo_owners=dict(customers), _servers=started,
                            _gateway=gateway)
    except BaseException:
        for server in reversed(started):
            server.stop()
        close = getattr(sandbox, "close", None)
        if callable(close):
            close()
        if gateway is not None:
            gateway.close()
        raise


def _sign_up_demo_owners(app: FastAPI, customers: dict[str, str], accounts: dict[str, str]) -> None:
    """Create (or re-link, for a reused data dir) each demo owner with the password "demo", linked to
    their customer and, for those who sell, their connected account."""
    password_hash = owners.hash_password(DEMO_PASSWORD)
    with app.state.sessions() as session:
        for email, customer_id in customers.items():
            owner = owners.find_owner(session, email)
            if owner is None:
                owners.add_owner(session, email, DEMO_PASSWORD, customer_id=customer_id, password_hash=password_hash,
                                 account_id=accounts.get(email))
                continue
            owner.stripe_customer_id = customer_id
            owner.stripe_account_id = accounts.get(email)
            owner.password_hash = password_hash
            owner.disabled = False
            owners.revoke_all(session, owner)
        session.commit()
