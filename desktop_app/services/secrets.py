"""Where the bridge token lives: the OS keyring, or this run's memory when there is none.

Never a plaintext file: on a box without a keyring (headless Linux) the owner is told, and signs in
again next time. `persistent` and `description` are what the UI shows.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # keyring is imported on first use: it costs start-up time the cached window does not need
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

SERVICE = "billing-manager"
NO_KEYRING = "No system keyring found: you will be asked to sign in again next time."


class SecretStore(Protocol):
    persistent: bool
    description: str

    def get(self, account: str) -> str | None: ...
    def set(self, account: str, secret: str) -> None: ...
    def delete(self, account: str) -> None: ...


class MemoryStore:
    """Secrets for this run only."""

    def __init__(self, description: str = NO_KEYRING) -> None:
        self.persistent = False
        self.description = description
        self._secrets: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, account: str) -> str | None:
        with self._lock:
            return self._secrets.get(account)

    def set(self, account: str, secret: str) -> None:
        with self._lock:
            self._secrets[account] = secret

    def delete(self, account: str) -> None:
        with self._lock:
            self._secrets.pop(account, None)


class KeyringStore:
    """The system keyring (service "billing-manager"). If it fails mid-run (locked, D-Bus gone), it falls
    back to memory for the rest of the run and says so through `persistent` and `description`."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        import keyring

        self._backend = backend or keyring.get_keyring()
        self._fallback: MemoryStore | None = None
        self.persistent = True
        self.description = f"Your sign-in is kept in the system keyring ({_backend_name(self._backend)})."

    def _fail(self, exc: Exception) -> MemoryStore:
        if self._fallback is None:
            log.warning("system keyring failed, keeping secrets in memory: %s", exc)
            self._fallback = MemoryStore(
                f"The system keyring failed ({str(exc)[:80] or type(exc).__name__}): "
                "you will be asked to sign in again next time.")
            self.persistent = False
            self.description = self._fallback.description
        return self._fallback

    def get(self, account: str) -> str | None:
        if self._fallback is not None:
            return self._fallback.get(account)
        try:
            return self._backend.get_password(SERVICE, account)
        except Exception as exc:  # noqa: BLE001  a keyring plug-in (D-Bus, secretstorage) may raise anything
            return self._fail(exc).get(account)

    def set(self, account: str, secret: str) -> None:
        if self._fallback is not None:
            self._fallback.set(account, secret)
            return
        try:
            self._backend.set_password(SERVICE, account, secret)
        except Exception as exc:  # noqa: BLE001  a keyring plug-in (D-Bus, secretstorage) may raise anything
            self._fail(exc).set(account, secret)

    def delete(self, account: str) -> None:
        import keyring.errors

        if self._fallback is not None:
            self._fallback.delete(account)
        try:
            self._backend.delete_password(SERVICE, account)
        except keyring.errors.PasswordDeleteError:
            pass
        except Exception as exc:  # noqa: BLE001
            self._fail(exc).delete(account)


def _backend_name(backend: KeyringBackend) -> str:
    try:
        return str(backend.name)
    except Exception:  # a third-party backend's name is not worth a crash
        return type(backend).__name__


def is_real_keyring(backend: KeyringBackend) -> bool:
    """False for keyring's "fail" backend, an empty chainer and anything below priority 1
    (which is where keyring ranks insecure backends such as plaintext files)."""
    from keyring.backends import chainer, fail

    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return False
    try:
        return float(backend.priority) >= 1
    except Exception:
        return False


def open_secret_store() -> SecretStore:
    try:
        import keyring

        backend = keyring.get_keyring()
    except Exception as exc:
        log.warning("no keyring: %s", exc)
        return MemoryStore()
    if not is_real_keyring(backend):
        return MemoryStore()
    return KeyringStore(backend)
