"""ResourceTable: a virtualised table kept equal to a keyed set of records, changed incrementally.

A Line API ``ScrollView`` (like ``LogLines``): only the rows on screen are rendered, so 100,000 records cost
what 40 do (Textual's DataTable measured every cell on add and took 2.7 s for 10,000 rows). Rows are keyed by
the record's ``key`` (container id, pod uid); which are listed, in what order, is ``RowOrder``
(widgets/row_order.py): a snapshot costs C-level passes plus Python work per new or changed record, an upsert
whose sort cell changed moves one key (bisect). Cells are rendered when a row is first drawn and cached per key
with the row's Strip, also while a filter hides the row (until its record changes); a column is as wide as its
header and the widest cell rendered so far (capped), remeasured on a snapshot. Cells are ``rich.text.Text``:
external strings are never parsed as markup. The cursor stays on the same record across updates and resorts;
when a snapshot removes it, it moves to the next record in sort order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from widgets.row_order import MARK, Rank, RowOrder

MAX_AUTO_WIDTH = 60  # an auto-sized column never grows past this (a long command line is cut with "…")
PADDING = " "  # one cell either side of every column, as DataTable draws them
ARROWS = (" ▲", " ▼")

Line = tuple[Strip, Style]  # a rendered row, and the style that fills the rest of the widget's width
Cells = tuple[tuple[Text, ...], tuple[int, ...]]  # a row's cells and their widths


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    render: Callable[[Any], str | Text]
    width: int | None = None
    volatile: bool = False  # changes with time alone (an age): re-rendered by refresh_volatile()


@dataclass(frozen=True)
class RowKey:
    """A row's key shaped like DataTable's (``.value`` is the record key)."""

    value: str


class RowEvent(Message):
    """Base of the table's row messages: ``key`` (also ``row_key.value``) and the row index."""

    def __init__(self, table: ResourceTable, key: str, cursor_row: int) -> None:
        super().__init__()
        self.table = table
        self.key = key
        self.row_key = RowKey(key)
        self.cursor_row = cursor_row

    @property
    def control(self) -> ResourceTable:
        return self.table


def _cell(value: str | Text) -> Text:
    if isinstance(value, str):
        return Text(value.replace("\n", " "), no_wrap=True, overflow="ellipsis")
    if "\n" in value.plain:  # one line per row: keep the spans, lose the line breaks
        value = value.copy()
        value.plain = value.plain.replace("\n", " ")
    return value


def _same(old: tuple[Text, ...], new: tuple[Text, ...]) -> bool:
    """Text equality ignores the base style (a state cell turning red): compare it too."""
    return all(a == b and a.style == b.style for a, b in zip(old, new, strict=True))


def _fit(text: Text, length: int, width: int) -> Text:
    if length == width:
        return text
    text = text.copy()
    text.truncate(width, overflow="ellipsis", pad=True)
    return text


class ResourceTable(ScrollView, can_focus=True):
    """Records as rows, one per key; only the visible rows are rendered. Enter or a click on the cursor row
    posts ``RowSelected``; moving the cursor to another record posts ``RowHighlighted``."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "resource-table--header",
        "resource-table--cursor",
        "resource-table--hover",
    }
    DEFAULT_CSS = """
    ResourceTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .resource-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .resource-table--header { background-tint: $foreground 5%; }
        }
        & > .resource-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .resource-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .resource-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .resource-table--hover { background: $block-hover-background; }
        &.-stale { opacity: 60%; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first_row", "First row", show=False),
        Binding("end,ctrl+end", "last_row", "Last row", show=False),
    ]

    class RowHighlighted(RowEvent):
        """The cursor moved onto another record."""

    class RowSelected(RowEvent):
        """Enter, or a click on the cursor row."""

    def __init__(self, columns: list[Column], *, sort_column: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = columns
        self._columns = {c.key: c for c in columns}
        self._index = {c.key: n for n, c in enumerate(columns)}
        self.sort_column = sort_column or columns[0].key
        self.sort_reverse = False
        self._rows = RowOrder(self._columns[self.sort_column].render)  # shown bottom-up when sort_reverse
        self.marked: set[str] = set()
        self._cells: dict[str, Cells] = {}  # rendered rows only
        self._hidden_cells: dict[str, Cells] = {}  # rendered rows a filter hid, while their record is the same
        self._widest = [0] * len(columns)  # widest cell rendered so far, per column
        self._widths = self._column_widths()
        self._strips: LRUCache[str, Line] = LRUCache(1024)
        self._header: Line | None = None
        self._cursor_key: str | None = None
        self._cursor_row = 0
        self._hover_key: str | None = None
        self._base_style: Style | None = None
        self._scroll_pending = False  # select_key before layout: scroll once the size is known

    # ---- the model: records in rank order

    @property
    def records(self) -> dict[str, Any]:
        """The listed records by key (read-only: change them with apply_snapshot, upsert, discard)."""
        return self._rows.records

    @property
    def row_count(self) -> int:
        return len(self._rows.listed)

    @property
    def cursor_row(self) -> int:
        return self._cursor_row

    @property
    def selected(self) -> Any | None:
        """The record under the cursor, if any."""
        return self.records.get(self._cursor_key) if self._cursor_key is not None else None

    def _row_of(self, key: str) -> int:
        position = self._rows.position(key)
        return len(self._rows.listed) - 1 - position if self.sort_reverse else position

    def _key_at(self, row: int) -> str:
        listed = self._rows.listed
        return listed[len(listed) - 1 - row if self.sort_reverse else row]

    def get_row_index(self, key: str) -> int:
        """The row showing this record; KeyError when it is not listed."""
        if key not in self.records:
            raise KeyError(key)
        return self._row_of(key)

    def get_row(self, key: str) -> list[Text]:
        """The cells of a record's row as drawn (mark included); KeyError when it is not listed."""
        if key not in self.records:
            raise KeyError(key)
        return list(self._cells_of(key)[0])

    def get_row_at(self, row: int) -> list[Text]:
        return self.get_row(self._key_at(row))

    def get_cell(self, key: str, column: str) -> Text:
        return self.get_row(key)[self._index[column]]

    def apply_snapshot(self, records: Iterable[Any]) -> None:
        """Make the rows equal these records (by key). Only new or changed records cost Python work, and only
        their sort cell is rendered; rows a filter hid keep their rendered cells while their record is the
        same object, so clearing the filter renders nothing either."""
        cursor = self._cursor_key
        lost = self._rows.rank.get(cursor) if cursor is not None else None
        renewed = self._rows.snapshot(records)
        if renewed is None:
            return
        listed, cells, hidden = self._rows.records, self._cells, self._hidden_cells
        for key in renewed:
            self._drop_cells(key)
        for key in [k for k in cells if k not in listed]:  # hidden: kept while the record is the same
            if key in self.marked:  # a mark is in the cells, and goes with the row
                del cells[key]
                self._strips.discard(key)
            else:
                hidden[key] = cells.pop(key)
        for key in [k for k in hidden if k in listed or k not in self._rows.seen]:
            cached = hidden.pop(key)
            if key in listed:
                cells[key] = cached
            else:  # forgotten (too many hidden): if it comes back, it is drawn afresh
                self._strips.discard(key)
        self.marked.difference_update([k for k in self.marked if k not in listed])
        self._remeasure()
        self._rows_changed(lost)

    def upsert(self, record: Any, *, resort: bool = True) -> None:
        """Add or update one record; only a visible row whose cells changed is redrawn."""
        key = record.key
        if self._rows.upsert(record, key, resort=resort):  # new, or moved: rendered afresh when shown
            self._drop_cells(key)
            self._rows_changed()
        elif key in self._cells and self._rerender(key):
            self._refresh_key(key)

    def discard(self, key: str) -> None:
        listed = self._rows.remove(key)  # perhaps hidden by a filter: gone for good now
        self._drop_cells(key)
        self.marked.discard(key)
        if listed:
            self._rows_changed()

    def refresh_volatile(self) -> None:
        """Re-render the time-dependent columns of the rows on screen; the others are rendered when shown."""
        if not any(c.volatile for c in self.spec):
            return
        visible = set(self.visible_keys())
        self._forget_hidden()  # rendered before a filter hid them: their ages are old now
        for key in list(self._cells):
            if key not in visible:
                del self._cells[key]
                self._strips.discard(key)
            elif self._rerender(key):
                self._refresh_key(key)

    def _forget_hidden(self) -> None:
        for key in self._hidden_cells:
            self._strips.discard(key)
        self._hidden_cells.clear()

    def _drop_cells(self, key: str) -> None:
        self._cells.pop(key, None)
        self._hidden_cells.pop(key, None)
        self._strips.discard(key)

    def _rows_changed(self, lost: Rank | None = None) -> None:
        """Rows were added, removed or moved: keep the cursor on its record and redraw. ``lost``: the rank
        the cursor's record had, when a snapshot may have removed it."""
        self._update_widths(force=True)  # first: the virtual size bounds a scroll to the cursor
        self._sync_cursor(lost)

    # ---- marks (bulk actions) and sorting

    def toggle_mark(self, key: str) -> None:
        if key in self.records:
            self.marked.symmetric_difference_update({key})
            if self._rerender(key):
                self._refresh_key(key)

    def clear_marks(self) -> None:
        marked, self.marked = self.marked, set()
        for key in marked:
            if key in self.records and self._rerender(key):
                self._refresh_key(key)

    def sort_by(self, column: str) -> None:
        """Sort by a column; choosing the current sort column again reverses the order."""
        if column not in self._columns:
            raise KeyError(column)
        self.sort_reverse = not self.sort_reverse if column == self.sort_column else False
        if column != self.sort_column:
            self.sort_column = column
            self._rows.resort(self._columns[column].render)  # the records a filter hid are forgotten
            self._forget_hidden()
        self._header = None
        self._rows_changed()
        self._scroll_to_cursor()

    def cycle_sort(self) -> None:
        keys = [c.key for c in self.spec]
        self.sort_by(keys[(keys.index(self.sort_column) + 1) % len(keys)])

    # ---- cursor and scrolling

    def _sync_cursor(self, lost: Rank | None = None) -> None:
        """Keep the cursor on its record; when that record left, on the row that took its place: the next one
        in sort order (``lost`` is the rank it had), else the one now at its row."""
        key, count = self._cursor_key, len(self._rows.listed)
        if key is not None and key in self.records:
            self._cursor_row = self._row_of(key)
        elif not count:
            self._cursor_row, self._cursor_key = 0, None
        else:
            row = self._cursor_row
            if lost is not None:
                below = self._rows.insertion_point(lost)  # listed keys ranked before the lost one
                row = count - below if self.sort_reverse else below
            self._cursor_row = min(row, count - 1)
            self._set_cursor_key(self._key_at(self._cursor_row))
            if lost is not None:  # a filter hid it: its neighbour may be far from where the view was
                self._scroll_to_cursor()

    def _set_cursor_key(self, key: str) -> None:
        old, self._cursor_key = self._cursor_key, key
        if old != key:
            for changed in (old, key):
                if changed is not None:
                    self._strips.discard(changed)
                    self._refresh_key(changed)
            self.post_message(self.RowHighlighted(self, key, self._cursor_row))

    def move_cursor(self, *, row: int | None = None, column: int | None = None, scroll: bool = True) -> None:
        """Put the cursor on a row (clamped); ``column`` is accepted for DataTable's signature and ignored."""
        if row is None or not self._rows.listed:
            return
        self._cursor_row = max(0, min(row, len(self._rows.listed) - 1))
        self._set_cursor_key(self._key_at(self._cursor_row))
        if scroll:
            self._scroll_to_cursor()

    def select_key(self, key: str) -> bool:
        """Put the cursor on the record with this key (scrolling to it); False when it is not listed."""
        if key not in self.records:
            return False
        self.move_cursor(row=self._row_of(key))
        return True

    def _rows_height(self) -> int:
        return max(0, self.scrollable_content_region.height - 1)  # the header stays on top

    def visible_keys(self) -> list[str]:
        """Keys of the rows on screen, top to bottom."""
        top = round(self.scroll_y)
        return [self._key_at(r) for r in range(top, min(top + self._rows_height(), len(self._rows.listed)))]

    def _scroll_to_cursor(self) -> None:
        height = self._rows_height()
        if height <= 0:
            self._scroll_pending = True
            return
        self._scroll_pending = False
        top, row = round(self.scroll_y), self._cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, force=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, force=True)

    def on_resize(self) -> None:
        if self._scroll_pending:
            self._scroll_to_cursor()

    def action_cursor_up(self) -> None:
        self._set_hover(None)
        self.move_cursor(row=self._cursor_row - 1)

    def action_cursor_down(self) -> None:
        self._set_hover(None)
        self.move_cursor(row=self._cursor_row + 1)

    def action_page_up(self) -> None:
        self._page(-1)

    def action_page_down(self) -> None:
        self._page(1)

    def _page(self, direction: int) -> None:
        self._set_hover(None)
        step = max(1, self._rows_height()) * direction
        self.scroll_to(y=self.scroll_y + step, animate=False, force=True)
        self.move_cursor(row=self._cursor_row + step)

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=len(self._rows.listed) - 1)

    def action_select_cursor(self) -> None:
        if self._cursor_key is not None:
            self.post_message(self.RowSelected(self, self._cursor_key, self._cursor_row))

    # ---- mouse: a header click sorts, a click moves the cursor (selects when already there)

    def _row_at(self, event: events.MouseEvent) -> int | None:
        """The row under the pointer; -1 for the header; None outside the rows."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        if offset.y == 0:
            return -1
        row = round(self.scroll_y) + offset.y - 1
        return row if row < len(self._rows.listed) else None

    def _column_at(self, x: int) -> Column | None:
        for column, width in zip(self.spec, self._widths, strict=True):
            x -= width + 2 * len(PADDING)
            if x < 0:
                return column
        return None

    def on_click(self, event: events.Click) -> None:
        row = self._row_at(event)
        if row is None:
            return
        event.stop()
        offset = event.get_content_offset(self)
        if row == -1 and offset is not None:
            column = self._column_at(offset.x + round(self.scroll_x))
            if column is not None:
                self.sort_by(column.key)
        elif row == self._cursor_row:
            self.action_select_cursor()
        else:
            self.move_cursor(row=row)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        row = self._row_at(event)
        self._set_hover(self._key_at(row) if row is not None and row >= 0 else None)

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def _set_hover(self, key: str | None) -> None:
        old, self._hover_key = self._hover_key, key
        if old != key:
            for changed in (old, key):
                if changed is not None:
                    self._strips.discard(changed)
                    self._refresh_key(changed)

    # ---- rendering: only the visible rows, each Strip cached by key

    def _column_widths(self) -> list[int]:
        widths = []
        for n, column in enumerate(self.spec):
            if column.width is not None:
                widths.append(column.width)
            else:
                label = cell_len(column.label) + (len(ARROWS[0]) if column.key == self.sort_column else 0)
                widths.append(min(MAX_AUTO_WIDTH, max(label, self._widest[n])))
        return widths

    def _update_widths(self, *, force: bool = False) -> None:
        """Recompute column widths; when they changed, every cached Strip is misaligned."""
        widths = self._column_widths()
        if widths != self._widths:
            self._widths = widths
            self._strips.clear()
            self._header = None
        elif not force:
            return
        total = sum(widths) + 2 * len(PADDING) * len(widths)
        self.virtual_size = Size(total, len(self._rows.listed) + 1)
        self.refresh()

    def _cells_of(self, key: str) -> tuple[tuple[Text, ...], tuple[int, ...]]:
        cached = self._cells.get(key)
        if cached is None:
            cached = self._cells[key] = self._render_cells(self.records[key])
            self._grow(cached[1])
        return cached

    def _render_cells(self, record: Any) -> tuple[tuple[Text, ...], tuple[int, ...]]:
        cells = [_cell(c.render(record)) for c in self.spec]
        if record.key in self.marked:
            cells[0] = Text(MARK, style="bold") + cells[0]
        return tuple(cells), tuple(c.cell_len for c in cells)

    def _rerender(self, key: str) -> bool:
        """Re-render a row already rendered; True when a cell changed (rows never drawn wait until shown)."""
        cached = self._cells.get(key)
        if cached is None:
            return False
        fresh = self._render_cells(self.records[key])
        if _same(cached[0], fresh[0]):
            return False
        self._cells[key] = fresh
        self._strips.discard(key)
        self._grow(fresh[1])
        return True

    def _remeasure(self) -> None:
        """Widest cells among the rendered rows still listed (a snapshot may have removed the widest)."""
        columns = list(zip(*(lengths for _, lengths in self._cells.values()), strict=True))
        self._widest = [max(c) for c in columns] if columns else [0] * len(self.spec)

    def _grow(self, widths: tuple[int, ...]) -> None:
        widest = self._widest
        if any(w > widest[n] for n, w in enumerate(widths)):
            self._widest = [max(a, b) for a, b in zip(widest, widths, strict=True)]
            self._update_widths()

    def _refresh_key(self, key: str) -> None:
        if key in self.records:
            row = self._row_of(key)
            top = round(self.scroll_y)
            if top <= row < top + self.size.height:
                self.refresh_line(row + 1)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._header = None
        self._base_style = None

    def on_focus(self) -> None:
        self.notify_style_update()  # the cursor and the tint differ when focused
        self.refresh()

    def on_blur(self) -> None:
        self.notify_style_update()
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        # Render the visible rows' cells first, so any column they widen is wide before a line is drawn.
        top = round(self.scroll_y)
        for row in range(top, min(top + self.size.height, len(self._rows.listed))):
            self._cells_of(self._key_at(row))
        base = self.rich_style  # it walks every ancestor: once per frame, not once per line
        if base != self._base_style:  # an ancestor's style changed (a theme, a class): cached rows are stale
            self._base_style, self._header = base, None
            self._strips.clear()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self._base_style or self.rich_style
        if y == 0:
            if self._header is None:
                self._header = self._render_header(base)
            strip, fill = self._header
        else:
            row = scroll_y + y - 1
            if row >= len(self._rows.listed):
                return Strip.blank(width, base)
            key = self._key_at(row)
            cached = self._strips.get(key)
            if cached is None:
                cached = self._strips[key] = self._render_row(key, base)
            strip, fill = cached
        return strip.crop_extend(scroll_x, scroll_x + width, fill)  # header and cursor reach the right edge

    def _render_header(self, base: Style) -> Line:
        line = Text(no_wrap=True, end="")
        for column, width in zip(self.spec, self._widths, strict=True):
            label = Text(column.label)
            if column.key == self.sort_column:
                label.append(ARROWS[self.sort_reverse])
            line.append(PADDING)
            line.append_text(_fit(label, label.cell_len, width))
            line.append(PADDING)
        style = base + self.get_component_rich_style("resource-table--header")
        return self._strip(line, style), style

    def _render_row(self, key: str, base: Style) -> Line:
        cells, lengths = self._cells_of(key)
        style = base
        if key == self._hover_key:
            style += self.get_component_rich_style("resource-table--hover")
        cursor = key == self._cursor_key
        if cursor:
            style += self.get_component_rich_style("resource-table--cursor")
        line = Text(no_wrap=True, end="")
        for cell, length, width in zip(cells, lengths, self._widths, strict=True):
            line.append(PADDING)
            line.append_text(_fit(cell, length, width))
            line.append(PADDING)
        if cursor:  # the cursor's colours win over the cells' own (DataTable's "css" priority)
            line.stylize(Style(color=style.color, bgcolor=style.bgcolor))
        return self._strip(line, style), style

    def _strip(self, line: Text, style: Style) -> Strip:
        # Text.render ignores the Text's own style when it has no spans: apply the row style to the segments.
        # A segment left with no style at all breaks Textual's opacity (a stale table is faded): never None.
        segments = [
            Segment(text, seg_style or Style.null(), control)
            for text, seg_style, control in line.render(self.app.console)
        ]
        return Strip(segments, line.cell_len).apply_style(style)
