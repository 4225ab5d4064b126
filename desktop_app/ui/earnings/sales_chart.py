"""Net sales per day, week or month, as bars (pyqtgraph, imported when this chart is first shown)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...services.earnings import SalesSeries
from ...services.formatting import major_units
from ..common.errors import report
from ..common.widgets import muted
from .earnings_state import Earnings

BUCKETS = (("Per day", "day", 86400), ("Per week", "week", 7 * 86400), ("Per month", "month", 30 * 86400))


class SalesChart(QWidget):
    drawn = Signal()

    def __init__(self, earnings: Earnings, date_range: Callable[[], tuple[int, int]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.earnings, self.date_range = earnings, date_range
        self.series: SalesSeries | None = None
        self._generation = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        controls = QHBoxLayout()
        self.bucket = QComboBox(self)
        for words, _, _ in BUCKETS:
            self.bucket.addItem(words)
        self.bucket.setCurrentIndex(2)
        self.currency = QComboBox(self)
        self.total = QLabel(self)
        controls.addWidget(self.bucket)
        controls.addWidget(self.currency)
        controls.addStretch(1)
        controls.addWidget(self.total)
        layout.addLayout(controls)
        import pyqtgraph as pg
        self.pg = pg
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(y=True, alpha=0.2)
        layout.addWidget(self.plot, 1)
        self.note = muted("", self)
        layout.addWidget(self.note)
        self.bucket.currentIndexChanged.connect(lambda _: self.reload())
        self.currency.currentIndexChanged.connect(lambda _: self.draw())
        self.reload()

    def bucket_key(self) -> str:
        return BUCKETS[self.bucket.currentIndex()][1]

    def reload(self) -> None:
        client = self.earnings.client
        if client is None:
            return
        start, end = self.date_range()
        bucket = self.bucket_key()
        self._generation += 1
        generation = self._generation
        self.note.setText("Loading…")

        def shown(series: SalesSeries) -> None:
            if generation == self._generation:
                self.series = series
                self.draw()

        self.earnings.pool.start(lambda: client.sales_series(start, end, bucket), on_done=shown, on_error=report)

    def earnings_changed(self) -> None:
        if self.earnings.live:
            self.reload()

    def draw(self) -> None:
        series = self.series
        currencies = [s.currency for s in series.series] if series else []
        if [self.currency.itemText(i).lower() for i in range(self.currency.count())] != currencies:
            self.currency.blockSignals(True)
            self.currency.clear()
            self.currency.addItems([c.upper() for c in currencies])
            self.currency.blockSignals(False)
        self.currency.setVisible(len(currencies) > 1)
        self.plot.clear()
        if not currencies:
            self.note.setText("No sales in these dates.")
            self.total.setText("")
            self.drawn.emit()
            return
        chosen = series.series[max(0, self.currency.currentIndex())]
        width = BUCKETS[self.bucket.currentIndex()][2]
        xs = [p.start + width / 2 for p in chosen.points]
        heights = [float(major_units(p.net, chosen.currency)) for p in chosen.points]
        palette = QApplication.palette()
        highlight = palette.color(QPalette.ColorRole.Highlight)
        text = palette.color(QPalette.ColorRole.WindowText)
        self.plot.setBackground(palette.color(QPalette.ColorRole.Base))
        for side in ("left", "bottom"):
            axis = self.plot.getAxis(side)
            axis.setTextPen(text)
            axis.setPen(palette.color(QPalette.ColorRole.Mid))
        self.plot.addItem(self.pg.BarGraphItem(x=xs, height=heights, width=width * 0.8, brush=highlight,
                                               pen=self.pg.mkPen(None)))
        self.plot.setLabel("left", f"Net sales ({chosen.currency.upper()})", color=text.name())
        from PySide6.QtCore import QLocale

        from ...services import money
        net = sum(p.net for p in chosen.points)
        self.total.setText(f"Net in these dates: {money(net, chosen.currency, QLocale().name())}")
        self.note.setText(f"{sum(p.count for p in chosen.points):,} sales")
        self.drawn.emit()

    def shutdown(self) -> None:
        """Drop late series and take the plot's scene down now: pyqtgraph's scene must not outlive its view
        into Qt's deferred deletion of the window."""
        self._generation += 1
        if not self.plot.closed:   # PlotWidget.close() would also make the plot a window of its own
            self.plot.plotItem.close()
            self.pg.GraphicsView.close(self.plot)
