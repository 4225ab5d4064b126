"""The bridge's configuration, read from BRIDGE_* environment variables.

Built once by the caller (cli, stack, tests) and handed to create_app: nothing reads the
environment at import time, so two bridges with different settings can live in one process.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, Annotated, Any
from urllib.parse import urlsplit

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REQUIRED = ("stripe_secret_key", "webhook_secrets", "plans")


class ConfigError(Exception):
    """The bridge cannot run with these settings; the message names what is missing."""


def _default_data_dir() -> Path:
    return Path(user_data_dir("billing-bridge", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRIDGE_", extra="ignore")

    stripe_secret_key: SecretStr | None = None
    webhook_secrets: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str = ""
    public_url: str = "http://127.0.0.1:8000"
    plans: dict[str, str] = Field(default_factory=dict)
    stripe_api_base: str | None = None
    livemode: bool = False
    token_ttl_days: int = Field(default=30, ge=1)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    downgrade_at_period_end: bool = True
    # What the Stripe account's retry settings do once the last retry of a renewal fails (Dashboard:
    # Billing > Revenue recovery > Retries): the desktop tells a past-due owner.
    if_unpaid: Literal["cancel", "unpaid", "past_due"] = "cancel"
    stripe_timeout: float = Field(default=10.0, gt=0)
    stripe_max_retries: int = Field(default=2, ge=0)
    webhook_tolerance: int = Field(default=300, ge=1)
    # Stripe's rate limit for the key (default: 100/s live, 25/s test) and the share `sync` takes of it;
    # the serving bridges keep the rest.
    stripe_rate_limit: float | None = Field(default=None, gt=0)
    sync_rate_share: float = Field(default=0.5, gt=0, le=1)
    # Background Stripe reads (Connect imports and follow-ups) stay under this many requests a second,
    # below Stripe's limit for the whole platform (25/s in test mode, 100/s live).
    connect_requests_per_second: float = Field(default=20.0, gt=0)

    # "Forgot password": the one-time link goes out through the operator's SMTP server. Without
    # smtp_host the page sends owners to the platform, and `billing-bridge users reset-link` prints links.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"   # ssl: implicit TLS (port 465)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_timeout: float = Field(default=10.0, gt=0)
    password_reset_minutes: int = Field(default=30, ge=1, le=1440)
    password_min_length: int = Field(default=10, ge=8, le=128)
    # The platform's OpenID Connect provider: when set, the browser sign-in page offers
    # "Sign in with {oidc_name}" beside the password form.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_name: str = "your platform account"   # the button says "Sign in with <oidc_name>"

    @field_validator("webhook_secrets", mode="before")
    @classmethod
    def _split_secrets(cls, value: Any) -> Any:
        """The environment gives one comma-separated string; code may pass a list."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("stripe_secret_key", "smtp_host", "smtp_username", "smtp_password", "smtp_from",
                     "oidc_issuer", "oidc_client_id", "oidc_client_secret", mode="before")
    @classmethod
    def _blank_is_missing(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("oidc_issuer")
    @classmethod
    def _issuer_over_tls(cls, value: str | None) -> str | None:
        """The issuer is compared exactly with the one its discovery document names (no trailing slash)."""
        if value is None:
            return None
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        loopback = parts.hostname in ("127.0.0.1", "::1", "localhost")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError("the OpenID Connect issuer must be an https:// URL")
        return value

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _default_database(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'bridge.db'}"
        return self

    @model_validator(mode="after")
    def _whole_identity_settings(self) -> "Settings":
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret):
            raise ValueError("BRIDGE_OIDC_ISSUER needs BRIDGE_OIDC_CLIENT_ID and BRIDGE_OIDC_CLIENT_SECRET")
        if self.smtp_host and not self.smtp_from:
            raise ValueError("BRIDGE_SMTP_HOST needs BRIDGE_SMTP_FROM (the address reset links are sent from)")
        if self.smtp_username and self.smtp_password is None:
            raise ValueError("BRIDGE_SMTP_USERNAME needs BRIDGE_SMTP_PASSWORD")
        return self

    @property
    def sends_mail(self) -> bool:
        return self.smtp_host is not None

    @property
    def oidc_enabled(self) -> bool:
        return self.oidc_issuer is not None

    def require(self, *names: str) -> None:
        """Raise ConfigError naming every missing setting (all of REQUIRED by default)."""
        missing = [f"BRIDGE_{name.upper()} is not set" for name in (names or REQUIRED) if not getattr(self, name)]
        if missing:
            raise ConfigError("; ".join(missing))

    def return_url(self, path: str) -> str:
        """An absolute URL on this bridge, for hosted pages to come back to."""
        return f"{self.public_url}/{path.lstrip('/')}"
