"""A table over a cursor-paged bridge list (invoices, sales, payouts, a payout's transactions) that holds
only a few pages in memory.

What a table shows is given, not built in: its columns and a function from a row to its cells' texts
(services/rows.py), and optionally a tooltip per cell. Scrolling to the end asks for the next page (Qt's
fetchMore). Only the `keep_pages` pages used last stay in memory; for the others just their cursor is kept
(the id before the page), and a page scrolled back into view is fetched again through it. So 100,000 sales cost about as much memory as a few hundred.
Rows are formatted once, on the worker that fetched them.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Signal

from ...services.rows import Column
from .widgets import locale_name
from .worker import WorkerPool

if TYPE_CHECKING:
    from PySide6.QtCore import Qt

__all__ = ["Column", "PagedModel", "Page", "ROW_ROLE", "LOADING"]

Index = QModelIndex | QPersistentModelIndex
R = TypeVar("R")


class Page(Protocol):
    """A page of a bridge list, as services.earnings.Page holds one: its rows and whether more follow."""

    @property
    def data(self) -> Sequence[Any]: ...

    @property
    def has_more(self) -> bool: ...


FetchPage = Callable[[str | None], Page]
RowTexts = Callable[[Any, str], tuple[str, ...]]
CellTip = Callable[[Any, int], str | None]
# Qt.ItemDataRole values as plain ints: the Qt namespace loads on first use (theme's QT_NAMESPACE_NOTE)
DISPLAY_ROLE, TOOLTIP_ROLE, ALIGNMENT_ROLE, USER_ROLE = 0, 3, 7, 0x0100
ROW_ROLE = USER_ROLE + 1
LEFT, RIGHT = 0x0001 | 0x0080, 0x0002 | 0x0080
LOADING = "…"


class PagedModel(QAbstractTableModel):
    loading_changed = Signal(bool)
    failed = Signal(object)

    def __init__(self, pool: WorkerPool, columns: Sequence[Column], texts: RowTexts, *, tip: CellTip | None = None,
                 keep_pages: int = 6, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = pool
        self.columns = tuple(columns)
        self.texts = texts
        self.tip = tip
        self.keep_pages = max(2, keep_pages)
        self._fetch: FetchPage | None = None
        self._pages: OrderedDict[int, tuple[list[R], list[tuple[str, ...]]]] = OrderedDict()
        self._starts: list[str | None] = []   # page k is fetched with starting_after=_starts[k]
        self._offsets: list[int] = []         # its first row
        self._count = 0
        self._next_after: str | None = None
        self._has_more = False
        self._loading = False
        self._refetching: set[int] = set()
        self._generation = 0

    # ----- data in
    def reset(self, fetch: FetchPage | None, first: Page | None = None) -> None:
        """Show another list (new filters, another owner); pages still loading for the old one are dropped.

        Without `first`, the first page is fetched now (in the background)."""
        self._generation += 1
        self.beginResetModel()
        self._fetch = fetch
        self._pages.clear()
        self._starts, self._offsets, self._refetching = [], [], set()
        self._count = 0
        self._next_after = None
        self._has_more = fetch is not None and first is None
        self._set_loading(False)
        self.endResetModel()
        if first is not None:
            self._append(first, [self.texts(row, locale_name()) for row in first.data], None, self._generation)
        elif fetch is not None:
            self.fetchMore(QModelIndex())

    def update_first(self, page: Page, fetch: FetchPage) -> None:
        """The first page fetched again (a live refresh): the same sales are updated where they stand (the
        owner keeps their place); anything new at the top starts the list over."""
        current = self._pages.get(0)
        rows = list(page.data)
        if current is None or [row.id for row in current[0]] != [row.id for row in rows]:
            self.reset(fetch, first=page)
            return
        self._fetch = fetch
        if len(self._starts) == 1:   # only the first page shown: whether more follow may have changed too
            self._has_more = page.has_more and bool(rows)
        if current[0] != rows:
            self._pages[0] = (rows, [self.texts(row, locale_name()) for row in rows])
            self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(self.columns) - 1))

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and self._has_more and not self._loading and self._fetch is not None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        after, generation = self._next_after, self._generation
        self._set_loading(True)
        self._load(after, lambda page, texts: self._append(page, texts, after, generation),
                   lambda exc: self._fetch_failed(exc, generation))

    def _load(self, after: str | None, done: Callable[[Page, list[tuple[str, ...]]], None],
              failed: Callable[[BaseException], None]) -> None:
        fetch, texts, locale = self._fetch, self.texts, locale_name()
        assert fetch is not None

        def load() -> tuple[Page, list[tuple[str, ...]]]:
            page = fetch(after)
            return page, [texts(row, locale) for row in page.data]

        self.pool.start(load, on_done=lambda loaded: done(*loaded), on_error=failed)

    def _append(self, page: Page, texts: list[tuple[str, ...]], after: str | None, generation: int) -> None:
        if generation != self._generation:
            return
        rows = list(page.data)
        if rows:
            number = len(self._starts)
            self.beginInsertRows(QModelIndex(), self._count, self._count + len(rows) - 1)
            self._starts.append(after)
            self._offsets.append(self._count)
            self._count += len(rows)
            self._keep(number, rows, texts)
            self.endInsertRows()
            self._next_after = rows[-1].id
        self._has_more = page.has_more and bool(rows)
        self._set_loading(False)

    def _keep(self, number: int, rows: list[R], texts: list[tuple[str, ...]]) -> None:
        self._pages[number] = (rows, texts)
        self._pages.move_to_end(number)
        while len(self._pages) > self.keep_pages:
            self._pages.popitem(last=False)

    def _refetch(self, number: int) -> None:
        """A page dropped from memory is on screen again: fetch it through its cursor."""
        if number in self._refetching or self._fetch is None:
            return
        self._refetching.add(number)
        generation = self._generation

        def done(page: Page, texts: list[tuple[str, ...]]) -> None:
            if generation != self._generation:
                return
            self._refetching.discard(number)
            size = self._page_size(number)
            rows, texts = list(page.data)[:size], texts[:size]
            self._keep(number, rows, texts)
            first = self._offsets[number]
            self.dataChanged.emit(self.index(first, 0), self.index(first + size - 1, len(self.columns) - 1))

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self._refetching.discard(number)
                self.failed.emit(exc)

        self._load(self._starts[number], done, failed)

    def _fetch_failed(self, exc: BaseException, generation: int) -> None:
        if generation != self._generation:
            return
        self._set_loading(False)
        self.failed.emit(exc)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def _page_size(self, number: int) -> int:
        end = self._offsets[number + 1] if number + 1 < len(self._offsets) else self._count
        return end - self._offsets[number]

    def _locate(self, row: int) -> tuple[int, int]:
        number = bisect.bisect_right(self._offsets, row) - 1
        return number, row - self._offsets[number]

    # ----- reading
    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def has_more(self) -> bool:
        return self._has_more

    @property
    def pages_in_memory(self) -> int:
        return len(self._pages)

    def item(self, row: int) -> R | None:
        """The row's object, or None while its page is out of memory (it is being fetched again)."""
        if not 0 <= row < self._count:
            return None
        number, at = self._locate(row)
        page = self._pages.get(number)
        if page is None:
            self._refetch(number)
            return None
        self._pages.move_to_end(number)
        rows = page[0]
        return rows[at] if at < len(rows) else None

    def leading_rows(self) -> list[R]:
        """The rows from the first on, as far as their pages are still in memory (an export goes on from there)."""
        rows: list[R] = []
        for number in range(len(self._starts)):
            page = self._pages.get(number)
            if page is None:
                break
            rows.extend(page[0])
        return rows

    # ----- Qt's model interface
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE) -> Any:
        from PySide6.QtCore import Qt  # loaded by now: orientation is one of its enums
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == DISPLAY_ROLE:
            return self.columns[section].heading
        if role == ALIGNMENT_ROLE:
            return RIGHT if self.columns[section].right else LEFT
        return None

    def data(self, index: Index, role: int = DISPLAY_ROLE) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._count:
            return None
        column = index.column()
        if role == ALIGNMENT_ROLE:
            return RIGHT if self.columns[column].right else LEFT
        if role not in (DISPLAY_ROLE, ROW_ROLE, TOOLTIP_ROLE) or role == TOOLTIP_ROLE and self.tip is None:
            return None
        number, at = self._locate(index.row())
        page = self._pages.get(number)
        if page is None:
            self._refetch(number)
            return LOADING if role == DISPLAY_ROLE and column == 0 else None
        self._pages.move_to_end(number)
        rows, texts = page
        if at >= len(rows):
            return None
        if role == TOOLTIP_ROLE:
            return self.tip(rows[at], column)   # type: ignore[misc] - checked above
        return texts[at][column] if role == DISPLAY_ROLE else rows[at]

    def flags(self, index: Index) -> Qt.ItemFlag:
        from PySide6.QtCore import Qt
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
