"""ResourceTable: a DataTable kept equal to a keyed set of records, changed incrementally.

Rows are keyed by the record's ``key`` (container id, pod uid). A snapshot adds, updates and removes only what
differs; an upsert rewrites only the cells whose text changed. Cells are ``rich.text.Text``: external strings
are never parsed as markup. The cursor stays on the same record across updates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    render: Callable[[Any], str | Text]
    width: int | None = None
    volatile: bool = False  # changes with time alone (an age): re-rendered by refresh_volatile()


def _cell(value: str | Text) -> Text:
    return value if isinstance(value, Text) else Text(value, no_wrap=True, overflow="ellipsis")


class ResourceTable(DataTable[Text]):
    DEFAULT_CSS = """
    ResourceTable { height: 1fr; }
    """

    def __init__(self, columns: list[Column], *, sort_column: str | None = None, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.spec = columns
        self.sort_column = sort_column or columns[0].key
        self.records: dict[str, Any] = {}
        self.marked: set[str] = set()
        self.sort_reverse = False
        self._cells: dict[str, tuple[str, ...]] = {}

    def on_mount(self) -> None:
        for column in self.spec:
            self.add_column(column.label, key=column.key, width=column.width)

    @property
    def selected(self) -> Any | None:
        """The record under the cursor, if any."""
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except (CellDoesNotExist, RowDoesNotExist):
            return None
        return self.records.get(key) if key is not None else None

    def select_key(self, key: str) -> bool:
        """Put the cursor on the record with this key (scrolling to it); False when it is not listed."""
        if key not in self._cells:
            return False
        self.move_cursor(row=self.get_row_index(key))
        return True

    def apply_snapshot(self, records: Iterable[Any]) -> None:
        fresh = {r.key: r for r in records}
        for key in [k for k in self.records if k not in fresh]:
            self.discard(key)
        for record in fresh.values():
            self.upsert(record, resort=False)
        self._resort()

    def upsert(self, record: Any, *, resort: bool = True) -> None:
        key = record.key
        cells = tuple(_cell(c.render(record)) for c in self.spec)
        if key in self.marked:
            cells = (Text("● ", style="bold") + cells[0], *cells[1:])
        plain = tuple(c.markup if c.spans else c.plain for c in cells)
        self.records[key] = record
        if key not in self._cells:
            self._cells[key] = plain
            self.add_row(*cells, key=key)
            if resort:
                self._resort()
            return
        old = self._cells[key]
        self._cells[key] = plain
        for column, before, after, cell in zip(self.spec, old, plain, cells, strict=True):
            if before != after:
                self.update_cell(key, column.key, cell, update_width=True)

    def refresh_volatile(self) -> None:
        """Re-render the time-dependent columns; only cells whose text changed are touched."""
        if any(c.volatile for c in self.spec):
            for record in list(self.records.values()):
                self.upsert(record, resort=False)

    def discard(self, key: str) -> None:
        self.marked.discard(key)
        if self._cells.pop(key, None) is not None:
            self.records.pop(key, None)
            self.remove_row(key)

    # ---- marks (bulk actions) and sorting

    def toggle_mark(self, key: str) -> None:
        if key in self.records:
            self.marked.symmetric_difference_update({key})
            self.upsert(self.records[key], resort=False)

    def clear_marks(self) -> None:
        marked, self.marked = self.marked, set()
        for key in marked:
            if key in self.records:
                self.upsert(self.records[key], resort=False)

    def sort_by(self, column: str) -> None:
        """Sort by a column; choosing the current sort column again reverses the order."""
        self.sort_reverse = not self.sort_reverse if column == self.sort_column else False
        self.sort_column = column
        self._resort()

    def cycle_sort(self) -> None:
        keys = [c.key for c in self.spec]
        self.sort_by(keys[(keys.index(self.sort_column) + 1) % len(keys)])

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        if event.column_key.value is not None:
            self.sort_by(event.column_key.value)

    def _resort(self) -> None:
        """Keep rows ordered by the sort column's text, and the cursor on the record it was on."""
        if self.row_count < 2:
            return
        selected = self.selected
        self.sort(self.sort_column, key=_sort_key, reverse=self.sort_reverse)
        if selected is not None:
            self.move_cursor(row=self.get_row_index(selected.key), scroll=False)


def _sort_key(cell: Text) -> tuple[int, float, str]:
    """Numbers (sizes, counts, percentages) sort as numbers, the rest as text, marks ignored."""
    text = cell.plain.removeprefix("● ").casefold()
    number = text.rstrip("%kmgtbi ").replace(",", "")
    try:
        return (0, float(number), text)
    except ValueError:
        return (1, 0.0, text)
