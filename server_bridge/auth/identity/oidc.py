"""Sign-in with the platform's own accounts: OpenID Connect, authorization code flow, with authlib.

The bridge is a confidential client of the platform's identity provider (BRIDGE_OIDC_ISSUER,
_CLIENT_ID, _CLIENT_SECRET). It finds the provider's endpoints and keys by discovery (the issuer's
/.well-known/openid-configuration, whose `issuer` must be the configured one), sends the owner
there with a state, a nonce and a PKCE challenge (S256), and on the way back checks the ID token's
signature against the provider's keys, its issuer, audience, expiry and nonce. A trip's state lives
in the database (oidc_sign_ins), so any bridge instance can take the callback, and is bound to the
browser that started it by a cookie. `verified_owner` maps the verified email to an owner.
"""

from __future__ import annotations

import logging
import secrets
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc.errors import JoseError
from sqlalchemy import delete
from sqlalchemy.orm import Session

from server_bridge.auth import owners
from server_bridge.db.models import OidcSignIn, Owner
from server_bridge.settings import Settings

import authlib.deprecate  # noqa: E402,F401  (installs authlib's own "always" filter first, so ours below wins)

with warnings.catch_warnings():
    # authlib prefers httpx2 and says so when it falls back to httpx, the client the bridge already has.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.starlette_client import OAuth, OAuthError, StarletteOAuth2App

try:
    import httpx2
    HTTP_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPError, httpx2.HTTPError)
except ImportError:
    HTTP_ERRORS = (httpx.HTTPError,)

log = logging.getLogger(__name__)

TRIP_SECONDS = 600     # from the bridge's page to the provider and back
CALLBACK_PATH = "/v1/auth/oidc/callback"


class SignInRefused(Exception):
    """The trip ended without an owner; `title` and `detail` are what the page says."""

    status = 400
    title = "You are not signed in"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ProviderUnavailable(SignInRefused):
    status = 502
    title = "The sign-in service did not answer"


class NotAnOwner(SignInRefused):
    status = 403
    title = "No Billing Manager account"


@dataclass(frozen=True)
class Trip:
    """Where to send the browser, and what the callback must find again."""

    url: str
    state: str
    nonce: str
    code_verifier: str


class Provider:
    """The platform's identity provider, as configured; one per app (its discovery answer is cached)."""

    def __init__(self, settings: Settings, **http: Any) -> None:
        assert settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret
        self.issuer = settings.oidc_issuer
        self.name = settings.oidc_name
        self.client_id = settings.oidc_client_id
        self.redirect_uri = settings.return_url(CALLBACK_PATH)
        client = OAuth().register(
            "platform", client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value(),
            server_metadata_url=f"{self.issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email", "code_challenge_method": "S256", "timeout": 10.0, **http})
        assert isinstance(client, StarletteOAuth2App)
        self.client = client

    async def _metadata(self) -> dict[str, Any]:
        try:
            metadata = await self.client.load_server_metadata()
        except (*HTTP_ERRORS, ValueError) as exc:
            log.warning("OpenID Connect discovery at %s failed: %s", self.issuer, exc)
            raise ProviderUnavailable(f"{self.name} could not be reached. Try again in a moment, "
                                      "or sign in with your Billing Manager password.") from exc
        problem = None
        if str(metadata.get("issuer", "")).rstrip("/") != self.issuer:
            problem = f"names the issuer {metadata.get('issuer')!r}: check BRIDGE_OIDC_ISSUER"
        elif missing := [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not metadata.get(k)]:
            problem = f"has no {', '.join(missing)}"
        if problem:
            self.client.server_metadata.pop("_loaded_at", None)   # read it again next time
            log.error("the discovery document of %s %s", self.issuer, problem)
            raise ProviderUnavailable(f"Signing in with {self.name} is not set up right on this bridge. "
                                      "Tell the platform.")
        return metadata

    async def trip(self) -> Trip:
        """A new authorization request: state, nonce and PKCE verifier are fresh random values."""
        await self._metadata()
        made = await self.client.create_authorization_url(self.redirect_uri)
        return Trip(made["url"], made["state"], made["nonce"], made["code_verifier"])

    async def verified_claims(self, code: str, nonce: str, code_verifier: str) -> Mapping[str, Any]:
        """Trade the code for tokens and return the ID token's claims once every check passed."""
        metadata = await self._metadata()
        try:
            token = await self.client.fetch_access_token(redirect_uri=self.redirect_uri, code=code,
                                                         code_verifier=code_verifier)
        except HTTP_ERRORS as exc:
            log.warning("the token endpoint of %s failed: %s", self.issuer, exc)
            raise ProviderUnavailable(f"{self.name} could not be reached. Try again.") from exc
        except OAuthError as exc:
            log.warning("the token endpoint of %s refused the code: %s", self.issuer, exc)
            raise SignInRefused(f"{self.name} did not confirm who you are. Try again.") from exc
        if "id_token" not in token:
            log.warning("the token endpoint of %s sent no ID token", self.issuer)
            raise SignInRefused(f"{self.name} did not confirm who you are. Try again.")
        options = {"iss": {"essential": True, "value": metadata["issuer"]},
                   "aud": {"essential": True, "value": self.client_id},
                   "sub": {"essential": True}}
        try:
            claims = await self.client.parse_id_token(token, nonce=nonce, claims_options=options)
        except HTTP_ERRORS as exc:
            raise ProviderUnavailable(f"{self.name} could not be reached. Try again.") from exc
        except (JoseError, ValueError) as exc:
            log.warning("an ID token from %s failed verification: %r", self.issuer, exc)
            raise SignInRefused(f"The answer from {self.name} could not be verified. Try again.") from exc
        return dict(claims)


def verified_owner(session: Session, claims: Mapping[str, Any], provider_name: str = "the platform") -> Owner:
    """The owner whose email the provider verified. An unverified, missing or unknown email, or a
    disabled owner, raises NotAnOwner: signing in never creates an account."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise NotAnOwner(f"{provider_name} did not share an email address, so Billing Manager cannot tell "
                         "which account is yours.")
    verified = claims.get("email_verified")
    if not (verified is True or (isinstance(verified, str) and verified.lower() == "true")):
        raise NotAnOwner(f"{provider_name} has not verified {email}. Verify it there, then sign in again.")
    owner = owners.find_owner(session, email)
    if owner is None:
        raise NotAnOwner(f"No Billing Manager account uses {owners.normalize_email(email)}. Ask the platform "
                         "to add you, or sign in with the email your account uses.")
    if owner.disabled:
        raise NotAnOwner("This account has been disabled. Contact the platform.")
    return owner


# Trips in the database --------------------------------------------------------------------------

def save_trip(session: Session, trip: Trip, browser: str, request_id: str) -> None:
    at = owners.now()
    session.execute(delete(OidcSignIn).where(OidcSignIn.expires_at < at))
    session.add(OidcSignIn(state_hash=owners.hash_token(trip.state), browser_hash=owners.hash_token(browser),
                           nonce=trip.nonce, code_verifier=trip.code_verifier, request_id=request_id,
                           created_at=at, expires_at=at + TRIP_SECONDS))
    session.commit()


def take_trip(session: Session, state: str, browser: str | None) -> OidcSignIn:
    """The trip `state` belongs to, removed so the same answer cannot be played twice.

    Raises SignInRefused for an unknown, used or expired state, or one another browser started."""
    found = session.execute(delete(OidcSignIn).where(OidcSignIn.state_hash == owners.hash_token(state))
                            .returning(OidcSignIn)).scalar_one_or_none()
    session.commit()
    if found is None or found.expires_at <= owners.now():
        raise SignInRefused("This sign-in took too long or was already used. Start again from Billing Manager.")
    if browser is None or not secrets.compare_digest(found.browser_hash, owners.hash_token(browser)):
        raise SignInRefused("This sign-in was started in another browser. Start again from Billing Manager.")
    return found
