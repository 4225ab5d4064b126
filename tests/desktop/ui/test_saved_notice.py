"""A saved PDF or CSV offers "Open" and "Show in folder" right where the owner looks next."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from ...support.harness import button


class FileManager(QObject):
    """Stands in for the desktop's file handler: records the file:// URLs the app asks it to open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[Path] = []

    @Slot(QUrl)
    def handle(self, url: QUrl) -> None:
        self.opened.append(Path(url.toLocalFile()))


@pytest.fixture
def file_manager():  # noqa: ANN201
    manager = FileManager()
    QDesktopServices.setUrlHandler("file", manager, "handle")
    yield manager
    QDesktopServices.unsetUrlHandler("file")


def test_a_downloaded_pdf_offers_open_and_show_in_folder(open_window, file_manager: FileManager, qtbot,
                                                         tmp_path: Path) -> None:
    parts = open_window.signed_in("pro@demo.test")
    window = parts.window
    window.show_page("invoices")
    page = window.invoices
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and not page.model.loading, timeout=10_000)
    page.table.selectRow(0)
    with qtbot.waitSignal(page.downloaded, timeout=20_000) as saved:
        page.download_selected(tmp_path / "pdfs")
    pdf = saved.args[0][0]
    notice = window.saved_notice
    assert notice.isVisible() and notice.text.text() == f"Saved {pdf.name}"
    qtbot.mouseClick(button(notice, "Open"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(button(notice, "Show in folder"), Qt.MouseButton.LeftButton)
    assert file_manager.opened == [pdf, tmp_path / "pdfs"]

    csv_path = tmp_path / "export" / "invoices.csv"
    csv_path.parent.mkdir()
    with qtbot.waitSignal(page.exported, timeout=20_000):
        page.export_csv(csv_path)
    assert notice.text.text() == "Saved invoices.csv"
    qtbot.mouseClick(button(notice, "Open"), Qt.MouseButton.LeftButton)
    assert file_manager.opened[-1] == csv_path


def test_several_pdfs_offer_their_folder_and_no_app_is_said(open_window, qtbot, tmp_path: Path) -> None:
    """No file handler (offscreen Qt): opening fails, and the owner is told where the file is."""
    parts = open_window.signed_in("pro@demo.test")
    window = parts.window
    window.show_page("invoices")
    page = window.invoices
    qtbot.waitUntil(lambda: page.model.rowCount() > 1 and not page.model.loading, timeout=10_000)
    page.table.selectAll()
    with qtbot.waitSignal(page.downloaded, timeout=20_000) as saved:
        page.download_selected(tmp_path / "many")
    notice = window.saved_notice
    count = len(saved.args[0])
    assert count > 1 and notice.text.text() == f"Saved {count} files to many"
    assert not notice.open_button.isVisible()
    qtbot.mouseClick(button(notice, "Show in folder"), Qt.MouseButton.LeftButton)
    assert window.statusBar().currentMessage() == f"Could not open the folder {tmp_path / 'many'}."


def test_a_sales_csv_offers_open_too(open_window, file_manager: FileManager, qtbot, tmp_path: Path) -> None:
    parts = open_window.signed_in("pro@demo.test")
    window = parts.window
    window.show_page("earnings")
    sales = window.earnings_page.sales
    target = tmp_path / "sales.csv"
    with qtbot.waitSignal(sales.exported, timeout=30_000):
        sales.export_csv(target)
    assert window.saved_notice.text.text() == "Saved sales.csv"
    qtbot.mouseClick(button(window.saved_notice, "Open"), Qt.MouseButton.LeftButton)
    assert file_manager.opened == [target]
