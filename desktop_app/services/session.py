"""Who is signed in, to which bridge, and where the token lives (Qt-free; run its methods in workers).

app.py builds it with the services; windows and dialogs only call it.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Callable

from . import BridgeError, Cache, Config, Paths, SecretStore, SignIn, owner_key

if TYPE_CHECKING:
    from . import BridgeClient

log = logging.getLogger(__name__)

ClientFactory = Callable[[str, "str | None"], "BridgeClient"]


def device_proof_key(bridge_url: str, email: str) -> str:
    """Where the bridge's device proof for this email is kept in the secret store. It outlives sign-out:
    it says this device signed in before, which is what keeps it out of a stranger-made lockout."""
    return owner_key(bridge_url, email) + "|device-proof"


class Session:
    def __init__(self, *, paths: Paths, config: Config, store: SecretStore | Callable[[], SecretStore], cache: Cache,
                 make_client: ClientFactory) -> None:
        self.paths = paths
        self.config = config
        self._store = store
        self._store_lock = threading.Lock()
        self.cache = cache
        self.make_client = make_client
        self.client: BridgeClient | None = None

    @property
    def store(self) -> SecretStore:
        """Opened on first use, which is restore() on a worker: probing the keyring can take a while."""
        with self._store_lock:
            if callable(self._store):
                self._store = self._store()
            return self._store

    @property
    def email(self) -> str:
        return self.config.email

    @property
    def bridge_url(self) -> str:
        return self.config.bridge_url

    @property
    def owner_key(self) -> str:
        return owner_key(self.config.bridge_url, self.config.email)

    def restore(self) -> bool:
        """Pick up the token saved by an earlier sign-in; False when there is none."""
        store = self.store   # open the keyring here, off the GUI thread, even when nobody signed in yet
        if not (self.config.bridge_url and self.config.email):
            return False
        token = store.get(self.owner_key)
        if not token:
            return False
        self._replace_client(self.make_client(self.config.bridge_url, token))
        return True

    def sign_in(self, bridge_url: str, email: str, password: str) -> SignIn:
        """Sign in, presenting this device's proof for the email if an earlier sign-in left one."""
        proof = self.store.get(device_proof_key(bridge_url.strip().rstrip("/"), email))
        return self._signed_in(bridge_url, lambda client: client.login(email.strip(), password, self.config.device,
                                                                       proof))

    def sign_in_with_code(self, bridge_url: str, code: str, verifier: str, redirect_uri: str) -> SignIn:
        """Redeem a browser sign-in's code (services.oauth) and keep the token as sign_in does."""
        return self._signed_in(bridge_url, lambda client: client.redeem_code(code, verifier, redirect_uri,
                                                                             self.config.device))

    def _signed_in(self, bridge_url: str, call: Callable[[BridgeClient], SignIn]) -> SignIn:
        """Keep what a sign-in gave: the bridge and email in the config, the token and the device proof
        in the secret store, and the signed-in client."""
        bridge_url = bridge_url.strip().rstrip("/")
        client = self.make_client(bridge_url, None)
        try:
            signed = call(client)
        except BaseException:
            client.close()
            raise
        self.config.bridge_url = bridge_url
        self.config.email = signed.email
        self.store.set(self.owner_key, signed.token)
        if signed.device_proof:
            self.store.set(device_proof_key(bridge_url, signed.email), signed.device_proof)
        try:
            self.config.save(self.paths)
        except OSError:
            log.warning("could not save the settings", exc_info=True)
        self._replace_client(client)
        return signed

    def sign_out(self) -> None:
        """Revoke the token at the bridge (best effort) and forget it here; the device proof stays."""
        client, self.client = self.client, None
        if client is not None:
            try:
                client.logout()
            except BridgeError:
                log.info("logout not confirmed by the bridge", exc_info=True)
            client.close()
        if self.config.email:
            self.store.delete(self.owner_key)

    def forget_token(self) -> None:
        """The bridge refused the token: drop it without calling the bridge."""
        if self.config.email:
            self.store.delete(self.owner_key)

    def _replace_client(self, client: BridgeClient) -> None:
        if self.client is not None and self.client is not client:
            self.client.close()
        self.client = client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
