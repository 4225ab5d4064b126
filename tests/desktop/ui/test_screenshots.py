"""`./dev screenshots` leaves a PNG alone when its pixels did not change (git sees no change)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtGui import QColor, QImage

from desktop_app import screenshots


def image(color: str) -> QImage:
    picture = QImage(40, 30, QImage.Format.Format_RGB32)
    picture.fill(QColor(color))
    return picture


def test_only_changed_pixels_are_written(tmp_path: Path) -> None:
    path = tmp_path / "pro-overview-light.png"
    assert screenshots.save_if_changed(image("#ffffff"), path)
    os.utime(path, (1_000_000, 1_000_000))
    before = path.read_bytes()
    assert not screenshots.save_if_changed(image("#ffffff").convertToFormat(QImage.Format.Format_ARGB32), path)
    assert path.stat().st_mtime == 1_000_000 and path.read_bytes() == before
    changed = image("#ffffff")
    changed.setPixelColor(39, 29, QColor("#000000"))   # one pixel is a change
    assert screenshots.save_if_changed(changed, path)
    assert QImage(str(path)).pixelColor(39, 29) == QColor("#000000")
    assert screenshots.save_if_changed(image("#ffffff").scaled(80, 60), path)   # so is another size
    (tmp_path / "broken.png").write_bytes(b"not a png")
    assert screenshots.save_if_changed(image("#ffffff"), tmp_path / "broken.png")


def test_the_font_is_fixed(qapp) -> None:  # noqa: ANN001
    font = qapp.font()
    try:
        assert screenshots.fix_font(qapp)   # DejaVu Sans: ./dev installs it (fonts-dejavu-core)
        assert (qapp.font().family(), qapp.font().pointSize()) == (screenshots.FONT_FAMILY, screenshots.FONT_POINTS)
    finally:
        qapp.setFont(font)
