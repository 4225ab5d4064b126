"""One running app per owner: a second start hands its link (or just "show yourself") to the first.

The first instance listens on a QLocalServer named after the owner's settings folder (so each user,
and each --paths-root, has its own); a later start connects with QLocalSocket, sends one line and
exits. This is how a billing-manager:// link opened in the browser reaches the window already open
on Linux and Windows, where the OS starts the app again with the link as its argument.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)
MAX_MESSAGE = 4096          # a link is far shorter; a peer sending more is not one of ours
CONNECT_TIMEOUT_MS = 1000   # a local socket answers at once when a listener is there


def server_name(config_dir: Path) -> str:
    digest = hashlib.sha256(str(Path(config_dir).resolve()).encode("utf-8")).hexdigest()[:16]
    return f"billing-manager-{digest}"


def hand_over(name: str, message: str, timeout_ms: int = CONNECT_TIMEOUT_MS) -> bool:
    """Send message to the running instance; False when none is listening (this one is the first)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    socket.write(message.encode("utf-8")[:MAX_MESSAGE - 1] + b"\n")
    done = socket.waitForBytesWritten(timeout_ms)
    socket.disconnectFromServer()
    if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
        socket.waitForDisconnected(timeout_ms)
    return done


class InstanceServer(QObject):
    """Listens for later starts; received(text) carries each one's link, or "" for a plain start."""

    received = Signal(str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)   # this user only
        self.server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Start listening; a socket file left by a crashed instance is removed first (hand_over found
        nobody there)."""
        if self.server.listen(self.name):
            return True
        QLocalServer.removeServer(self.name)
        if self.server.listen(self.name):
            return True
        log.warning("links cannot reach this window: %s", self.server.errorString())
        return False

    def close(self) -> None:
        self.server.close()
        for socket in list(self._buffers):
            self._drop(socket)

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._finish(s))

    def _read(self, socket: QLocalSocket) -> None:
        if socket not in self._buffers:
            return
        data = self._buffers[socket] + bytes(socket.readAll().data())
        if len(data) > MAX_MESSAGE:
            self._drop(socket)
            return
        self._buffers[socket] = data
        if b"\n" in data:
            self._drop(socket)
            self.received.emit(data.split(b"\n", 1)[0].decode("utf-8", "replace").strip())

    def _finish(self, socket: QLocalSocket) -> None:
        if socket in self._buffers:
            self._read(socket)
            self._drop(socket)

    def _drop(self, socket: QLocalSocket) -> None:
        if self._buffers.pop(socket, None) is not None:
            socket.readyRead.disconnect()      # nothing of ours runs for it any more, even while Qt deletes it
            socket.disconnected.disconnect()
            socket.abort()
            socket.deleteLater()
