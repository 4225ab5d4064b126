"""Light or dark (following the system unless told), icons from resources/*.svg in the text colour."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize
from PySide6.QtGui import QColor, QFont, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QWidget

from ...services.paths import resources_dir

# QT_NAMESPACE_NOTE: PySide6 builds the Qt namespace's ~200 Python enums the first time `Qt` is looked
# up; modules on the first paint's path look it up inside the functions that need it.
RESOURCES = resources_dir()
THEMES = ("system", "light", "dark")
STYLE_PROPERTY = "billingStyle"   # "fusion" once the app runs Fusion (see app.qt_app)


def resolve(mode: str, app: QGuiApplication) -> str:
    """The theme to paint: an explicit choice wins, else the system's colour scheme (light when unknown)."""
    if mode in ("light", "dark"):
        return mode
    from PySide6.QtCore import Qt  # see QT_NAMESPACE_NOTE
    scheme = app.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def palette_for(theme: str) -> QPalette:
    dark = theme == "dark"
    colors = {
        QPalette.ColorRole.Window: "#1f2126" if dark else "#f4f5f7",
        QPalette.ColorRole.WindowText: "#e8e9ec" if dark else "#1c1e22",
        QPalette.ColorRole.Base: "#17181c" if dark else "#ffffff",
        QPalette.ColorRole.AlternateBase: "#26282e" if dark else "#eceef2",
        QPalette.ColorRole.Text: "#e8e9ec" if dark else "#1c1e22",
        QPalette.ColorRole.Button: "#2c2f36" if dark else "#ffffff",
        QPalette.ColorRole.ButtonText: "#e8e9ec" if dark else "#1c1e22",
        QPalette.ColorRole.Highlight: "#6366f1" if dark else "#4f46e5",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#2c2f36" if dark else "#ffffdc",
        QPalette.ColorRole.ToolTipText: "#e8e9ec" if dark else "#1c1e22",
        QPalette.ColorRole.PlaceholderText: "#9a9ea8" if dark else "#6b7080",
        QPalette.ColorRole.Link: "#a5b4fc" if dark else "#4338ca",
        QPalette.ColorRole.Mid: "#3a3d45" if dark else "#d3d6dd",
        QPalette.ColorRole.Midlight: "#33363d" if dark else "#e3e5ea",
        QPalette.ColorRole.Dark: "#111214" if dark else "#a0a4ad",
        QPalette.ColorRole.Light: "#3f434b" if dark else "#ffffff",
        QPalette.ColorRole.Shadow: "#000000" if dark else "#8a8e96",
        QPalette.ColorRole.BrightText: "#ffffff",
    }
    palette = QPalette()
    for role, value in colors.items():
        palette.setColor(role, QColor(value))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b6f78" if dark else "#a0a4ad"))
    return palette


MODE_PROPERTY = "billingThemeMode"   # what the owner chose: system, light or dark


def mode(app: QGuiApplication | None) -> str:
    """The theme the owner chose (system until one is applied)."""
    value = app.property(MODE_PROPERTY) if app is not None else None
    return value if value in THEMES else "system"


def follow_system(app: QApplication) -> None:
    """Repaint when the system's colour scheme changes, while the owner's choice is "system"."""
    if app.property("billingFollows"):
        return
    app.setProperty("billingFollows", True)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: mode(app) == "system" and apply(app, "system"))


def apply(app: QApplication, mode: str = "system") -> str:
    """Paint the whole app in one theme; returns "light" or "dark"."""
    app.setProperty(MODE_PROPERTY, mode if mode in THEMES else "system")
    theme = resolve(mode, app)
    if app.property(STYLE_PROPERTY) != "fusion":
        app.setStyle("Fusion")
        app.setProperty(STYLE_PROPERTY, "fusion")
    app.setPalette(palette_for(theme))
    app.setProperty("billingTheme", theme)
    app.setStyleSheet(_style_sheet())   # icons need no reset: they take the palette's colour when painted
    return theme


@lru_cache(maxsize=1)
def _style_sheet() -> str:
    return (RESOURCES / "style.qss").read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def _svg(name: str) -> str:
    return (RESOURCES / f"{name}.svg").read_text(encoding="utf-8")


class _SvgEngine(QIconEngine):
    """Renders the SVG at whatever size and pixel ratio is asked: crisp at 200 %.

    Without a fixed colour, currentColor is the palette's text colour at paint time, so icons already
    on screen follow a theme switch."""

    def __init__(self, svg: str, color: str | None) -> None:
        super().__init__()
        self._svg = svg
        self._color = color
        self._renderers: dict[str, QSvgRenderer] = {}

    def _renderer(self) -> QSvgRenderer:
        color = self._color or QApplication.palette().color(QPalette.ColorRole.WindowText).name()
        renderer = self._renderers.get(color)
        if renderer is None:
            renderer = self._renderers[color] = QSvgRenderer(QByteArray(self._svg.replace("currentColor", color).encode()))
        return renderer

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        if mode == QIcon.Mode.Disabled:
            painter.setOpacity(0.4)
        self._renderer().render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(QColor(0, 0, 0, 0))
        painter = QPainter(pixmap)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return _pinned(_SvgEngine(self._svg, self._color))


_ENGINES: list[_SvgEngine] = []   # QIcon copies in Qt point at these Python objects: they live as long as the app


def _pinned(engine: _SvgEngine) -> _SvgEngine:
    _ENGINES.append(engine)
    return engine


@lru_cache(maxsize=None)
def icon(name: str, color: str | None = None) -> QIcon:
    """resources/<name>.svg with currentColor painted in color (default: the palette's text colour, as it is
    when painted)."""
    return QIcon(_pinned(_SvgEngine(_svg(name), color)))


def brand_icon(brand: str) -> QIcon:
    name = (brand or "").lower().replace(" ", "")
    if name in ("visa", "mastercard", "amex"):
        return icon(name, "#000000")
    return icon("card")


def font(widget: QWidget, scale: float = 1.0, *, bold: bool = False) -> QFont:
    """The widget's font scaled relative to the system size: never a fixed pixel size."""
    result = QFont(widget.font())
    size = result.pointSizeF()
    if size > 0:
        result.setPointSizeF(size * scale)
    if bold:
        result.setWeight(QFont.Weight.DemiBold)
    return result


def em(widget: QWidget, count: float = 1.0) -> int:
    """count times the font's line height, in device-independent pixels: spacing that scales with text."""
    return round(widget.fontMetrics().height() * count)
