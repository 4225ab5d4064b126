"""Device proofs: OWASP's "device cookie" for a desktop app.

At each successful sign-in the bridge hands the device a proof naming the owner's email and a random
id, signed with HMAC-SHA256 under BRIDGE_DEVICE_PROOF_SECRET (itsdangerous, with a timestamp so it
expires after BRIDGE_DEVICE_PROOF_DAYS). The desktop keeps it in its secret store and presents it at
its next sign-in. A valid proof for that email takes the attempt out of the email's lockout (the one a
stranger's wrong guesses trigger) and counts it against the proof's own id instead; the limits per
client address still apply. A proof for another email, a tampered or an expired one is no proof.
"""

from __future__ import annotations

import hashlib
import secrets

from itsdangerous import BadData, URLSafeTimedSerializer

from server_bridge.settings import Settings

_SALT = "billing-bridge device proof"


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    if settings.device_proof_secret is None:
        raise RuntimeError("device proofs need settings.device_proof_secret (create_app fills it in)")
    return URLSafeTimedSerializer(settings.device_proof_secret.get_secret_value(), salt=_SALT,
                                  signer_kwargs={"digest_method": hashlib.sha256})


def issue(settings: Settings, email: str) -> str:
    """A new proof for this (normalized) email."""
    return _serializer(settings).dumps({"email": email, "id": secrets.token_urlsafe(16)})


def proven_id(settings: Settings, proof: str | None, email: str) -> str | None:
    """The proof's id when it is a valid, unexpired proof for `email`; otherwise None."""
    if not proof:
        return None
    try:
        payload = _serializer(settings).loads(proof, max_age=settings.device_proof_days * 86400)
    except BadData:
        return None
    if not isinstance(payload, dict) or payload.get("email") != email or not isinstance(payload.get("id"), str):
        return None
    return payload["id"]
