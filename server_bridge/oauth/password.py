"""The sign-in page's password check: the very path `POST /v1/auth/login` takes (auth.sign_in, with its
throttling), so the page is no way around the limits on guessing.

auth.sign_in ends in a device token; the page has no device yet (the app names it when it redeems the
code), so the token it issues here, under a device name no app uses, is revoked at once.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from server_bridge import auth
from server_bridge.models import Owner, Token
from server_bridge.settings import Settings

PAGE_DEVICE = "(browser sign-in page)"


def check_password(session: Session, settings: Settings, email: str, password: str) -> Owner:
    """The owner these credentials sign in, or the ApiError auth.sign_in raises."""
    signed = auth.sign_in(session, settings, email, password, PAGE_DEVICE)
    session.execute(update(Token).where(Token.token_hash == auth.hash_token(signed.token))
                    .values(revoked_at=auth.now()))
    session.commit()
    return signed.owner
