"""The main window: a sidebar of pages, banners, the status line, menus; the flows between them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QEvent, QLocale, QSize, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QMenu,
                               QPushButton, QStackedWidget, QVBoxLayout, QWidget)

from ...services import age, formatting
from ...services.billing_view import warm_formatting
from ...services.error_words import is_connection_words
from ...services.session import Session
from ..common import errors, theme
from ..common.saved_notice import SavedNotice
from ..common.worker import WorkerPool
from ..earnings.earnings_state import Earnings
from ..earnings.page import EarningsPage
from ..plan.billing_actions import BillingActions
from ..plan.billing_state import Billing
from ..plan.invoices import InvoicesPage
from ..plan.overview import OverviewPage
from ..plan.plan_change import PlanChangeFlow
from ..plan.plans import PlansPage
from .flows import FlowsRow
from .help_menu import HelpMenu
from .hosted import EventListener, HostedFlow
from .theme_menu import add_theme_menu
from .tray import Tray
from .waiting_banner import WaitingBanner

if TYPE_CHECKING:
    from .sign_in import SignInDialog

PAGES = ("overview", "plans", "invoices", "earnings")


class MainWindow(QMainWindow):
    ready = Signal()   # signed in and showing live data
    sign_in_shown = Signal()
    session_bound = Signal()   # signed in (restored or just now), before the data arrives

    def __init__(self, session: Session, billing: Billing, pool: WorkerPool, earnings: Earnings, *,
                 clock: Callable[[], float] = time.time, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.billing, self.pool, self.earnings, self.clock = session, billing, pool, earnings, clock
        self.setWindowTitle("Billing Manager")
        self.setWindowIcon(theme.icon("app"))
        self.hosted = HostedFlow(billing, self._events, parent=self)
        earnings.changed.connect(self.hosted.notice_change)
        self.live_events = EventListener(self._events, self, max_delay=10.0)   # every change, while signed in
        self.live_events.lost.connect(billing.connection_lost)   # offline within seconds, not at the next click
        self.live_events.connected.connect(billing.connection_back)
        self.live_events.topics.connect(earnings.on_topics)
        self.live_events.topics.connect(billing.on_topics)
        self.live_events.connected.connect(earnings.refresh)
        billing.loaded.connect(earnings.refresh)   # the bridge answered: earnings follow the billing refresh
        billing.status_changed.connect(lambda: earnings.set_offline(billing.offline))
        self.tray = Tray(billing, self)
        earnings.news.connect(self.tray.tell)
        self.tray.show_window.connect(self._raise)
        self.sign_in_dialog: SignInDialog | None = None
        self._store_note_shown = False
        self._shut_down = False

        self.overview = OverviewPage(billing)
        self.plans = PlansPage(billing)
        self.invoices = InvoicesPage(billing, default_folder=self._download_folder,
                                     remember_folder=self._remember_folder)
        self.overview.open_portal.connect(self.open_portal)
        self.flows = FlowsRow(billing, earnings)
        self.overview.add_section(self.flows)
        self.flows.show_earnings.connect(lambda: self.show_page("earnings"))
        self.earnings_page = EarningsPage(earnings, default_folder=self._download_folder)
        self.earnings_page.start_selling.connect(self.open_onboarding)
        self.earnings_page.finish_setup.connect(self.open_onboarding)
        self.earnings_page.open_dashboard.connect(self.open_dashboard)
        self.overview.choose_plan.connect(lambda: self.show_page("plans"))
        self.plan_change = PlanChangeFlow(billing, self)
        self.plan_change.busy.connect(self.plans.set_busy)
        self.plan_change.changed.connect(lambda words: self.statusBar().showMessage(words, 10_000))
        self.plans.switch_requested.connect(self.plan_change.start)
        self.plans.subscribe_requested.connect(self.open_checkout)
        self.actions = BillingActions(billing, self)
        self.actions.done.connect(lambda words: self.statusBar().showMessage(words, 10_000))
        self.actions.update_card.connect(lambda: self.open_portal("payment_method_update"))
        self.actions.checkout_closed.connect(self.plans.checkout_closed)
        self.actions.checkout_closed.connect(self.hosted.end)
        self.plan_change.declined.connect(self.actions.offer_card_update)
        self.overview.pay_invoice.connect(self.actions.pay_now)
        self.overview.keep_plan.connect(self.actions.keep_plan)
        self.plans.keep_requested.connect(self.actions.keep_plan)
        self.plans.abandon_requested.connect(self.actions.abandon_checkout)

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setIconSize(QSize(theme.em(self, 1.1), theme.em(self, 1.1)))
        self.stack = QStackedWidget()
        for name, page in zip(PAGES, (self.overview, self.plans, self.invoices, self.earnings_page)):
            item = QListWidgetItem(theme.icon(name), name.capitalize(), self.sidebar)
            item.setSizeHint(QSize(0, theme.em(self, 2.2)))
            self.stack.addWidget(page)
        self.sidebar.setFixedWidth(theme.em(self, 9))
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.stack.currentChanged.connect(self._page_shown)
        self.sidebar.setCurrentRow(0)

        self.banner, self.banner_text = self._banner("banner", "warning", closable=True)
        self.waiting_banner = WaitingBanner(self.hosted)
        self.hosted.gave_up.connect(lambda: self.statusBar().showMessage(
            "Stopped waiting for Stripe: nothing changed. Refresh (F5) if you finish there later.", 15_000))
        errors.reporter().message.connect(self.show_error)

        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addWidget(self.waiting_banner)
        column.addWidget(self.stack, 1)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.sidebar)
        row.addWidget(right, 1)
        self.setCentralWidget(central)

        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)   # notes shown for a while never hide it
        self.saved_notice = SavedNotice()
        self.statusBar().insertPermanentWidget(0, self.saved_notice, 1)
        self.saved_notice.failed.connect(lambda words: self.statusBar().showMessage(words, 10_000))
        self.invoices.downloaded.connect(self.saved_notice.saved)
        self.invoices.exported.connect(lambda path: self.saved_notice.saved([path]))
        self.earnings_page.saved.connect(self.saved_notice.saved)
        self.age_timer = QTimer(self)
        self.age_timer.setInterval(30_000)
        self.age_timer.timeout.connect(self.update_status)
        self._menus()
        billing.status_changed.connect(self.update_status)
        billing.changed.connect(self.update_status)
        billing.loaded.connect(self.ready.emit)
        billing.signed_out.connect(self._token_refused)
        self.resize(theme.em(self, 58), theme.em(self, 36))
        self.update_status()

    # ----- building
    def _banner(self, name: str, icon: str, *, closable: bool) -> tuple[QFrame, QLabel]:
        frame = QFrame()
        frame.setObjectName(name)
        layout = QHBoxLayout(frame)
        pad = theme.em(frame, 0.4)
        layout.setContentsMargins(pad * 2, pad, pad, pad)
        icon_label = QLabel(frame)
        size = theme.em(frame, 1.1)
        icon_label.setPixmap(theme.icon(icon).pixmap(size, size))
        text = QLabel(frame)
        text.setWordWrap(True)
        layout.addWidget(icon_label)
        layout.addWidget(text, 1)
        if closable:
            close = QPushButton("Dismiss", frame)
            close.clicked.connect(frame.hide)
            layout.addWidget(close)
        frame.hide()
        return frame, text

    def _menus(self) -> None:
        bar = self.menuBar()
        app_menu = bar.addMenu("&Billing")
        self.refresh_action = QAction(theme.icon("refresh"), "&Refresh", self)
        self.refresh_action.setShortcuts([QKeySequence("F5"), QKeySequence("Ctrl+R")])
        self.refresh_action.triggered.connect(self.refresh)
        app_menu.addAction(self.refresh_action)
        app_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcuts([QKeySequence("Ctrl+Q")])   # setShortcut() would load the Qt namespace
        quit_action.triggered.connect(self.close)
        app_menu.addAction(quit_action)
        view_menu = bar.addMenu("&View")
        self.page_actions = []
        for n, name in enumerate(PAGES, start=1):
            action = QAction(theme.icon(name), name.capitalize(), self)
            action.setShortcuts([QKeySequence(f"Ctrl+{n}")])
            action.triggered.connect(lambda _=False, name=name: self.show_page(name))
            view_menu.addAction(action)
            self.page_actions.append(action)
        self._theme_menu(view_menu)
        self.account_menu = bar.addMenu("&Account")
        self.account_label = QAction("Not signed in", self)
        self.account_label.setEnabled(False)
        self.account_menu.addAction(self.account_label)
        self.sign_out_action = QAction(theme.icon("sign-out"), "Sign &out", self)
        self.sign_out_action.triggered.connect(self.sign_out)
        self.account_menu.addAction(self.sign_out_action)
        self.sign_in_action = QAction(theme.icon("account"), "Sign &in…", self)
        self.sign_in_action.triggered.connect(lambda: self.show_sign_in())
        self.account_menu.addAction(self.sign_in_action)
        self._update_account_menu()
        self.help_menu = HelpMenu(self, bar.addMenu("&Help"))

    def _theme_menu(self, view_menu: QMenu) -> None:
        view_menu.addSeparator()
        self.theme_actions = add_theme_menu(view_menu, self._theme_chosen)

    def _theme_chosen(self, mode: str) -> None:
        """Remember the owner's theme for the next start (saved off the GUI thread)."""
        self.session.config.theme = mode
        config, paths = self.session.config, self.session.paths
        self.pool.start(lambda: config.save(paths), on_error=lambda exc: None)

    def _update_account_menu(self) -> None:
        signed_in = self.billing.client is not None
        self.account_label.setText(f"Signed in as {self.session.email}" if signed_in else "Not signed in")
        self.account_menu.setTitle(self.session.email if signed_in else "&Account")
        self.sign_out_action.setVisible(signed_in)
        self.sign_in_action.setVisible(not signed_in)
        self.refresh_action.setEnabled(signed_in)

    # ----- start, sign in, sign out
    def start(self, sign_in: Callable[[], bool] | None = None) -> None:
        """Restore the saved sign-in (or run sign_in, e.g. the demo's) off the GUI thread, then show data."""
        self.age_timer.start()
        restore = sign_in or self.session.restore

        def sign_in_after_paint(_found: bool = False) -> None:
            # the keyring and the HTTP client (httpx) load on a worker, but while the GUI thread fills
            # and paints the cached view they would only contend with it: they start on the next turn
            QTimer.singleShot(0, self, lambda: self._restore(restore))

        if sign_in is None and self.session.email and self.session.bridge_url:
            self.billing.bind(None, self.session.owner_key)   # the last good data first, then the keyring
            self.earnings.bind(None, self.session.owner_key)
            self.billing.load_cached(on_done=lambda found: (self.earnings.load_cached(), sign_in_after_paint(found)))
            return
        self._restore(restore)

    def _restore(self, restore: Callable[[], bool]) -> None:
        if self._shut_down:
            return
        self.tray.start()
        self.pool.start(restore, on_done=self._started, on_error=self._start_failed)
        if not formatting.loaded():
            locale = QLocale().name()
            self.pool.start(lambda: warm_formatting(locale), on_done=lambda _: self.update_status())

    def _started(self, signed_in: bool) -> None:
        if signed_in:
            self._bind()
        else:
            self.billing.clear()
            self.show_sign_in()

    def _start_failed(self, exc: BaseException) -> None:
        self.billing.clear()
        errors.report(exc)
        self.show_sign_in()

    def _bind(self) -> None:
        assert self.session.client is not None
        if self.billing.owner_key == self.session.owner_key and self.billing.client is None:
            self.billing.attach(self.session.client)
            self.earnings.attach(self.session.client)
        else:
            self.billing.bind(self.session.client, self.session.owner_key)
            self.earnings.bind(self.session.client, self.session.owner_key)
            self.tray.reset()
            self.billing.load_cached()
            self.earnings.load_cached()
        self.live_events.start()
        self._update_account_menu()
        self.billing.refresh()
        store = self.session.store
        if not store.persistent and not self._store_note_shown:
            self._store_note_shown = True
            self.statusBar().showMessage(store.description, 15_000)
        self.session_bound.emit()

    def show_sign_in(self, message: str = "") -> SignInDialog:
        if self.sign_in_dialog is not None and self.sign_in_dialog.isVisible():
            return self.sign_in_dialog
        from .sign_in import SignInDialog  # most starts never need it: loaded when first shown
        store = self.session.store
        note = "" if store.persistent or self._store_note_shown else store.description
        self._store_note_shown = self._store_note_shown or bool(note)   # said once per run is enough
        dialog = SignInDialog(self.session, self.pool, store_note=note, parent=self)
        if message:
            dialog.show_error(message)
        dialog.signed_in.connect(lambda _: self._bind())
        self.sign_in_dialog = dialog
        dialog.open()
        self.sign_in_shown.emit()
        return dialog

    def sign_out(self) -> None:
        session, owner_key, earnings_cache = self.session, self.billing.owner_key, self.earnings.cache

        def sign_out() -> None:
            session.sign_out()
            session.cache.delete(owner_key)
            earnings_cache.delete(owner_key)

        self.hosted.end()
        self.live_events.stop()
        self.billing.clear()
        self.earnings.clear()
        self.banner.hide()
        self._update_account_menu()
        self.pool.start(sign_out, on_done=lambda _: self.show_sign_in())

    def _token_refused(self, words: str) -> None:
        self.hosted.end()
        self.live_events.stop()
        self.billing.clear()
        self.earnings.clear()
        self._update_account_menu()
        self.pool.start(self.session.forget_token)
        self.show_sign_in(words)

    # ----- actions
    def refresh(self) -> None:
        self.billing.refresh()

    def show_page(self, name: str) -> None:
        self.sidebar.setCurrentRow(PAGES.index(name))

    def _page_shown(self, index: int) -> None:
        page = self.stack.widget(index)
        if page is self.invoices:
            self.invoices.attach_view()
        elif page is self.plans:
            self.plans.fill_if_stale()
        elif page is self.earnings_page:
            self.earnings_page.build()

    def current_page(self) -> str:
        return PAGES[self.stack.currentIndex()]

    def open_portal(self, flow: str | None = None) -> None:
        client = self.billing.client
        if client is not None:
            self.hosted.open(lambda: client.portal_url(flow))

    def open_checkout(self, plan: str) -> None:
        """Checkout in the browser; the other plans wait until it is paid or abandoned."""
        client = self.billing.client
        if client is not None:
            self.plans.checkout_opened(plan)
            self.hosted.open(lambda: client.checkout_url(plan))

    def open_onboarding(self) -> None:
        """Stripe's hosted onboarding (the bridge makes the account first if there is none); the wait ends
        when the account's status or requirements change."""
        client = self.billing.client
        if client is not None:
            self.hosted.open(client.onboarding_url, key=self._connect_key)

    def _connect_key(self) -> object:
        account = self.earnings.account
        return None if account is None else (account.status, account.requirements, account.charges_enabled,
                                             account.payouts_enabled)

    def open_dashboard(self) -> None:
        client = self.billing.client
        if client is not None:
            self.pool.start(client.dashboard_url, on_done=self._open_dashboard_url)

    def _open_dashboard_url(self, url: str) -> None:
        if not QDesktopServices.openUrl(QUrl(url)):
            self.show_error(f"Your browser did not open. The Stripe dashboard's link (valid for a few minutes): {url}")

    def show_error(self, text: str) -> None:
        from PySide6.QtCore import Qt  # looked up late: see theme's QT_NAMESPACE_NOTE
        self.banner_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)   # a link can be copied
        self.banner_text.setText(text)
        self.banner.show()

    # ----- status line
    def status_text(self) -> str:
        billing = self.billing
        if not billing.owner_key:
            return "Not signed in"
        if billing.waiting:
            return "Waiting for Stripe…"
        if billing.offline:
            why = f" {billing.last_error}" if billing.last_error else ""
            if billing.updated_at:
                shown = formatting.clock_time(billing.updated_at, QLocale().name())
                return f"Offline: showing data from {shown}.{why} Retrying…"
            return f"Offline: no saved data yet.{why} Retrying…"
        if billing.updated_at is None:
            return "Loading…"
        seconds = max(0.0, self.clock() - billing.updated_at)
        if not (formatting.loaded() or seconds < 60):   # the cached view came without babel: it loads next
            return "Saved data; refreshing…" if not billing.live else "Updated"
        words = f"Updated {age(seconds)}"
        if not billing.live:
            return f"Saved data: {words.lower()}; refreshing…"
        return words

    def update_status(self) -> None:
        self.status_label.setText(self.status_text())
        if self.billing.offline or self.billing.waiting:
            self.statusBar().clearMessage()   # these matter more than a passing note
        if not self.billing.offline and is_connection_words(self.banner_text.text()):
            self.banner.hide()

    # ----- window events
    def _events(self, stop: threading.Event, on_connect: Callable[[], None]) -> Iterator[list[str]]:
        """The hosted flow's event source: the signed-in owner's stream (read on the listener's thread)."""
        client = self.billing.client
        if client is None:
            return iter(())
        return client.events(stop, on_connect=on_connect)

    def _download_folder(self) -> Path:
        configured = self.session.config.download_dir
        return Path(configured) if configured else Path(self.session.paths.downloads_dir)

    def _remember_folder(self, folder: Path) -> None:
        self.session.config.download_dir = str(folder)
        config, paths = self.session.config, self.session.paths
        self.pool.start(lambda: config.save(paths), on_error=lambda exc: None)

    def _raise(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ActivationChange:
            if self.isActiveWindow():
                self.hosted.window_activated()
            else:
                self.hosted.window_deactivated()
        super().changeEvent(event)

    def shutdown(self) -> None:
        """Stop timers, the event stream and pending work: nothing keeps running after the window."""
        self._shut_down = True
        self.age_timer.stop()
        self.statusBar().clearMessage()
        self.hosted.shutdown()
        self.live_events.stop(5.0)
        self.billing.close()
        self.earnings.close()
        self.invoices.shutdown()
        self.earnings_page.shutdown()
        self.tray.hide()
        self.saved_notice.dismiss()
        self.pool.wait_for_done()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
