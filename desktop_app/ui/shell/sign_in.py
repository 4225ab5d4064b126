"""Sign in: through the system browser by default (services.oauth), or with the app's own email and
password form where the settings allow it (the demo). What went wrong is shown right in the dialog."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QStackedWidget, QVBoxLayout, QWidget)

from ...services import BridgeUnreachable, SignIn, addresses
from ...services.error_words import describe
from ...services.oauth import Redirect
from ...services.session import Session
from ..common import theme
from ..common.worker import WorkerPool
from .browser_sign_in import BrowserFlow

OPENED = "Your browser shows the billing server's sign-in page. Sign in there, then come back here."
NOT_OPENED = ("Your browser did not open. Choose \u201cCopy link\u201d and open the link in your browser, "
              "or \u201cOpen the browser again\u201d.")


class SignInDialog(QDialog):
    signed_in = Signal(object)   # SignIn

    def __init__(self, session: Session, pool: WorkerPool, *, store_note: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.pool = pool
        self.password_allowed = session.config.password_sign_in
        self.flow: BrowserFlow | None = None
        self._busy = False
        self.setWindowTitle("Sign in to Billing Manager")
        outer = QVBoxLayout(self)
        self.pages = QStackedWidget(self)
        outer.addWidget(self.pages)
        self.form_page = self._build_form(store_note)
        self.waiting_page = self._build_waiting()
        self.pages.addWidget(self.form_page)
        self.pages.addWidget(self.waiting_page)
        self.setMinimumWidth(theme.em(self, 24))
        for edit in (self.url_edit, self.email_edit, self.password_edit):
            edit.textChanged.connect(self._update)
        if not session.bridge_url:
            self.url_edit.setFocus()
        elif self.password_allowed:
            (self.password_edit if session.email else self.email_edit).setFocus()
        else:
            self.browser_button.setFocus()
        self._update()

    # ----- the two pages
    def _build_form(self, store_note: str) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(theme.em(self, 0.6))
        heading = QLabel("Sign in", page)
        heading.setFont(theme.font(heading, 1.4, bold=True))
        layout.addWidget(heading)
        form = QFormLayout()
        self.url_edit = QLineEdit(self.session.bridge_url, page)
        self.url_edit.setPlaceholderText("https://billing.example.com")
        form.addRow("Billing server", self.url_edit)
        layout.addLayout(form)
        self.browser_note = QLabel("Billing Manager opens your browser, where you sign in with your account.", page)
        self.browser_note.setObjectName("muted")
        self.browser_note.setWordWrap(True)
        layout.addWidget(self.browser_note)
        self.browser_button = QPushButton("Sign in with your browser", page)
        self.browser_button.setObjectName("" if self.password_allowed else "primary")
        self.browser_button.clicked.connect(self.start_browser)
        layout.addWidget(self.browser_button)

        self.password_box = QWidget(page)
        password_form = QFormLayout(self.password_box)
        password_form.setContentsMargins(0, theme.em(self, 0.4), 0, 0)
        password_note = QLabel("Or with your email and password:", self.password_box)
        password_note.setObjectName("muted")
        password_form.addRow(password_note)
        self.email_edit = QLineEdit(self.session.email, self.password_box)
        self.email_edit.setPlaceholderText("you@example.com")
        self.password_edit = QLineEdit(self.password_box)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        password_form.addRow("Email", self.email_edit)
        password_form.addRow("Password", self.password_edit)
        layout.addWidget(self.password_box)
        self.password_box.setVisible(self.password_allowed)

        self.error_label = QLabel("", page)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.store_label = QLabel(store_note, page)
        self.store_label.setObjectName("muted")
        self.store_label.setWordWrap(True)
        self.store_label.setVisible(bool(store_note))
        layout.addWidget(self.store_label)
        buttons = QDialogButtonBox(page)
        self.sign_in_button = buttons.addButton("Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setObjectName("primary")
        self.sign_in_button.setVisible(self.password_allowed)
        self.sign_in_button.setDefault(self.password_allowed)
        self.browser_button.setDefault(not self.password_allowed)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        return page

    def _build_waiting(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(theme.em(self, 0.6))
        heading = QLabel("Finish signing in in your browser", page)
        heading.setFont(theme.font(heading, 1.4, bold=True))
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.waiting_label = QLabel(OPENED, page)
        self.waiting_label.setWordWrap(True)
        layout.addWidget(self.waiting_label)
        self.waiting_status = QLabel("Waiting for your browser\u2026", page)
        self.waiting_status.setObjectName("muted")
        self.waiting_status.setWordWrap(True)
        layout.addWidget(self.waiting_status)
        layout.addStretch(1)
        row = QHBoxLayout()
        self.open_again_button = QPushButton("Open the browser again", page)
        self.open_again_button.setObjectName("primary")
        self.open_again_button.clicked.connect(self.open_again)
        self.copy_button = QPushButton("Copy link", page)
        self.copy_button.clicked.connect(self.copy_link)
        self.cancel_wait_button = QPushButton("Cancel", page)
        self.cancel_wait_button.clicked.connect(self.cancel_browser)
        row.addWidget(self.open_again_button)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        row.addWidget(self.cancel_wait_button)
        layout.addLayout(row)
        return page

    @property
    def waiting(self) -> bool:
        return self.pages.currentWidget() is self.waiting_page

    def _update(self) -> None:
        has_url = bool(self.url_edit.text().strip())
        self.browser_button.setEnabled(has_url and not self._busy)
        ready = has_url and bool(self.email_edit.text().strip()) and bool(self.password_edit.text())
        self.sign_in_button.setEnabled(ready and not self._busy)

    def _checked_url(self) -> str | None:
        """The typed address, with https:// added when missing; None (and why, shown) when it is not one."""
        try:
            return addresses.typed(self.url_edit.text())
        except addresses.BadAddress as exc:
            self.show_error(exc.message)
            return None

    # ----- the browser
    def start_browser(self) -> None:
        if self._busy or self.flow is not None:
            return
        url = self._checked_url()
        if url is None:
            return
        try:
            self.flow = BrowserFlow(url, self)
        except OSError as exc:   # no loopback port to listen on
            self.show_error(f"Could not wait for the browser on this computer: {exc.strerror or exc}")
            return
        self.flow.redirected.connect(self._redirected)
        self.error_label.hide()
        self.waiting_status.setText("Waiting for your browser\u2026")
        self.open_again_button.setEnabled(True)
        self.copy_button.setEnabled(True)
        self.pages.setCurrentWidget(self.waiting_page)
        self._open()

    def _open(self) -> None:
        flow = self.flow
        if flow is None:
            return
        opened = flow.open_browser()
        if self.flow is flow and self.waiting:
            self.waiting_label.setText(OPENED if opened else NOT_OPENED)

    def open_again(self) -> None:
        self._open()

    def copy_link(self) -> None:
        if self.flow is not None:
            self.flow.copy_link()
            self.waiting_status.setText("Link copied. Paste it into your browser\u2019s address bar.")

    def cancel_browser(self) -> None:
        """Stop waiting and go back to the first page (the dialog stays open)."""
        self._end_flow()
        self._busy = False
        self.pages.setCurrentWidget(self.form_page)
        self._update()

    def _end_flow(self) -> None:
        flow, self.flow = self.flow, None
        if flow is not None:
            flow.redirected.disconnect(self._redirected)
            flow.close(self.pool)
            flow.deleteLater()

    def _redirected(self, redirect: Redirect) -> None:
        flow = self.flow
        if flow is None or self._busy:
            return
        if redirect.code is None:
            self.cancel_browser()
            self.show_error(f"The sign-in did not finish: {redirect.description}")
            return
        self._busy = True
        self.waiting_status.setText("Signing in\u2026")
        self.open_again_button.setEnabled(False)
        self.copy_button.setEnabled(False)
        session, url, code = self.session, flow.sign_in.bridge_url, redirect.code
        verifier, redirect_uri = flow.sign_in.verifier, flow.sign_in.redirect_uri
        self._end_flow()
        self.pool.start(lambda: session.sign_in_with_code(url, code, verifier, redirect_uri),
                        on_done=self._done, on_error=self._browser_failed)

    def _browser_failed(self, exc: BaseException) -> None:
        self.cancel_browser()
        self.show_error(exc.message if isinstance(exc, BridgeUnreachable) else describe(exc))

    # ----- the password form
    def submit(self) -> None:
        if self._busy or not self.password_allowed:
            return
        url = self._checked_url()
        if url is None:
            return
        email, password = self.email_edit.text().strip(), self.password_edit.text()
        self._busy = True
        self._update()
        self.error_label.setText("Signing in\u2026")
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
        if not self.password_allowed:
            self.browser_button.setFocus()
        else:
            (self.password_edit if self.email_edit.text() else self.email_edit).setFocus()

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def done(self, result: int) -> None:   # accept, reject, Escape, closing the window
        self._end_flow()
        super().done(result)
