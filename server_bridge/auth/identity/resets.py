"""One-time "forgot password" links.

A link carries 256 random bits; the database keeps only their sha256, so a leaked database opens no
account. A link expires (BRIDGE_PASSWORD_RESET_MINUTES, 30 by default) and works once: using it is
one guarded UPDATE, so two uses at once cannot both win. Using it sets the password, signs the owner
out on every device and kills the owner's other links.

The "forgot password" form answers the same whether the email is known or not; what it may do is
bounded per client address (a flood) and per email (a mailbox bombed with links).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from server_bridge.auth import owners
from server_bridge.auth.identity import mail
from server_bridge.db.models import Owner, PasswordReset, ResetRequest
from server_bridge.settings import Settings

log = logging.getLogger(__name__)

PER_EMAIL = (3, 3600)          # at most 3 mails to one address an hour
PER_ADDRESS = (10, 900)        # at most 10 forms from one client address in 15 minutes
PASSWORD_MAX_LENGTH = 1024     # what POST /v1/auth/login accepts
KEEP_SECONDS = 86400           # dead links and counted requests are deleted a day later


@dataclass(frozen=True)
class ResetLink:
    url: str
    expires_at: int


class LinkDead(Exception):
    """The link is unknown, used, expired, or its owner was disabled: the same page for all."""


class TooManyRequests(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"try again in {retry_after} s")
        self.retry_after = retry_after


def _path(token: str) -> str:
    return f"/v1/auth/reset/{token}"


def issue(session: Session, settings: Settings, owner: Owner) -> ResetLink:
    """A new link for `owner` (committed). Older links stay valid until they expire or one is used."""
    at = owners.now()
    token = secrets.token_urlsafe(32)
    expires_at = at + settings.password_reset_minutes * 60
    session.execute(delete(PasswordReset).where(PasswordReset.expires_at < at - KEEP_SECONDS))
    session.add(PasswordReset(token_hash=owners.hash_token(token), owner_id=owner.id, created_at=at,
                              expires_at=expires_at))
    session.commit()
    return ResetLink(settings.return_url(_path(token)), expires_at)


def live_link_owner(session: Session, token: str) -> Owner | None:
    """The owner a link would reset the password of, or None if it would not work now."""
    found = session.execute(
        select(Owner).join(PasswordReset, PasswordReset.owner_id == Owner.id)
        .where(PasswordReset.token_hash == owners.hash_token(token), PasswordReset.used_at.is_(None),
               PasswordReset.expires_at > owners.now())
    ).scalar_one_or_none()
    return None if found is None or found.disabled else found


def use(session: Session, token: str, new_password: str) -> Owner:
    """Spend the link: the new password is set, every device token revoked, the other links killed.

    Raises LinkDead when the link is unknown, used, expired or its owner is disabled."""
    at = owners.now()
    owner_id = session.execute(
        update(PasswordReset)
        .where(PasswordReset.token_hash == owners.hash_token(token), PasswordReset.used_at.is_(None),
               PasswordReset.expires_at > at)
        .values(used_at=at).returning(PasswordReset.owner_id)
    ).scalar_one_or_none()
    owner = session.get(Owner, owner_id) if owner_id is not None else None
    if owner is None or owner.disabled:
        session.rollback()
        raise LinkDead()
    session.execute(update(PasswordReset).where(PasswordReset.owner_id == owner.id, PasswordReset.used_at.is_(None))
                    .values(used_at=at))
    owners.set_password(session, owner, new_password)
    session.commit()
    return owner


def new_password_problem(settings: Settings, password: str, repeated: str) -> str | None:
    """What is wrong with a new password, in a sentence, or None."""
    if len(password) < settings.password_min_length:
        return f"Choose a password of at least {settings.password_min_length} characters."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Choose a password of at most {PASSWORD_MAX_LENGTH} characters."
    if password != repeated:
        return "The two passwords are not the same."
    return None


# The "forgot password" form ---------------------------------------------------------------------

def count_request(session: Session, email: str, address: str) -> bool:
    """Count one form sent from `address` for `email` (committed), and say whether a mail may go out.

    Raises TooManyRequests when `address` sent too many forms lately: that answer is about the
    address, never about the email, so it tells nothing about who has an account."""
    at = owners.now()
    email = owners.normalize_email(email)
    address = address[:64]
    limit, window = PER_ADDRESS
    from_address = session.execute(
        select(ResetRequest.at).where(ResetRequest.address == address, ResetRequest.at > at - window)
        .order_by(ResetRequest.at)).scalars().all()
    if len(from_address) >= limit:
        raise TooManyRequests(max(1, from_address[len(from_address) - limit] + window - at + 1))
    limit, window = PER_EMAIL
    for_email = session.execute(select(func.count()).select_from(ResetRequest).where(
        ResetRequest.email == email, ResetRequest.at > at - window)).scalar_one()
    session.add(ResetRequest(email=email, address=address, at=at))
    session.execute(delete(ResetRequest).where(ResetRequest.at < at - KEEP_SECONDS))
    session.commit()
    return for_email < limit


def mail_text(settings: Settings, email: str, link: ResetLink) -> str:
    return (f"Someone, hopefully you, asked to reset the password of the Billing Manager account {email}.\n\n"
            f"Open this link within {settings.password_reset_minutes} minutes to choose a new password:\n\n"
            f"{link.url}\n\n"
            "The link works once. Choosing a new password signs you out of Billing Manager on every device.\n"
            "If you did not ask for this, ignore this mail: your password stays as it is.\n")


def send_link(sessions: sessionmaker[Session], settings: Settings, email: str) -> bool:
    """Mail a new link to the owner of `email`, if there is one who may sign in; True if one was sent.

    Runs after the answer has gone (a background task), so neither its time nor its failures tell the
    person at the form whether the email is known; a failure is logged for the operator."""
    with sessions() as session:
        owner = owners.find_owner(session, email)
        if owner is None or owner.disabled:
            return False
        link = issue(session, settings, owner)
        try:
            mail.send(settings, mail.message(settings, owner.email, "Reset your Billing Manager password",
                                             mail_text(settings, owner.email, link)))
        except Exception:
            log.exception("could not mail a password reset link to %s", owner.email)
            return False
        log.info("mailed a password reset link to %s", owner.email)
        return True
