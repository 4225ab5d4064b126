"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the "forgot password" mail."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USERNAME, PASSWORD = "bridge", "smtp-secret"


@dataclass
class Inbox:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USERNAME.encode(), PASSWORD.encode())
        if ok:
            with self.lock:
                self.logins.append(USERNAME)
        return AuthResult(success=ok)

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


class _Controller(Controller):
    """aiosmtpd's controller on a free port: it cannot take port 0 itself (it connects to its port to
    check it is up), so the port the server got is read back before that check."""

    def _create_server(self) -> Any:
        created = super()._create_server()

        async def bound() -> Any:
            server = await created
            self.port = server.sockets[0].getsockname()[1]
            return server

        return bound()


@contextmanager
def smtp_server(*, require_auth: bool = True) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = _Controller(inbox, hostname=inbox.host, port=0, authenticator=inbox.authenticate,
                             auth_required=require_auth, auth_require_tls=False)
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()


def settings_for(inbox: Inbox, **overrides: Any) -> dict[str, Any]:
    """Bridge settings that send through `inbox` (plain SMTP on loopback, with a login)."""
    return {"smtp_host": inbox.host, "smtp_port": inbox.port, "smtp_security": "none", "smtp_username": USERNAME,
            "smtp_password": PASSWORD, "smtp_from": "Billing <billing@platform.test>", **overrides}
