"""The bridge's tables. Times are Unix seconds (int), like Stripe's and the HTTP API's.

The schema itself is created by the Alembic migrations in migrations/versions, not from these classes.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Owner(Base):
    """A site owner who signs in to the desktop app; linked to one Stripe customer (the plan they pay)
    and at most one connected account (the sales they make)."""

    __tablename__ = "owners"
    __table_args__ = (Index("uq_owners_stripe_account", "stripe_account_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    stripe_account_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[int] = mapped_column(BigInteger)


class Token(Base):
    """A device's sign-in; only the sha256 of the bearer token is kept."""

    __tablename__ = "tokens"
    __table_args__ = (
        Index("ix_tokens_owner_device", "owner_id", "device"),
        Index("uq_tokens_live_device", "owner_id", "device", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"))
    device: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class SignInCounter(Base):
    """Sign-in attempts counted against one limit in the current window (server_bridge/auth/sign_in_limits.py).

    `subject` is the sha256 of what is counted (an address, an email, an address and email, a device
    proof's id), so the table holds no email or address in the clear."""

    __tablename__ = "sign_in_counters"
    __table_args__ = (Index("ix_sign_in_counters_window", "window_start"),)

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger)   # the window's first attempt
    failures: Mapped[int] = mapped_column(Integer)
    pending: Mapped[int] = mapped_column(Integer)           # attempts whose password is being checked


class StripeObject(Base):
    """The bridge's copy of a Stripe object, as last seen; reads are served from here."""

    __tablename__ = "stripe_objects"
    __table_args__ = (Index("ix_stripe_objects_listing", "object_type", "customer_id", "created", "id"),)

    object_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    created: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    seen_at: Mapped[int] = mapped_column(BigInteger)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    terminal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    data: Mapped[str] = mapped_column(Text)


class WebhookEvent(Base):
    """Every Stripe event received, stored raw before it is applied."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(128))
    created: Mapped[int] = mapped_column(BigInteger)
    livemode: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[int] = mapped_column(BigInteger)
    processed_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class OwnerSync(Base):
    """When an owner's objects were last backfilled from Stripe."""

    __tablename__ = "owner_syncs"

    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"), primary_key=True)
    synced_at: Mapped[int] = mapped_column(BigInteger)


class SyncRun(Base):
    """The last `billing-bridge sync`: a run that did not finish is resumed by the next one."""

    __tablename__ = "sync_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[int] = mapped_column(BigInteger)
    finished_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ConnectAccount(Base):
    """An owner's connected account (Stripe's `account` object, as last seen)."""

    __tablename__ = "connect_accounts"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    seen_at: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[str] = mapped_column(Text)


class ConnectBalance(Base):
    """One currency of a connected account's balance."""

    __tablename__ = "connect_balances"

    account_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    available: Mapped[int] = mapped_column(BigInteger)
    pending: Mapped[int] = mapped_column(BigInteger)
    seen_at: Mapped[int] = mapped_column(BigInteger)


class ConnectPayout(Base):
    __tablename__ = "connect_payouts"
    __table_args__ = (Index("ix_connect_payouts_listing", "account_id", "created", "id"),)

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(255))
    created: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reconciliation_status: Mapped[str] = mapped_column(String(32))
    linked: Mapped[bool] = mapped_column(Boolean, default=False)   # its balance transactions are stored
    seen_at: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[str] = mapped_column(Text)


class ConnectBalanceTransaction(Base):
    __tablename__ = "connect_balance_transactions"
    __table_args__ = (
        Index("ix_connect_txns_payout", "payout_id", "created", "id"),
        Index("ix_connect_txns_source", "account_id", "source_id"),
    )

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(255))
    payout_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    source_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(64))
    reporting_category: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger)
    stripe_fee: Mapped[int] = mapped_column(BigInteger)
    platform_fee: Mapped[int] = mapped_column(BigInteger)
    net: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    available_on: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    seen_at: Mapped[int] = mapped_column(BigInteger)


class ConnectCharge(Base):
    """A charge on a connected account: a sale, once it succeeded. Columns, not JSON: sales are listed,
    searched and summed by the hundred thousand."""

    __tablename__ = "connect_charges"
    __table_args__ = (
        Index("ix_connect_charges_listing", "account_id", "created", "id"),
        Index("ix_connect_charges_status", "account_id", "sale_status", "created", "id"),
        # covers the series: a year's sums read from the index alone
        Index("ix_connect_charges_series", "account_id", "charge_status", "created", "currency", "month_start",
              "amount", "amount_refunded", "stripe_fee", "platform_fee"),
    )

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(255))
    created: Mapped[int] = mapped_column(BigInteger)
    month_start: Mapped[int] = mapped_column(BigInteger)       # the UTC calendar month holding `created`
    charge_status: Mapped[str] = mapped_column(String(32))     # Stripe's: succeeded | pending | failed
    sale_status: Mapped[str] = mapped_column(String(32))       # succeeded | refunded | partially_refunded | disputed
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    amount_refunded: Mapped[int] = mapped_column(BigInteger)
    stripe_fee: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    platform_fee: Mapped[int] = mapped_column(BigInteger)
    balance_transaction_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    customer_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    seen_at: Mapped[int] = mapped_column(BigInteger)


class ConnectRefund(Base):
    __tablename__ = "connect_refunds"
    __table_args__ = (Index("ix_connect_refunds_charge", "charge_id"),)

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(255))
    charge_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(32))
    created: Mapped[int] = mapped_column(BigInteger)
    seen_at: Mapped[int] = mapped_column(BigInteger)


class ConnectDispute(Base):
    __tablename__ = "connect_disputes"
    __table_args__ = (Index("ix_connect_disputes_charge", "charge_id"),)

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(255))
    charge_id: Mapped[str] = mapped_column(String(255))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    evidence_due_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created: Mapped[int] = mapped_column(BigInteger)
    seen_at: Mapped[int] = mapped_column(BigInteger)


class ConnectImport(Base):
    """The backfill of one connected account: where it stands, so a restart resumes, not repeats."""

    __tablename__ = "connect_imports"

    account_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))             # running | done | failed
    phase: Mapped[str] = mapped_column(String(16))             # account | charges | disputes | payouts | links | done
    cursor: Mapped[str | None] = mapped_column(String(255), nullable=True)   # starting_after within the phase
    imported: Mapped[int] = mapped_column(Integer, default=0)
    estimated_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    newest: Mapped[int | None] = mapped_column(BigInteger, nullable=True)    # created of the first sale listed
    started_at: Mapped[int] = mapped_column(BigInteger)
    finished_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuthorizationRequest(Base):
    """An authorize request waiting for its owner to sign in on the page (or through OIDC)."""

    __tablename__ = "oauth_requests"

    request_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    state: Mapped[str] = mapped_column(String(500))
    code_challenge: Mapped[str] = mapped_column(String(128))
    csrf_hash: Mapped[str] = mapped_column(String(64))   # sha256 of the browser's CSRF cookie
    created_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)


class AuthorizationCode(Base):
    """A one-time code handed to the loopback redirect, redeemed once at /v1/auth/token."""

    __tablename__ = "oauth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer, ForeignKey("owners.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(100))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    code_challenge: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)
    used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class PasswordReset(Base):
    """A "forgot password" link: only the sha256 of its token is kept; used once, then dead."""

    __tablename__ = "password_resets"
    __table_args__ = (Index("ix_password_resets_owner", "owner_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"))
    created_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ResetRequest(Base):
    """One "forgot password" form sent, known email or not: what the rate limits count."""

    __tablename__ = "password_reset_requests"
    __table_args__ = (Index("ix_reset_requests_email_at", "email", "at"),
                      Index("ix_reset_requests_address_at", "address", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[int] = mapped_column(BigInteger)


class OidcSignIn(Base):
    """A trip to the platform's identity provider, from start to callback: the state (hashed), the
    browser it belongs to (hashed cookie), the nonce and PKCE verifier, and the desktop's pending
    authorization request it signs in."""

    __tablename__ = "oidc_sign_ins"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier: Mapped[str] = mapped_column(String(128))
    request_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)
