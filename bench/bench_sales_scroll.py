"""Desktop memory while the owner scrolls 100,000 sales: peak RSS growth of the Earnings sales table.

Each kind runs in a new process: a QTableView on the real sales model (PagedModel, formatted rows, fixed
row heights), fed 100-sale pages of JSON decoded by the real decoder, scrolled by the scroll bar to the
end (which fetches every page, as the owner's scrolling does) and back to the top in 50 steps (pages
dropped from memory come back through their cursor). The measured kind keeps the app's few pages; the
baseline keeps every page, as a plain appending model would. Peak RSS growth is ru_maxrss after the
scroll minus before the first page. Goal: bounded, i.e. far below the baseline and flat in the row count.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_sales_scroll.py [--rows 100000]
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_sales_scroll.py --bridge URL --email pro@demo.test
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
from PySide6.QtCore import QLocale, QModelIndex
from PySide6.QtWidgets import QApplication
from desktop_app.app import qt_app
from desktop_app.services.earnings import SalePage
from desktop_app.services.answers import decode
from desktop_app.ui.shell import theme
from desktop_app.services.rows import SALE_COLUMNS, sale_row
from desktop_app.ui.common.paged_model import PagedModel
from desktop_app.ui.earnings.sales_tab import table_view
from desktop_app.ui.common.worker import WorkerPool

rows, keep, bridge, email = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
app = qt_app()
QLocale.setDefault(QLocale("en_US"))
theme.apply(app, "light")
PAGE = 100
if bridge:
    from desktop_app.services import BridgeClient
    client = BridgeClient(bridge, timeout=60)
    client.login(email, "demo", "bench-scroll")
    fetch = lambda after: client.sales(limit=PAGE, starting_after=after)
else:
    def fetch(after):
        start = 0 if after is None else int(after[3:]) + 1
        end = min(rows, start + PAGE)
        body = json.dumps({"data": [{
            "id": f"ch_{n:08d}", "created": 1767268800 - n * 317, "currency": "usd", "gross": 1000 + n % 9000,
            "refunded": 0, "stripe_fee": 59 + n % 300, "platform_fee": 50 + n % 450, "net": 800 + n % 8000,
            "status": "succeeded" if n % 17 else "refunded", "description": f"Order #{n} - a site template",
            "customer_email": f"customer{n}@example.com", "dispute": None} for n in range(start, end)],
            "has_more": end < rows}).encode()
        return decode(SalePage, body, "sales list")

model = PagedModel(WorkerPool(), SALE_COLUMNS, sale_row, keep_pages=keep)
table = table_view(None)
table.setModel(model)
table.resize(900, 600)
table.show()
bar = table.verticalScrollBar()

def settle():
    app.processEvents()
    while model.loading or model._refetching:
        app.processEvents()
        time.sleep(0.001)
    app.processEvents()

model.reset(fetch)
settle()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
while model.has_more:
    bar.setValue(bar.maximum())
    if model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    settle()
down = time.perf_counter() - started
for step in range(50, -1, -1):
    bar.setValue(bar.maximum() * step // 50)
    table.viewport().repaint()
    settle()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": model.rowCount(), "pages_in_memory": model.pages_in_memory,
                  "growth_kib": after - before, "peak_kib": after, "down_s": down}), flush=True)
"""


def run(rows: int, keep: int, bridge: str, email: str) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", CHILD, str(rows), str(keep), bridge, email], env=env,
                         capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(f"the child failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bridge", default="", help="scroll a real bridge's sales instead of generated pages")
    parser.add_argument("--email", default="pro@demo.test")
    args = parser.parse_args()
    source = f"the bridge at {args.bridge} ({args.email})" if args.bridge else f"{args.rows:,} generated sales"
    started = time.perf_counter()
    app = run(args.rows, 6, args.bridge, args.email)
    every = run(args.rows, 1_000_000, args.bridge, args.email)
    small = run(min(args.rows, 2_000), 6, args.bridge, args.email) if not args.bridge else None
    print(f"scrolling {source} to the end and back, 100 per page ({time.perf_counter() - started:.0f} s)")
    print(f"Billing Manager (6 pages kept): {app['rows']:,} rows, peak RSS growth {app['growth_kib'] / 1024:.1f} MiB, "
          f"{app['pages_in_memory']} pages in memory, to the end in {app['down_s']:.1f} s")
    print(f"every page kept (baseline):     {every['rows']:,} rows, peak RSS growth {every['growth_kib'] / 1024:.1f} MiB")
    if small is not None:
        print(f"Billing Manager, {small['rows']:,} rows:  peak RSS growth {small['growth_kib'] / 1024:.1f} MiB")
    print(f"ratio {app['growth_kib'] / max(1, every['growth_kib']):.2f}x of the baseline (goal: bounded, far below 1x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
