from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from desktop_app.services import KeyringStore, MemoryStore, open_secret_store
from desktop_app.services.secrets import NO_KEYRING, SERVICE


class DictKeyring(KeyringBackend):
    """A working keyring that lives in a dict, as a desktop's keyring would behave."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.passwords:
            raise keyring.errors.PasswordDeleteError("not there")
        del self.passwords[(service, username)]


class LockedKeyring(DictKeyring):
    """A keyring that exists but fails at use, like a locked one or a vanished D-Bus session."""

    def get_password(self, service: str, username: str, *more: str) -> str | None:
        raise keyring.errors.KeyringLocked("the keyring is locked")

    set_password = delete_password = get_password  # type: ignore[assignment]


class PlaintextLikeKeyring(DictKeyring):
    priority = 0.5  # type: ignore[assignment]  # where keyring ranks file-based, insecure backends


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


def test_memory_store() -> None:
    store = MemoryStore()
    assert not store.persistent and store.description == NO_KEYRING
    assert store.get("a") is None
    store.set("a", "token-1")
    store.set("b", "token-2")
    assert store.get("a") == "token-1"
    store.delete("a")
    store.delete("a")
    assert store.get("a") is None and store.get("b") == "token-2"


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), PlaintextLikeKeyring()],
                         ids=["fail", "null", "plaintext-like"])
def test_no_real_keyring_means_memory(restore_keyring: None, backend: KeyringBackend) -> None:
    keyring.set_keyring(backend)
    store = open_secret_store()
    assert isinstance(store, MemoryStore) and not store.persistent
    assert "sign in again next time" in store.description


def test_empty_chainer_means_memory(restore_keyring: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    keyring.set_keyring(chainer.ChainerBackend())
    assert isinstance(open_secret_store(), MemoryStore)


def test_real_keyring_round_trip(restore_keyring: None) -> None:
    backend = DictKeyring()
    keyring.set_keyring(backend)
    store = open_secret_store()
    assert isinstance(store, KeyringStore) and store.persistent
    store.set("http://bridge|pro@demo.test", "secret-token")
    assert backend.passwords == {(SERVICE, "http://bridge|pro@demo.test"): "secret-token"}
    assert store.get("http://bridge|pro@demo.test") == "secret-token"
    store.delete("http://bridge|pro@demo.test")
    store.delete("http://bridge|pro@demo.test")
    assert store.get("http://bridge|pro@demo.test") is None


def test_keyring_failing_at_use_falls_back_to_memory_and_says_so() -> None:
    store = KeyringStore(LockedKeyring())
    assert store.persistent
    store.set("acct", "token")
    assert not store.persistent and "locked" in store.description
    assert store.get("acct") == "token"
    store.delete("acct")
    assert store.get("acct") is None


def test_keyring_failing_at_get() -> None:
    store = KeyringStore(LockedKeyring())
    assert store.get("acct") is None
    assert not store.persistent
