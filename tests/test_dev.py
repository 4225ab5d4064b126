"""`./dev qt-check`: what Qt's xcb plugin itself cannot load (ldd), and the Debian package for each."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def qt_check(tmp_path: Path, ldd_output: str) -> subprocess.CompletedProcess[str]:
    """./dev qt-check with an `ldd` that answers ldd_output (as on a bare Debian) and this Python's PySide6."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "ldd").write_text(f"#!/bin/sh\ncat <<'EOF'\n{ldd_output}\nEOF\n", encoding="utf-8")
    (bin_dir / "ldd").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHON": sys.executable}
    return subprocess.run([str(ROOT / "dev"), "qt-check"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)


def test_missing_xcb_libraries_are_named_with_their_packages(tmp_path: Path) -> None:
    """What a fresh Debian showed: icccm and keysyms missing, while Qt itself blamed libxcb-cursor0."""
    done = qt_check(tmp_path, "\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x1)\n"
                              "\tlibxcb-icccm.so.4 => not found\n\tlibxcb-keysyms.so.1 => not found\n"
                              "\tlibxcb-icccm.so.4 => not found\n\tlibxkbcommon-x11.so.0 => not found\n"
                              "\tlibweird.so.3 => not found")
    assert done.returncode == 1
    assert "libweird.so.3 libxcb-icccm.so.4 libxcb-keysyms.so.1 libxkbcommon-x11.so.0 not found" in done.stderr
    assert "apt-get install libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0" in done.stderr
    assert "libxcb-cursor0" not in done.stderr.replace("libxcb-cursor.so.0", "")
    assert "apt-file search <name>" in done.stderr and "libweird.so.3" in done.stderr


def test_nothing_missing_says_nothing(tmp_path: Path) -> None:
    done = qt_check(tmp_path, "\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x1)")
    assert (done.returncode, done.stderr) == (0, "")
