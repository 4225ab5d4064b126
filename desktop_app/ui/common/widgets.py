"""Small shared pieces of the pages: titles, card frames, muted text."""

from __future__ import annotations

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from . import theme


def locale_name() -> str:
    """The owner's locale ("en_US"), which every amount and date on screen is written in."""
    return QLocale().name()


def scroll_body(page: QScrollArea) -> tuple[QWidget, QVBoxLayout]:
    """The scrolling body every page sits on, with the pages' margins and spacing (in ems, so 200 % scales)."""
    page.setWidgetResizable(True)
    page.setFrameShape(QScrollArea.Shape.NoFrame)
    body = QWidget()
    body.setObjectName("page")
    page.setWidget(body)
    layout = QVBoxLayout(body)
    margin = theme.em(body, 1.5)
    layout.setContentsMargins(margin, margin, margin, margin)
    layout.setSpacing(theme.em(body, 0.8))
    return body, layout


def title(text: str, parent: QWidget | None = None, scale: float = 1.6) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("pageTitle")
    label.setFont(theme.font(label, scale, bold=True))
    return label


def muted(text: str = "", parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("muted")
    label.setWordWrap(True)
    return label


def card(parent: QWidget | None = None, name: str = "card") -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame(parent)
    frame.setObjectName(name)
    frame.setFrameShape(QFrame.Shape.NoFrame)
    layout = QVBoxLayout(frame)
    margin = theme.em(frame, 0.9)
    layout.setContentsMargins(margin, margin, margin, margin)
    layout.setSpacing(theme.em(frame, 0.4))
    return frame, layout


def clear_layout(layout) -> None:  # noqa: ANN001 - any QLayout
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())


def icon_label(name: str, lines: float = 1.2, parent: QWidget | None = None, color: str | None = None) -> QLabel:
    label = QLabel(parent)
    size = theme.em(label, lines)
    label.setPixmap(theme.icon(name, color).pixmap(size, size))
    from PySide6.QtCore import Qt  # looked up late: see theme's QT_NAMESPACE_NOTE
    label.setAlignment(Qt.AlignmentFlag.AlignTop)
    return label
