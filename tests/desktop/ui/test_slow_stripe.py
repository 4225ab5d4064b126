"""A stalled Stripe, seen from the window: the owner reads what happened, not "cannot reach" (issue 9 §4)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
from PySide6.QtCore import Qt

from ...support.harness import button, texts

SHOTS = Path(os.environ.get("BM_SHOTS_DIR", "/work/shots/faults"))


def test_a_stalled_stripe_says_so_and_that_nothing_changed(open_window, backend, qtbot) -> None:  # noqa: ANN001
    parts = open_window.signed_in("starter@demo.test")
    window = parts.window
    window.show_page("plans")
    faults = f"{backend.sandbox_url}/_sandbox/faults"
    httpx.post(faults, json={"kind": "timeout", "count": 10, "delay": 20}, timeout=5).raise_for_status()
    try:
        qtbot.mouseClick(button(window.plans, "Switch to Pro"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=15_000)
    finally:
        httpx.delete(faults, timeout=5)
    assert window.banner_text.text() == "Stripe is slow to answer; nothing was changed. Please try again in a moment."
    assert window.plan_change.dialog is None or not window.plan_change.dialog.isVisible()
    assert "Starter plan" in texts(window.overview) and not window.billing.offline
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        window.grab().save(str(SHOTS / "stripe-slow-banner.png"))
