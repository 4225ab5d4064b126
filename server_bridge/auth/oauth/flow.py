"""The authorization code flow's state: pending requests, one-time codes, and redeeming a code.

A request is created when the sign-in page is shown and ends, at most once, in a code (when its
owner signs in on the page, or through the identity provider via `finish_sign_in`). A code lives
CODE_TTL seconds and is redeemed at most once: the redeeming UPDATE names every condition (unused,
unexpired, this client, this redirect, this verifier's challenge), so of two concurrent redemptions
exactly one changes the row, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from server_bridge.api import errors
from server_bridge.auth import owners
from server_bridge.auth.oauth import loopback
from server_bridge.db.models import AuthorizationCode, AuthorizationRequest, Owner
from server_bridge.settings import Settings

REQUEST_TTL = 600   # seconds to sign in on the page
CODE_TTL = 60       # seconds for the app to redeem the code
_PURGE_AFTER = 86400


class RequestExpired(Exception):
    """The pending request is unknown, has expired or has already ended in a code."""

    message = "This sign-in link has expired or was already used. Go back to Billing Manager and sign in again."


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewRequest:
    request_id: str   # public: in the page's form and the identity provider link
    csrf: str         # the browser's CSRF secret (its cookie and the form's hidden field)


def start_request(session: Session, *, redirect_uri: str, state: str, code_challenge: str,
                  csrf: str | None) -> NewRequest:
    """Keep a validated authorize request; `csrf` is the browser's existing CSRF cookie, if any."""
    at = owners.now()
    csrf = csrf if csrf and len(csrf) == 43 else secrets.token_urlsafe(32)
    request_id = secrets.token_urlsafe(32)
    session.execute(delete(AuthorizationRequest).where(AuthorizationRequest.expires_at < at - _PURGE_AFTER))
    session.execute(delete(AuthorizationCode).where(AuthorizationCode.expires_at < at - _PURGE_AFTER))
    session.add(AuthorizationRequest(request_hash=_hash(request_id), client_id=loopback.CLIENT_ID,
                                     redirect_uri=redirect_uri, state=state, code_challenge=code_challenge,
                                     csrf_hash=_hash(csrf), created_at=at, expires_at=at + REQUEST_TTL))
    session.commit()
    return NewRequest(request_id, csrf)


def pending_request(session: Session, request_id: str) -> AuthorizationRequest:
    """The live request, or RequestExpired."""
    row = session.get(AuthorizationRequest, _hash(request_id)) if request_id else None
    if row is None or row.expires_at <= owners.now():
        raise RequestExpired()
    return row


def csrf_matches(row: AuthorizationRequest, cookie: str | None, field: str | None) -> bool:
    """The form's hidden field equals the browser's cookie, and that cookie is the one the request was shown to."""
    if not cookie or not field or not secrets.compare_digest(cookie, field):
        return False
    return secrets.compare_digest(_hash(cookie), row.csrf_hash)


def finish_sign_in(session: Session, settings: Settings, request_id: str, owner: Owner) -> str:
    """End a pending request for `owner`, who has just proven who they are: the loopback URL, with a
    fresh one-time code and the request's state, to redirect the browser to (303).

    Raises RequestExpired if the request is unknown, expired or already finished (show the error page,
    never redirect), errors.AccountDisabled for a disabled owner. Commits.
    """
    if owner.disabled:
        raise errors.AccountDisabled()
    at = owners.now()
    row = pending_request(session, request_id)
    redirect_uri, state, challenge, client_id = row.redirect_uri, row.state, row.code_challenge, row.client_id
    ended = session.execute(delete(AuthorizationRequest).where(
        AuthorizationRequest.request_hash == row.request_hash, AuthorizationRequest.expires_at > at))
    if ended.rowcount != 1:   # another tab (or a double click) finished it first
        session.rollback()
        raise RequestExpired()
    code = secrets.token_urlsafe(32)
    session.add(AuthorizationCode(code_hash=_hash(code), owner_id=owner.id, client_id=client_id,
                                  redirect_uri=redirect_uri, code_challenge=challenge, created_at=at,
                                  expires_at=at + CODE_TTL))
    session.commit()
    return loopback.redirect_with(redirect_uri, code=code, state=state)


def redeem(session: Session, settings: Settings, *, code: str, verifier: str, redirect_uri: str,
           client_id: str, device: str) -> owners.SignIn:
    """Exchange a code for the device's token, once; an errors.OAuthError otherwise."""
    if client_id != loopback.CLIENT_ID:
        raise errors.OAuthInvalidClient()
    if not loopback.is_code_verifier(verifier):
        raise errors.OAuthInvalidRequest("code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~.")
    at = owners.now()
    code_hash = _hash(code)
    used = session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.code_hash == code_hash, AuthorizationCode.used_at.is_(None),
               AuthorizationCode.expires_at > at, AuthorizationCode.client_id == client_id,
               AuthorizationCode.redirect_uri == redirect_uri,
               AuthorizationCode.code_challenge == loopback.s256(verifier))
        .values(used_at=at))
    if used.rowcount != 1:
        session.rollback()
        raise errors.OAuthInvalidGrant(_why_refused(session, code_hash, redirect_uri, at))
    row = session.get(AuthorizationCode, code_hash)
    assert row is not None
    session.commit()
    owner = session.get(Owner, row.owner_id)
    if owner is None or owner.disabled:
        raise errors.OAuthInvalidGrant("This account has been disabled. Contact the platform.")
    return owners.issue_token(session, settings, owner, device)


def _why_refused(session: Session, code_hash: str, redirect_uri: str, at: int) -> str:
    row = session.execute(select(AuthorizationCode).where(AuthorizationCode.code_hash == code_hash)).scalar_one_or_none()
    if row is None:
        return "The sign-in code is not valid."
    if row.used_at is not None:
        return "The sign-in code was already used."
    if row.expires_at <= at:
        return "The sign-in code has expired. Sign in again."
    if row.redirect_uri != redirect_uri:
        return "redirect_uri does not match the one the code was issued for."
    return "code_verifier does not match the code_challenge."
