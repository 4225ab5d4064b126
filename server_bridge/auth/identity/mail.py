"""Mail through the operator's SMTP server (BRIDGE_SMTP_*), with the standard library's smtplib."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

from server_bridge.settings import Settings


class MailNotConfigured(Exception):
    """The bridge has no SMTP server (BRIDGE_SMTP_HOST)."""


def message(settings: Settings, to: str, subject: str, text: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain=parseaddr(settings.smtp_from or "")[1].rpartition("@")[2] or None)
    mail["Auto-Submitted"] = "auto-generated"
    # Plain 7bit when it can be, so a link stays whole even in a mail reader that shows the raw text.
    mail.set_content(text, cte="7bit" if text.isascii() else "quoted-printable")
    return mail


def send(settings: Settings, mail: EmailMessage) -> None:
    """Hand `mail` to the SMTP server, over TLS unless BRIDGE_SMTP_SECURITY=none.

    Raises smtplib.SMTPException or OSError when the server refuses or cannot be reached;
    STARTTLS is required, never skipped, when the server does not offer it."""
    if settings.smtp_host is None:
        raise MailNotConfigured()
    context = ssl.create_default_context()
    timeout = settings.smtp_timeout
    if settings.smtp_security == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout,
                                                context=context)
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with server:
        if settings.smtp_security == "starttls":
            server.starttls(context=context)   # raises SMTPNotSupportedError if the server does not offer it
        if settings.smtp_username and settings.smtp_password is not None:
            server.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        server.send_message(mail)
