"""`billing-manager`: builds the services and the window; the only place that constructs services."""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from .services import Cache, Config, MemoryStore, Paths, SecretStore, open_secret_store
from .services.earnings_cache import EarningsCache
from .services.session import Session
from .ui.common import errors, theme
from .ui.common.worker import WorkerPool
from .ui.earnings.earnings_state import Earnings
from .ui.plan.billing_state import Billing
from .ui.shell.main_window import PAGES, MainWindow

if TYPE_CHECKING:
    from .services import BridgeClient, DemoBridge
    from .ui.shell.single_instance import InstanceServer

log = logging.getLogger(__name__)
DEMO_PASSWORD = "demo"
DEMO_NOTE = "Demo mode: the sign-in is kept for this run only, on a sandboxed billing server."


@dataclass
class Parts:
    session: Session
    billing: Billing
    pool: WorkerPool
    window: MainWindow

    @property
    def earnings(self) -> Earnings:
        return self.window.earnings

    def close(self) -> None:
        self.window.shutdown()
        self.session.close()


def qt_app(argv: Sequence[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        # Fusion chosen by Qt at construction: app.setStyle() would hand back a QStyle, whose Python enums
        # PySide6 then builds on the first paint's path (theme.apply leaves the style be)
        app = QApplication([*(argv or sys.argv[:1]), "-style", "fusion"])
        app.setProperty(theme.STYLE_PROPERTY, "fusion")
    app.setApplicationName("billing-manager")
    app.setApplicationDisplayName("Billing Manager")
    app.setDesktopFileName("billing-manager")
    pool = QThreadPool.globalInstance()
    pool.setMaxThreadCount(max(4, pool.maxThreadCount()))
    return app


def build(paths: Paths, store: SecretStore | Callable[[], SecretStore], *, bridge_url: str = "",
          config: Config | None = None, page_size: int = 20, retry_delays: Sequence[float] = (2, 4, 8, 15, 30, 60)) -> Parts:
    """Everything one window needs, wired together; nothing here talks to the network yet."""
    config = config or Config.load(paths)
    if bridge_url:
        config.bridge_url = bridge_url.rstrip("/")
    session = Session(paths=paths, config=config, store=store, cache=Cache(paths.cache_dir),
                      make_client=make_client)
    pool = WorkerPool()
    billing = Billing(session.cache, pool=pool, page_size=page_size, retry_delays=retry_delays)
    earnings = Earnings(EarningsCache(paths.cache_dir), pool=pool, page_size=page_size)
    window = MainWindow(session, billing, pool, earnings)
    billing.setParent(window)   # its retry timer ends with the window (and tests can see it)
    earnings.setParent(window)
    pool.setParent(window)
    return Parts(session, billing, pool, window)


def make_client(url: str, token: str | None) -> BridgeClient:
    """Called on a worker thread, so httpx loads there, after the cached view is on screen."""
    from .services import BridgeClient
    return BridgeClient(url, token=token)


def demo_sign_in(session: Session, demo: DemoBridge, email: str) -> Callable[[], bool]:
    """The demo's start-up, run off the GUI thread: start the sandboxed bridge, then sign in."""
    def start() -> bool:
        url = demo.start()
        session.sign_in(url, email, DEMO_PASSWORD)
        return True
    return start


def frozen() -> bool:
    """A built app (PyInstaller): the desktop alone, without the bridge, so without --demo."""
    return bool(getattr(sys, "frozen", False))


class VersionAction(argparse.Action):
    """--version; the metadata is read only when asked (every other start skips it)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from .services import about
        print(f"billing-manager {about.app_version()}")
        parser.exit()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="billing-manager", description="Your site's plan, card and invoices.")
    parser.add_argument("link", nargs="?", default="",
                        help="a billing-manager://connect?bridge=https://... link from your platform's dashboard")
    parser.add_argument("--version", action=VersionAction)
    if not frozen():
        parser.add_argument("--demo", action="store_true", help="start a sandboxed billing server and sign in to it")
        parser.add_argument("--demo-owner", default="pro@demo.test", metavar="EMAIL",
                            help="the demo owner to sign in as (default: pro@demo.test)")
    parser.add_argument("--bridge-url", default="", help="the billing server's address")
    parser.add_argument("--screenshot", type=Path, metavar="PATH",
                        help="save the window as PNG once its data has loaded, then exit")
    parser.add_argument("--self-test", action="store_true",
                        help="start, say which first window showed (the sign-in on a first run), exit 0; with "
                             "--screenshot, save that window")
    parser.add_argument("--page", choices=PAGES, default="overview")
    parser.add_argument("--theme", choices=theme.THEMES, default=None)
    parser.add_argument("--paths-root", type=Path, metavar="DIR", help="keep settings and cache under DIR")
    args = parser.parse_args(argv)
    args.demo = getattr(args, "demo", False)
    return args


def page_loaded(window: MainWindow) -> bool:
    """Whether the page on screen shows live data: Earnings loads after the plan, and its tables after that."""
    if window.current_page() != "earnings":
        return True
    page = window.earnings_page
    account = window.earnings.account
    if not (window.earnings.live and page.built and account is not None):
        return False
    if account.has_account and account.sales_import is not None and account.sales_import.state != "done":
        return False   # the bridge is still importing the owner's past sales (on first sight)
    return all(not model.loading and (model.rowCount() > 0 or not model.has_more)   # a first page, or none to come
               for model in (page.sales.model, page.payouts.model))


def take_screenshot(window: MainWindow, path: Path, app: QApplication, timeout_ms: int = 90_000) -> None:
    """Save window.grab() once live data is on the page shown and exit 0; exit 1 if that never happens."""
    taken: list[bool] = []

    def grab() -> None:
        if taken:
            return
        taken.append(True)
        path.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(path))
        app.exit(0 if ok else 1)

    poll = QTimer(window)
    poll.setInterval(100)

    def check() -> None:
        if page_loaded(window):
            poll.stop()
            QTimer.singleShot(150, grab)

    poll.timeout.connect(check)

    def failed(*_: object) -> None:
        log.error("no data to take a screenshot of")
        app.exit(1)

    window.ready.connect(poll.start)
    QTimer.singleShot(timeout_ms, window, failed)
    window.billing.signed_out.connect(failed)
    window.sign_in_shown.connect(failed)


def say(line: str) -> None:
    """Print for the self-test's caller; a closed pipe (or no console) must not keep the app from exiting."""
    try:
        print(line, flush=True)
    except (OSError, ValueError):
        pass


def self_test(window: MainWindow, path: Path | None, app: QApplication, timeout_ms: int = 60_000) -> None:
    """Exit 0 once the first window is up and say which: the built app's check that it starts."""
    def shown(what: str, widget: Callable[[], QWidget]) -> None:
        code = 0
        try:
            say(f"self-test: {what}; billing server: {window.session.bridge_url or 'none'}")
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                code = 0 if widget().grab().save(str(path)) else 1
        except OSError:
            code = 1
        finally:
            app.exit(code)

    def sign_in() -> None:
        dialog = window.sign_in_dialog
        assert dialog is not None
        QTimer.singleShot(150, lambda: shown("sign-in shown", lambda: dialog))

    def failed() -> None:
        say("self-test: no window came up")
        app.exit(1)

    window.sign_in_shown.connect(sign_in)
    window.ready.connect(lambda: QTimer.singleShot(150, lambda: shown("signed in", lambda: window)))
    QTimer.singleShot(timeout_ms, window, failed)


def single_instance(paths: Paths, link: str) -> InstanceServer | None:
    """None when another instance is running for these folders (it got the link); else our listener."""
    from .ui.shell.single_instance import (InstanceServer, hand_over,  # main()'s alone: build() never needs it
                                           server_name)
    name = server_name(paths.config_dir)
    if hand_over(name, link):
        return None
    server = InstanceServer(name)
    server.listen()
    return server


def main(argv: Sequence[str] | None = None) -> int:
    from .services import addresses
    from .ui.shell.links import LinkHandler
    args = parse_args(argv)
    if args.demo:
        from .services.demo import bridge_missing
        missing = bridge_missing()
        if missing:
            print(f"billing-manager: {missing}", file=sys.stderr)
            return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = qt_app()
    previous_hook = errors.install_excepthook()
    temp_root: Path | None = None
    demo: DemoBridge | None = None
    if args.demo:
        temp_root = Path(tempfile.mkdtemp(prefix="billing-manager-demo-"))
        paths, store = Paths.demo(temp_root), MemoryStore(DEMO_NOTE)  # never the owner's real keyring
    elif args.paths_root:
        paths, store = Paths.under(args.paths_root), open_secret_store
    else:
        paths, store = Paths.default(), open_secret_store
    server: InstanceServer | None = None
    if not args.demo:
        server = single_instance(paths, args.link)
        if server is None:
            sys.excepthook = previous_hook
            return 0   # the running window took the link and came to the front
    config = Config.load(paths)
    if args.demo:
        config.sign_in = "password"   # the demo's owners sign in with the app's own form too
    operator = addresses.operator_defaults(paths.operator_file)
    if not config.bridge_url and operator.bridge:
        config.bridge_url = operator.bridge   # a branded build's billing server, until the owner picks another
    look = args.theme or config.theme
    theme.apply(app, look)
    theme.follow_system(app)
    parts = build(paths, store, bridge_url=args.bridge_url, config=config)
    start: Callable[[], bool] | None = None
    if args.demo:
        assert temp_root is not None
        from .services import DemoBridge  # subprocess and friends: only the demo needs them
        demo = DemoBridge(temp_root / "bridge")
        start = demo_sign_in(parts.session, demo, args.demo_owner)
    parts.window.help_menu.set_operator(operator)
    links = LinkHandler(parts.window)
    app.installEventFilter(links)   # macOS: a clicked link arrives as a QFileOpenEvent
    if server is not None:
        server.received.connect(links.open)
    if args.link:
        links.open(args.link)
    parts.window.show_page(args.page)
    if args.self_test:
        self_test(parts.window, args.screenshot, app)
    elif args.screenshot:
        take_screenshot(parts.window, args.screenshot, app)
    parts.window.show()
    parts.window.start(start)
    try:
        code = app.exec()
    finally:
        app.removeEventFilter(links)
        if server is not None:
            server.close()
        parts.close()
        if demo is not None:
            demo.stop()
        if temp_root is not None:
            shutil.rmtree(temp_root, ignore_errors=True)
        sys.excepthook = previous_hook
    return code


if __name__ == "__main__":
    sys.exit(main())
