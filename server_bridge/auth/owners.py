"""Owners, passwords and device tokens.

Passwords are argon2id hashes, checked a few at a time (password_checks.py). A bearer token is
"bmt_" + 256 random bits; the database keeps only its sha256, so a leaked database signs nobody in.
Each (owner, device) has at most one live token. Failed sign-ins are counted in the database per
client address, per (address, email) pair and per email, or per device proof for a device that
signed in before (sign_in_limits.py, device_proofs.py); past a limit even the right password waits.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from server_bridge.api import errors
from server_bridge.auth import device_proofs, sign_in_limits
from server_bridge.auth.password_checks import PasswordChecks
from server_bridge.db.models import Owner, Token
from server_bridge.edge.client_address import limit_key
from server_bridge.settings import Settings

log = logging.getLogger(__name__)
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


# Sign-in throttling (docs/security.md) -----------------------------------------------------------
# claim_attempt before the check, then record_failure, record_success or release: usable by any route
# that checks a password or a secret the client could guess (`email=None` counts the address only).
# verify_credentials below does this for a password.

@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt, counted (claimed) against its limits until it is known to be right."""

    address: str
    email: str | None
    device_proof_id: str | None     # a valid device proof for this email came with it
    claims: tuple[sign_in_limits.Claim, ...]


def _limits(settings: Settings, address: str, email: str | None, device_proof_id: str | None
            ) -> list[sign_in_limits.Limit]:
    """Per address always; per (address, email) pair, and per email for devices without a proof or per
    device proof, when an email is given. Always in this order (see sign_in_limits.claim)."""
    key = limit_key(address)
    limits = [sign_in_limits.Limit("address", sign_in_limits.subject(key), settings.login_max_failures_per_address)]
    if email is not None:
        limits.append(sign_in_limits.Limit("pair", sign_in_limits.subject(key, email), settings.login_max_failures))
        if device_proof_id is not None:
            limits.append(sign_in_limits.Limit("device", sign_in_limits.subject(device_proof_id),
                                               settings.login_max_failures))
        else:
            limits.append(sign_in_limits.Limit("email", sign_in_limits.subject(email), settings.login_max_failures))
    return limits


class Crowded(Exception):
    """Only attempts still being checked stand in the way: look again in a moment."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def claim_attempt(session: Session, settings: Settings, *, address: str, email: str | None = None,
                  device_proof: str | None = None) -> Attempt:
    """Counts the attempt against its limits (atomically, in the database) and commits, or counts nothing
    and raises errors.TooManyAttempts (failures have used up a limit) or Crowded (only attempts still
    being checked stand in the way: look again in SETTLE_POLL seconds, as verify_credentials does)."""
    email = normalize_email(email) if email is not None else None
    proof_id = device_proofs.proven_id(settings, device_proof, email) if email is not None else None
    at, window = now(), settings.login_window_seconds
    try:
        claims = sign_in_limits.claim(session, _limits(settings, address, email, proof_id), at=at, window=window)
        refused = any(c.over for c in claims)
        if refused:
            sign_in_limits.give_back(session, claims)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    if not refused:
        return Attempt(address, email, proof_id, tuple(claims))
    wait = sign_in_limits.retry_after(claims, at=at, window=window)
    if any(c.locked for c in claims):
        log.info("sign-in refused: too many failures (%s)", ", ".join(c.limit.scope for c in claims if c.locked))
        raise errors.TooManyAttempts(wait)
    raise Crowded(wait)


SETTLE_POLL = 0.05
"""Seconds between looks while others' attempts settle: a password check takes a fraction of a second."""


def record_failure(session: Session, settings: Settings, attempt: Attempt) -> None:
    """The attempt was wrong: count it as a failure. Also drops counters whose window has ended."""
    log.info("failed sign-in%s", " (device proof presented)" if attempt.device_proof_id else "")
    sign_in_limits.count_failure(session, attempt.claims)
    session.commit()
    sign_in_limits.prune(session, at=now(), window=settings.login_window_seconds)
    session.commit()


def record_success(session: Session, attempt: Attempt) -> None:
    """The attempt was right: it counts for nothing, and this client's own earlier failures (its address
    and email pair, its device proof) are forgiven. Failures others made against the email, or from
    this address for other emails, stay counted. Commits."""
    sign_in_limits.give_back(session, attempt.claims)
    for claim in attempt.claims:
        if claim.limit.scope in ("pair", "device"):
            sign_in_limits.forgive(session, claim.limit.scope, claim.limit.subject)
    session.commit()


def release(session: Session, attempt: Attempt) -> None:
    """The attempt was never checked (the bridge was busy): it counts for nothing. Commits."""
    sign_in_limits.give_back(session, attempt.claims)
    session.commit()


# Sign-in ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: int
    owner: Owner


@dataclass(frozen=True)
class SignIn:
    token: str
    expires_at: int
    owner: Owner
    device_proof: str


def _check_password(password_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(right?, a new hash when the cost settings have risen since this one was made). Run under
    PasswordChecks: each hash takes argon2's memory for as long as it runs."""
    if password_hash is None:
        verify_password(_dummy_hash(), password)   # an unknown email takes as long as a known one
        return False, None
    if not verify_password(password_hash, password):
        return False, None
    return True, hash_password(password) if _hasher.check_needs_rehash(password_hash) else None


def _begin(sessions: sessionmaker[Session], settings: Settings, address: str, email: str,
           device_proof: str | None) -> tuple[Attempt, Owner | None]:
    with sessions() as session:
        attempt = claim_attempt(session, settings, address=address, email=email, device_proof=device_proof)
        return attempt, find_owner(session, email)


async def _begin_when_allowed(sessions: sessionmaker[Session], settings: Settings, address: str, email: str,
                              device_proof: str | None) -> tuple[Attempt, Owner | None]:
    """claim_attempt, waiting (on the event loop, without holding a thread) for others' attempts to settle,
    up to settings.password_check_wait_seconds."""
    deadline = time.monotonic() + settings.password_check_wait_seconds
    while True:
        try:
            return await run_in_threadpool(_begin, sessions, settings, address, email, device_proof)
        except Crowded as crowded:
            if time.monotonic() >= deadline:
                raise errors.TooManyAttempts(crowded.retry_after) from None
        await anyio.sleep(SETTLE_POLL)


def _fail(sessions: sessionmaker[Session], settings: Settings, attempt: Attempt) -> None:
    with sessions() as session:
        record_failure(session, settings, attempt)


def _release(sessions: sessionmaker[Session], attempt: Attempt) -> None:
    with sessions() as session:
        release(session, attempt)


def _succeed(sessions: sessionmaker[Session], attempt: Attempt, owner_id: int, new_hash: str | None) -> Owner:
    with sessions() as session:
        record_success(session, attempt)
        owner = session.get(Owner, owner_id)
        assert owner is not None
        if new_hash is not None:
            owner.password_hash = new_hash
            session.commit()
        return owner


def _issue(sessions: sessionmaker[Session], settings: Settings, owner_id: int, device: str) -> IssuedToken:
    with sessions() as session:
        owner = session.get(Owner, owner_id)
        assert owner is not None
        return _issue_token(session, settings, owner, device, now())


async def verify_credentials(sessions: sessionmaker[Session], settings: Settings,
                             password_checks: PasswordChecks, *, email: str, password: str, address: str,
                             device_proof: str | None = None) -> Owner:
    """The owner these credentials name, checked under the sign-in limits (the JSON login and the browser
    sign-in page both come here, so neither is a way around the other's limits).

    Raises errors.TooManyAttempts, errors.Busy (no turn for a password check) or
    errors.InvalidCredentials (wrong password, unknown email and disabled owner alike). Database work
    runs on the thread pool, the password check under `password_checks`."""
    email = normalize_email(email)
    attempt, owner = await _begin_when_allowed(sessions, settings, address, email, device_proof)
    try:
        valid, new_hash = await password_checks.run(_check_password, owner.password_hash if owner else None,
                                                     password)
    except BaseException:
        with anyio.CancelScope(shield=True):   # settle the count even when the request is cancelled
            await run_in_threadpool(_release, sessions, attempt)
        raise
    if owner is None or not valid or owner.disabled:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(_fail, sessions, settings, attempt)
        raise errors.InvalidCredentials()
    return await run_in_threadpool(_succeed, sessions, attempt, owner.id, new_hash)


async def sign_in(sessions: sessionmaker[Session], settings: Settings, password_checks: PasswordChecks, *,
                  email: str, password: str, device: str, address: str,
                  device_proof: str | None = None) -> SignIn:
    """Throttled password sign-in (verify_credentials) that issues this device's one live token and a new
    device proof."""
    owner = await verify_credentials(sessions, settings, password_checks, email=email, password=password,
                                     address=address, device_proof=device_proof)
    signed = await run_in_threadpool(_issue, sessions, settings, owner.id, device)
    return SignIn(signed.token, signed.expires_at, signed.owner, device_proofs.issue(settings, owner.email))


def issue_token(session: Session, settings: Settings, owner: Owner, device: str) -> SignIn:
    """The device's one live token and a new device proof, for an owner known some other way (a
    browser sign-in's code)."""
    signed = _issue_token(session, settings, owner, device, now())
    return SignIn(signed.token, signed.expires_at, signed.owner, device_proofs.issue(settings, owner.email))


def _issue_token(session: Session, settings: Settings, owner: Owner, device: str, at: int) -> IssuedToken:
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
            return IssuedToken(raw, expires_at, owner)
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
