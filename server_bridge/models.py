"""The bridge's tables. Times are Unix seconds (int), like Stripe's and the HTTP API's.

The schema itself is created by the Alembic migrations in migrations/versions, not from these classes.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Owner(Base):
    """A site owner who signs in to the desktop app; linked to one Stripe customer."""

    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
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


class LoginFailure(Base):
    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_email_at", "email", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320))
    at: Mapped[int] = mapped_column(BigInteger)


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
