"""The invoices as a lazily paged table: scrolling near the end asks the bridge for the next page."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Signal

from ...services import Invoice, InvoicePage, day, money
from .overview import locale_name
from ..common.worker import WorkerPool

Index = QModelIndex | QPersistentModelIndex
FetchPage = Callable[[str | None], InvoicePage]

COLUMNS = ("Number", "Date", "Period", "Amount", "Status")
STATUS_WORDS = {"paid": "Paid", "open": "Due", "draft": "Draft", "void": "Void", "uncollectible": "Unpaid"}
# Qt.ItemDataRole values as plain ints: the Qt namespace loads on first use (theme's QT_NAMESPACE_NOTE)
DISPLAY_ROLE, TOOLTIP_ROLE, ALIGNMENT_ROLE, USER_ROLE = 0, 3, 7, 0x0100
INVOICE_ROLE = USER_ROLE + 1
LEFT, RIGHT = 0x0001 | 0x0080, 0x0002 | 0x0080   # Qt.AlignmentFlag.AlignLeft / AlignRight, each | AlignVCenter

if TYPE_CHECKING:
    from PySide6.QtCore import Qt


class InvoiceModel(QAbstractTableModel):
    loading_changed = Signal(bool)
    failed = Signal(object)

    def __init__(self, pool: WorkerPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = pool
        self._fetch: FetchPage | None = None
        self._rows: list[Invoice] = []
        self._texts: list[tuple[str, ...]] = []   # formatted once per row: views ask for them many times
        self._has_more = False
        self._loading = False
        self._generation = 0

    # ----- data in
    def reset(self, invoices: list[Invoice], has_more: bool, fetch: FetchPage | None) -> None:
        """Show a fresh first page; a page still loading for the old list is dropped."""
        if invoices and fetch == self._fetch and self._rows[:len(invoices)] == invoices and len(self._rows) > len(invoices):
            return  # same first page: keep what the owner already scrolled through
        self._generation += 1
        self.beginResetModel()
        self._rows = list(invoices)
        self._texts = [row_texts(invoice) for invoice in self._rows]
        self._has_more = has_more
        self._fetch = fetch
        self._set_loading(False)
        self.endResetModel()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and self._has_more and not self._loading and self._fetch is not None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        fetch, after, generation = self._fetch, (self._rows[-1].id if self._rows else None), self._generation
        locale = locale_name()
        self._set_loading(True)
        assert fetch is not None

        def load() -> tuple[InvoicePage, list[tuple[str, ...]]]:
            page = fetch(after)
            return page, [row_texts(invoice, locale) for invoice in page.invoices]

        self.pool.start(load, on_done=lambda loaded: self._append(*loaded, generation),
                        on_error=lambda exc: self._fetch_failed(exc, generation))

    def _append(self, page: InvoicePage, texts: list[tuple[str, ...]], generation: int) -> None:
        if generation != self._generation:
            return
        known = {row.id for row in self._rows}
        new = [(invoice, text) for invoice, text in zip(page.invoices, texts) if invoice.id not in known]
        if new:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(new) - 1)
            self._rows.extend(invoice for invoice, _ in new)
            self._texts.extend(text for _, text in new)
            self.endInsertRows()
        self._has_more = page.has_more and bool(new)
        self._set_loading(False)

    def _fetch_failed(self, exc: BaseException, generation: int) -> None:
        if generation != self._generation:
            return
        self._set_loading(False)
        self.failed.emit(exc)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def has_more(self) -> bool:
        return self._has_more

    def invoice(self, row: int) -> Invoice:
        return self._rows[row]

    def invoices(self) -> list[Invoice]:
        return list(self._rows)

    # ----- Qt's model interface
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE) -> Any:
        from PySide6.QtCore import Qt   # loaded by now: orientation is one of its enums
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == DISPLAY_ROLE:
            return COLUMNS[section]
        if role == ALIGNMENT_ROLE:   # headings sit over their cells: amounts right, the rest left
            return RIGHT if section == 3 else LEFT
        return None

    def data(self, index: Index, role: int = DISPLAY_ROLE) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        invoice = self._rows[index.row()]
        column = index.column()
        if role == DISPLAY_ROLE:
            return self._texts[index.row()][column]
        if role == ALIGNMENT_ROLE and column == 3:
            return RIGHT
        if role == TOOLTIP_ROLE and column == 0 and not invoice.has_pdf:
            return "No PDF yet (draft)"
        if role == INVOICE_ROLE:
            return invoice
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        from PySide6.QtCore import Qt
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


@lru_cache(maxsize=4096)
def _day(ts: int, locale: str) -> str:
    return day(ts, locale)


@lru_cache(maxsize=1024)
def _money(amount: int, currency: str, locale: str) -> str:
    return money(amount, currency, locale)


def row_texts(invoice: Invoice, locale: str | None = None) -> tuple[str, ...]:
    """The cells of one invoice in the owner's locale, in COLUMNS order (periods share their dates: cached)."""
    locale = locale or locale_name()
    period = ""
    if invoice.period_start and invoice.period_end:
        period = f"{_day(invoice.period_start, locale)} – {_day(invoice.period_end, locale)}"
    return (invoice.number or "Draft", _day(invoice.created, locale), period,
            _money(invoice.total, invoice.currency, locale), status_text(invoice, locale))


def status_text(invoice: Invoice, locale: str) -> str:
    """Paid, Due, ... and what a plain status would hide: a failed payment (and its retry), a refund."""
    if invoice.refunded:
        return "Refunded"
    if invoice.payment_failed and invoice.status == "open":
        retry = f", retry {_day(invoice.next_payment_attempt, locale)}" if invoice.next_payment_attempt else ""
        return f"Payment failed{retry}"
    if invoice.payment_failed:
        return "Payment failed"
    if invoice.amount_refunded:
        return f"Partly refunded ({_money(invoice.amount_refunded, invoice.currency, locale)})"
    return STATUS_WORDS.get(invoice.status, invoice.status.replace("_", " ").capitalize())
