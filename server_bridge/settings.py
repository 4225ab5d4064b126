"""The bridge's configuration, read from BRIDGE_* environment variables.

Built once by the caller (cli, stack, tests) and handed to create_app: nothing reads the
environment at import time, so two bridges with different settings can live in one process.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Annotated, Any, Literal
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
    # Sign-in throttling (docs/security.md): failed sign-ins allowed per window for one email from
    # devices without a device proof, for one device proof, and for one (client address, email) pair;
    # and for one client address whatever the emails.
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    # Signs the device proofs handed out at sign-in; several bridges on one database need the same one.
    # Unset: a random secret for this process (proofs then last until a restart).
    device_proof_secret: SecretStr | None = None
    device_proof_days: int = Field(default=365, ge=1)
    # Password checks (argon2id, 64 MiB each) running at once, and how long a sign-in waits for a turn
    # before it is answered 503 busy.
    password_checks_at_once: int = Field(default=2, ge=1)
    password_check_wait_seconds: float = Field(default=2.0, gt=0)
    # Behind a reverse proxy: the header it writes the client's address in (X-Forwarded-For, X-Real-IP or
    # Forwarded) and the proxies' addresses or networks. The header is read only from those peers.
    trusted_proxy_header: str | None = None
    trusted_proxies: Annotated[list[ipaddress.IPv4Network | ipaddress.IPv6Network], NoDecode] = Field(
        default_factory=list)
    downgrade_at_period_end: bool = True
    # What the Stripe account's retry settings do once the last retry of a renewal fails (Dashboard:
    # Billing > Revenue recovery > Retries): the desktop tells a past-due owner.
    if_unpaid: Literal["cancel", "unpaid", "past_due"] = "cancel"
    # Every request answers within request_deadline seconds, below the desktop's 10 s: a Stripe call's
    # timeout is cut to what is left of it. The defaults let a call and its retry fit inside it.
    request_deadline: float = Field(default=8.5, gt=0)
    stripe_timeout: float = Field(default=4.0, gt=0)
    stripe_max_retries: int = Field(default=1, ge=0)
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

    # Request bodies, in bytes: a larger one answers 413 payload_too_large before it is read
    # (limits.BodyLimits). A sign-in with every field at its longest, in four-byte UTF-8, takes under 6 KiB;
    # Stripe's events are far smaller than the webhook's; the desktop's other bodies are a few hundred bytes.
    sign_in_body_limit: int = Field(default=8 * 1024, ge=1024)
    webhook_body_limit: int = Field(default=1024 * 1024, ge=64 * 1024)
    body_limit: int = Field(default=16 * 1024, ge=1024)
    # How deep a webhook's JSON may nest (Stripe's events nest about a dozen levels).
    json_max_depth: int = Field(default=64, ge=16, le=500)
    # Event streams (GET /v1/events): open at once per sign-in and per owner (per bridge instance), and how
    # often the tokens of open streams are checked, so a stream ends within that long of its token.
    streams_per_token: int = Field(default=2, ge=1)
    streams_per_owner: int = Field(default=10, ge=1)
    stream_check_seconds: float = Field(default=5.0, gt=0)

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

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: Any) -> Any:
        """"10.0.0.0/8, 192.0.2.7" from the environment; an address alone is a network of one."""
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return [ipaddress.ip_network(part, strict=False) if isinstance(part, str) else part for part in value]

    @field_validator("trusted_proxy_header", mode="before")
    @classmethod
    def _blank_header_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("stripe_secret_key", "device_proof_secret", "smtp_host", "smtp_username", "smtp_password",
                     "smtp_from", "oidc_issuer", "oidc_client_id", "oidc_client_secret", mode="before")
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

    def stripe_worst_case_seconds(self) -> float:
        """How long one Stripe call can take with every try timing out: the SDK waits at most
        min(0.5 s x 2^(n-1), 5 s) before its n-th retry."""
        waits = sum(min(0.5 * 2 ** (n - 1), 5.0) for n in range(1, self.stripe_max_retries + 1))
        return self.stripe_timeout * (self.stripe_max_retries + 1) + waits

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
