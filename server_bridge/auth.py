"""Owners, passwords and device tokens.

Passwords are argon2id hashes. A bearer token is "bmt_" + 256 random bits; the database keeps only
its sha256, so a leaked database signs nobody in. Each (owner, device) has at most one live token.
Failed sign-ins are counted per email; past the limit even the right password waits out the window.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server_bridge import errors
from server_bridge.models import LoginFailure, Owner, Token
from server_bridge.settings import Settings

TOKEN_PREFIX = "bmt_"
_hasher = PasswordHasher()


def now() -> int:
    return int(time.time())


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


# Owners (the CLI and the sandbox stack use these) ---------------------------------------------

def find_owner(session: Session, email: str) -> Owner | None:
    return session.execute(select(Owner).where(Owner.email == normalize_email(email))).scalar_one_or_none()


def add_owner(session: Session, email: str, password: str, *, customer_id: str | None = None,
              password_hash: str | None = None, account_id: str | None = None) -> Owner:
    owner = Owner(email=normalize_email(email), password_hash=password_hash or hash_password(password),
                  stripe_customer_id=customer_id, stripe_account_id=account_id, disabled=False, created_at=now())
    session.add(owner)
    session.flush()
    return owner


def set_password(session: Session, owner: Owner, password: str) -> None:
    """A new password also signs the owner out everywhere."""
    owner.password_hash = hash_password(password)
    revoke_all(session, owner)


def disable_owner(session: Session, owner: Owner) -> None:
    owner.disabled = True
    revoke_all(session, owner)


def revoke_all(session: Session, owner: Owner) -> None:
    session.execute(update(Token).where(Token.owner_id == owner.id, Token.revoked_at.is_(None))
                    .values(revoked_at=now()))


# Sign-in ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignIn:
    token: str
    expires_at: int
    owner: Owner


def sign_in(session: Session, settings: Settings, email: str, password: str, device: str) -> SignIn:
    """Check the password (rate limited per email) and issue this device's one live token."""
    email = normalize_email(email)
    at = now()
    window_start = at - settings.login_window_seconds
    failures = session.execute(
        select(LoginFailure.at).where(LoginFailure.email == email, LoginFailure.at > window_start)
        .order_by(LoginFailure.at)
    ).scalars().all()
    if len(failures) >= settings.login_max_failures:
        # Waiting until enough failures leave the window brings the count back under the limit.
        frees_at = failures[len(failures) - settings.login_max_failures] + settings.login_window_seconds
        raise errors.TooManyAttempts(max(1, frees_at - at + 1))

    owner = find_owner(session, email)
    valid = verify_password(owner.password_hash if owner else _dummy_hash(), password)
    if owner is None or not valid or owner.disabled:
        session.add(LoginFailure(email=email, at=at))
        session.execute(delete(LoginFailure).where(LoginFailure.at <= window_start - 86400))
        session.commit()
        raise errors.InvalidCredentials()

    session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    if _hasher.check_needs_rehash(owner.password_hash):
        owner.password_hash = hash_password(password)  # the cost settings have risen since it was made
    session.commit()
    return _issue_token(session, settings, owner, device, at)


def _issue_token(session: Session, settings: Settings, owner: Owner, device: str, at: int) -> SignIn:
    """Revoke the device's old token and add a new one.

    Sign-ins of one owner take turns on the owner's row (PostgreSQL; SQLite has one writer anyway);
    the unique index on live tokens backs that up, and a loser of a race retries.
    """
    owner_id = owner.id
    attempts = 0
    while True:
        session.execute(select(Owner.id).where(Owner.id == owner_id).with_for_update())
        session.execute(update(Token).where(Token.owner_id == owner_id, Token.device == device,
                                            Token.revoked_at.is_(None)).values(revoked_at=at))
        raw = new_token()
        expires_at = at + settings.token_ttl_days * 86400
        session.add(Token(owner_id=owner_id, device=device, token_hash=hash_token(raw), created_at=at,
                          expires_at=expires_at))
        try:
            session.commit()
            return SignIn(raw, expires_at, owner)
        except IntegrityError:
            session.rollback()
            attempts += 1
            if attempts >= 5:
                raise


_TOKEN_OWNER = select(Token, Owner).join(Owner, Owner.id == Token.owner_id).where(
    Token.token_hash == bindparam("token_hash"))


def token_owner(session: Session, raw_token: str | None) -> tuple[Token, Owner]:
    """The live token and its owner, or the ApiError docs/bridge-api.md prescribes.

    Read from the database on every request (no cache), so a revoked token is refused at once."""
    if not raw_token:
        raise errors.Unauthorized()
    found = session.execute(_TOKEN_OWNER, {"token_hash": hash_token(raw_token)}).first()
    if found is None:
        raise errors.Unauthorized("Your session has ended. Sign in again.")
    token, owner = found.Token, found.Owner
    if owner.disabled:
        # Before the revocation check: disabling also revokes every token, and the owner should
        # still learn why they were signed out (403), not just that they were (401).
        raise errors.AccountDisabled()
    if token.revoked_at is not None:
        raise errors.Unauthorized("Your session has ended. Sign in again.")
    if token.expires_at <= now():
        raise errors.TokenExpired()
    return token, owner


def ended_tokens(session: Session, token_ids: Iterable[int]) -> set[int]:
    """Those of `token_ids` that no longer sign anyone in: revoked, expired, gone, or their owner disabled."""
    wanted = set(token_ids)
    if not wanted:
        return set()
    live = session.execute(
        select(Token.id).join(Owner, Owner.id == Token.owner_id).where(
            Token.id.in_(wanted), Token.revoked_at.is_(None), Token.expires_at > now(), Owner.disabled.is_(False))
    ).scalars().all()
    return wanted - set(live)


def sign_out(session: Session, token: Token) -> None:
    token.revoked_at = now()
    session.commit()


def live_token_count(session: Session, owner: Owner) -> int:
    return session.execute(select(func.count()).select_from(Token).where(
        Token.owner_id == owner.id, Token.revoked_at.is_(None), Token.expires_at > now())).scalar_one()
