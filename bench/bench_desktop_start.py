"""Cold start to a populated main window from a warm cache, against a bare PySide6 window.

Each sample is a new process: the clock starts before the process is spawned and stops when the
child reports its window shown and painted (for the app: with the cached plan and invoices on
screen). The app's bridge address is a closed port, so what is measured is the offline-first path:
settings, keyring token, cache read off the GUI thread, the pages filled; the refresh that follows
fails quietly into "Offline". Both kinds run interleaved in the same run. Goal: ratio <= 2x.
The cache is written here the way an older version wrote it (no formatted texts); the app's warm-up
run adds the formatted amounts and dates to it, as every start from such a cache and every refresh
does, so the measured runs are what the owner's second and later starts are.

Compiled bytecode: an installed app has it (pip compiles on install), and the warm-up runs write it
for both kinds into a temporary PYTHONPYCACHEPREFIX, whatever PYTHONDONTWRITEBYTECODE says (this
development environment sets it, so the repo's modules would otherwise be compiled from source on
every start). --no-bytecode measures with the environment as it is.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_desktop_start.py [--rounds 7] [--no-bytecode]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EMAIL = "pro@demo.test"

BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QLabel("Hello"))
window.resize(812, 504)
window.show()
def done():
    window.grab()
    print("shown", flush=True)
    app.quit()
QTimer.singleShot(0, done)
app.exec()
"""

APP = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from desktop_app.app import build, qt_app
from desktop_app.services import MemoryStore, Paths, owner_key
from desktop_app.ui.shell import theme
root, url, email = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
store = MemoryStore("bench")
store.set(owner_key(url, email), "token-from-the-keyring")
app = qt_app()
theme.apply(app, "light")
parts = build(Paths.under(root), store)
def done():
    parts.window.grab()
    print("shown" if parts.window.invoices.model.rowCount() else "empty", flush=True)
    app.quit()
def check():
    if parts.billing.summary is not None:
        QTimer.singleShot(0, done)
parts.billing.changed.connect(check)
parts.window.show()
parts.window.start()
app.exec()
parts.close()
"""


def closed_port_url() -> str:
    """An address where nothing listens: the bridge is "down" for the app."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def warm_cache(root: Path, url: str) -> None:
    from desktop_app.services import Cache, CachedView, Config, Invoice, Paths, PlanOffer, Summary, owner_key
    paths = Paths.under(root)
    Config(bridge_url=url, email=EMAIL).save(paths)
    plan = {"key": "pro", "name": "Pro", "amount": 2500, "currency": "usd", "interval": "month"}
    now = int(time.time())
    summary = Summary.from_json({
        "plan": plan, "status": "active", "current_period_end": now + 86400 * 20,
        "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030},
        "next_invoice": {"amount": 2500, "currency": "usd", "date": now + 86400 * 20}, "as_of": now})
    invoices = [Invoice.from_json({
        "id": f"in_{n}", "number": f"DEMO-{n:04d}", "status": "paid", "total": 2500, "amount_due": 2500,
        "amount_paid": 2500, "currency": "usd", "created": now - n * 86400 * 30, "period_start": now - n * 86400 * 30,
        "period_end": now - (n - 1) * 86400 * 30, "hosted_invoice_url": None, "has_pdf": True}) for n in range(20)]
    plans = [PlanOffer.from_json({**plan, "features": ["10 sites"], "current": True}),
             PlanOffer.from_json({**plan, "key": "starter", "name": "Starter", "amount": 1000, "features": ["1 site"]})]
    Cache(paths.cache_dir).save(owner_key(url, EMAIL),
                                CachedView(summary, plans, invoices, has_more=True, saved_at=now - 300))


def sample(code: str, *args: str, pycache: Path | None = None) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"), "PYTHONPATH": str(ROOT)}
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=env, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    elapsed = time.perf_counter() - start
    proc.wait(30)
    if line != "shown":
        raise SystemExit(f"the child did not show a populated window (said {line!r})")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-bytecode", action="store_true", help="keep PYTHONDONTWRITEBYTECODE as the environment has it")
    args = parser.parse_args()
    url = closed_port_url()
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        root = Path(tmp) / "app"
        pycache = None if args.no_bytecode else Path(tmp) / "pycache"
        warm_cache(root, url)
        sample(BARE, pycache=pycache)  # warm the OS file cache (and the bytecode) for both kinds alike
        sample(APP, str(root), url, EMAIL, pycache=pycache)
        bare, app = [], []
        for _ in range(args.rounds):
            bare.append(sample(BARE, pycache=pycache))
            app.append(sample(APP, str(root), url, EMAIL, pycache=pycache))
    bare_ms, app_ms = statistics.median(bare) * 1000, statistics.median(app) * 1000
    print(f"bytecode: {'as the environment has it' if args.no_bytecode else 'compiled by the warm-up runs'}")
    print(f"bare PySide6 QMainWindow, new process: median {bare_ms:.0f} ms ({args.rounds} runs)")
    print(f"Billing Manager from warm cache, new process: median {app_ms:.0f} ms ({args.rounds} runs)")
    print(f"ratio {app_ms / bare_ms:.2f}x (goal <= 2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
