"""Sign in: bridge URL, email, password; what went wrong is shown right in the dialog."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ..services import BridgeUnreachable, SignIn, addresses
from . import theme
from .errors import describe
from .session import Session
from .worker import WorkerPool


class SignInDialog(QDialog):
    signed_in = Signal(object)   # SignIn

    def __init__(self, session: Session, pool: WorkerPool, *, store_note: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.pool = pool
        self.setWindowTitle("Sign in to Billing Manager")
        layout = QVBoxLayout(self)
        layout.setSpacing(theme.em(self, 0.6))
        heading = QLabel("Sign in", self)
        heading.setFont(theme.font(heading, 1.4, bold=True))
        layout.addWidget(heading)
        form = QFormLayout()
        self.url_edit = QLineEdit(session.bridge_url, self)
        self.url_edit.setPlaceholderText("https://billing.example.com")
        self.email_edit = QLineEdit(session.email, self)
        self.email_edit.setPlaceholderText("you@example.com")
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Billing server", self.url_edit)
        form.addRow("Email", self.email_edit)
        form.addRow("Password", self.password_edit)
        layout.addLayout(form)
        self.error_label = QLabel("", self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.store_label = QLabel(store_note, self)
        self.store_label.setObjectName("muted")
        self.store_label.setWordWrap(True)
        self.store_label.setVisible(bool(store_note))
        layout.addWidget(self.store_label)
        buttons = QDialogButtonBox(self)
        self.sign_in_button = buttons.addButton("Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setObjectName("primary")
        self.sign_in_button.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(theme.em(self, 22))
        for edit in (self.url_edit, self.email_edit, self.password_edit):
            edit.textChanged.connect(self._update)
        (self.password_edit if session.email else self.url_edit if not session.bridge_url else self.email_edit).setFocus()
        self._busy = False
        self._update()

    def _update(self) -> None:
        ready = all(e.text().strip() for e in (self.url_edit, self.email_edit)) and bool(self.password_edit.text())
        self.sign_in_button.setEnabled(ready and not self._busy)

    def submit(self) -> None:
        if self._busy:
            return
        try:
            url = addresses.typed(self.url_edit.text())   # https:// added when missing
        except addresses.BadAddress as exc:
            self.show_error(exc.message)
            return
        email, password = self.email_edit.text().strip(), self.password_edit.text()
        self._busy = True
        self._update()
        self.error_label.setText("Signing in…")
        self.error_label.show()
        self.pool.start(lambda: self.session.sign_in(url, email, password),
                        on_done=self._done, on_error=self._failed)

    def _done(self, signed: SignIn) -> None:
        self._busy = False
        self.password_edit.clear()
        self.signed_in.emit(signed)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.password_edit.selectAll()
        self.password_edit.setFocus()
        self.show_error(exc.message if isinstance(exc, BridgeUnreachable) else describe(exc))
        self._update()

    def use_address(self, url: str) -> None:
        """A billing-manager:// link chose the bridge while this dialog was open."""
        self.url_edit.setText(url)
        (self.password_edit if self.email_edit.text() else self.email_edit).setFocus()

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
