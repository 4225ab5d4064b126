"""The app icon for Windows (.ico) and macOS (.icns), drawn from resources/app.svg by Qt.

The spec calls it; by hand: `python packaging/icons.py OUT_DIR`.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "app.svg"


def render(out_dir: Path, size: int = 256) -> dict[str, Path]:
    """billing-manager.png, .ico and .icns in out_dir (Qt's image plugins write the last two)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(["icons", "-platform", "offscreen"])  # noqa: F841
    out_dir.mkdir(parents=True, exist_ok=True)
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    written = {}
    for suffix in ("png", "ico", "icns"):
        path = out_dir / f"billing-manager.{suffix}"
        if not image.save(str(path), suffix.upper()):
            raise SystemExit(f"icons: Qt could not write {path}")
        written[suffix] = path
    return written


if __name__ == "__main__":
    for path in render(Path(sys.argv[1] if len(sys.argv) > 1 else "build/icons")).values():
        print(path)
