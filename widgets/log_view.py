"""LogView: a bounded, batched, following log viewer for any source of lines.

The lines live in a ``LogBuffer`` (ring buffer, dropped-line counter, 16 KiB cut); ``LogLines`` is a Line API
``ScrollView`` that renders only the rows on screen, so 10,000 lines cost what 40 do. Writes are queued and
flushed every ~50 ms or at 1,000 queued lines (RELIABILITY.md rule 7: unbatched writes of 100,000 lines took
a minute). Text is never parsed as markup, and the buffer strips escapes from any raw text it is handed.

Keys: ``/`` filter (a regex; ``!`` in front inverts it; all-lowercase patterns ignore case), ``escape`` clears
it, ``t`` timestamps, ``f`` follow on/off, ``end``/``G`` follow again. Scrolling up pauses following.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from datetime import datetime

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import Input, Static

from widgets.log_buffer import DEFAULT_MAX_LINES, LineLike, LogBuffer

FLUSH_SECONDS = 0.05
FLUSH_LINES = 1_000
TIMESTAMP_WIDTH = 23  # 2024-01-31 12:34:56.789
MAX_SOURCE_WIDTH = 24


def format_timestamp(when: datetime | None) -> str:
    if when is None:
        return " " * TIMESTAMP_WIDTH
    return f"{when:%Y-%m-%d %H:%M:%S}.{when.microsecond // 1000:03d}"


def parse_filter(value: str) -> tuple[re.Pattern[str] | None, bool]:
    """``"!re"`` inverts; a pattern without capitals ignores case. Raises re.error when invalid."""
    invert = value.startswith("!")
    source = value[1:] if invert else value
    if not source:
        return None, False
    flags = 0 if any(c.isupper() for c in source) else re.IGNORECASE
    return re.compile(source, flags), invert


class LogLines(ScrollView, can_focus=True):
    """The rows of a LogView: draws only the visible lines of its buffer (or of the filtered subset)."""

    COMPONENT_CLASSES = {"log-lines--match", "log-lines--timestamp", "log-lines--source"}
    DEFAULT_CSS = """
    LogLines { height: 1fr; background: $surface; }
    LogLines > .log-lines--match { background: $accent 40%; text-style: bold; }
    LogLines > .log-lines--timestamp { color: $text-muted; }
    LogLines > .log-lines--source { color: $secondary; text-style: bold; }
    """

    def __init__(self, buffer: LogBuffer, *, show_source: bool, show_timestamps: bool) -> None:
        super().__init__()
        self.buffer = buffer
        self.show_source = show_source
        self.show_timestamps = show_timestamps
        self.pattern: re.Pattern[str] | None = None
        self.invert = False
        self.following = True
        self.new_lines = 0  # rows that arrived while following was paused
        self._rows: deque[int] | None = None  # absolute numbers of the matching lines while filtered
        self._text_width = 0
        self._source_width = 0
        self._moving = False  # a scroll we make (follow, anchor) must not pause following
        self._cache: LRUCache[int, Strip] = LRUCache(1024)

    # ---- the model: rows are all kept lines, or the matching ones

    @property
    def row_count(self) -> int:
        return len(self.buffer) if self._rows is None else len(self._rows)

    def line_at(self, row: int) -> LineLike:
        if self._rows is None:
            return self.buffer[row]
        return self.buffer.line(self._rows[row])

    def number_at(self, row: int) -> int:
        return self.buffer.first + row if self._rows is None else self._rows[row]

    def add(self, lines: list[LineLike | str]) -> None:
        """Append a batch to the buffer and show it: follow the end, or keep the rows in view still."""
        buffer = self.buffer
        start, first_before = buffer.total, buffer.first
        buffer.append(lines)
        if self._rows is None:
            removed = buffer.first - first_before
            added = buffer.total - start
        else:
            matches = buffer.matching(self.pattern, self.invert, start)
            self._rows.extend(matches)
            removed = 0
            while self._rows and self._rows[0] < buffer.first:
                self._rows.popleft()
                removed += 1
            added = len(matches)
        self._measure(buffer.tail(buffer.total - max(start, buffer.first)))
        self._update_virtual_size()
        if self.following:
            self.scroll_to_end()
        else:
            self.new_lines += added
            if removed:  # the rows shifted up: move with them, so the lines being read stay put
                self._move(y=max(0, self.scroll_y - removed))
        self.refresh()

    def reset(self) -> None:
        self.buffer.clear()
        self._rows = None if self.pattern is None and not self.invert else deque()
        self._text_width = self._source_width = 0
        self.new_lines = 0
        self._cache.clear()
        self._update_virtual_size()
        self.refresh()

    def set_filter(self, pattern: re.Pattern[str] | None, invert: bool) -> None:
        self.pattern, self.invert = pattern, invert
        if pattern is None and not invert:
            self._rows = None
        else:
            self._rows = deque(self.buffer.matching(pattern, invert))
        self._redraw()

    def set_display(self, *, show_timestamps: bool | None = None, show_source: bool | None = None) -> None:
        if show_timestamps is not None:
            self.show_timestamps = show_timestamps
        if show_source is not None:
            self.show_source = show_source
        self._redraw()

    def _redraw(self) -> None:
        self._cache.clear()
        self._update_virtual_size()
        if self.following:
            self.scroll_to_end()
        self.refresh()

    def _measure(self, lines: Iterable[LineLike]) -> None:
        source_width = self._source_width
        for line in lines:
            text = line.text
            width = len(text) if text.isascii() else cell_len(text)
            if width > self._text_width:
                self._text_width = width
            if len(line.source) > self._source_width:
                self._source_width = min(len(line.source), MAX_SOURCE_WIDTH)
        if self._source_width != source_width and self.show_source:
            self._cache.clear()  # the source column got wider: cached rows are misaligned

    def _prefix_width(self) -> int:
        width = TIMESTAMP_WIDTH + 1 if self.show_timestamps else 0
        return width + (self._source_width + 1 if self.show_source and self._source_width else 0)

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self._prefix_width() + self._text_width, self.row_count)

    # ---- following

    def scroll_to_end(self) -> None:
        self.following = True
        self.new_lines = 0
        self._move(y=self.max_scroll_y)

    def _move(self, *, y: float) -> None:
        self._moving = True
        try:
            self.scroll_to(y=y, animate=False, force=True, immediate=True)
        finally:
            self._moving = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._moving:
            return
        at_end = round(new_value) >= self.max_scroll_y
        if at_end and not self.following:
            self.following, self.new_lines = True, 0
            self.post_message(LogView.StateChanged())
        elif not at_end and self.following and new_value < old_value:
            self.following = False
            self.post_message(LogView.StateChanged())

    def on_resize(self) -> None:
        if self.following:  # a taller or shorter view must still end on the last line
            self.scroll_to_end()

    def action_scroll_end(self) -> None:
        self.scroll_to_end()
        self.post_message(LogView.StateChanged())

    # ---- rendering: one Strip per visible row, cached by absolute line number

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.size.width
        style = self.rich_style
        if row >= self.row_count:
            return Strip.blank(width, style)
        number = self.number_at(row)
        strip = self._cache.get(number)
        if strip is None:
            strip = self._cache[number] = self._render_row(self.buffer.line(number), style)
        return strip.crop_extend(scroll_x, scroll_x + width, style).apply_offsets(scroll_x, row)

    def _render_row(self, line: LineLike, style: Style) -> Strip:
        text = Text(no_wrap=True, end="", style=style)
        if self.show_timestamps:
            text.append(format_timestamp(line.timestamp), self.get_component_rich_style("log-lines--timestamp"))
            text.append(" ")
        if self.show_source and self._source_width:
            source = line.source[:MAX_SOURCE_WIDTH].ljust(self._source_width)
            text.append(source, self.get_component_rich_style("log-lines--source"))
            text.append(" ")
        offset = len(text)
        text.append(line.text)  # plain text: never parsed as markup
        if self.pattern is not None and not self.invert:
            match_style = self.get_component_rich_style("log-lines--match")
            for match in self.pattern.finditer(line.text):
                if match.end() > match.start():
                    text.stylize(match_style, offset + match.start(), offset + match.end())
        return Strip(text.render(self.app.console), text.cell_len)

    def visible_text(self) -> list[str]:
        """The text of the rows on screen, top to bottom (prefixes included)."""
        first_row = self.scroll_offset.y
        rows = range(first_row, min(first_row + self.size.height, self.row_count))
        return [self._render_row(self.line_at(row), Style()).text for row in rows]


class LogView(Vertical):
    """A log viewer for any source of lines: bounded, batched, following, filterable.

    ``write_lines`` must be called on the event loop (from a worker, post a message or use
    ``call_from_thread``). Lines are ``LineLike`` objects (source, text, timestamp) or plain strings.
    """

    DEFAULT_CSS = """
    LogView { height: 1fr; }
    LogView > .log-filter { display: none; height: 1; border: none; padding: 0 1; }
    LogView > .log-filter.-open { display: block; }
    LogView > .log-status { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    LogView > .log-status.-paused { color: $warning; }
    LogView > .log-status.-error { color: $error; text-style: bold; }
    """
    BINDINGS = [
        Binding("slash", "open_filter", "Filter", id="log.filter"),
        Binding("escape", "clear_filter", "Clear filter", id="log.clear_filter"),
        Binding("t", "toggle_timestamps", "Timestamps", id="log.timestamps"),
        Binding("f", "toggle_follow", "Follow", id="log.follow"),
        Binding("G,shift+g", "follow", "End", show=False, id="log.end"),
    ]

    class StateChanged(Message):
        """Following, filter or display changed: the status line is redrawn."""

    def __init__(
        self,
        max_lines: int = DEFAULT_MAX_LINES,
        *,
        show_source: bool = False,
        show_timestamps: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._buffer = LogBuffer(max_lines)
        self._lines = LogLines(self._buffer, show_source=show_source, show_timestamps=show_timestamps)
        self._pending: list[LineLike | str] = []
        self._timer: Timer | None = None
        self._filter_text = ""
        self._filter_error = ""
        self._filter_open = False

    def compose(self) -> ComposeResult:
        yield self._lines
        yield Input(
            placeholder="regex filter (!regex inverts) — enter keeps it, escape clears", classes="log-filter"
        )
        yield Static("", classes="log-status")

    def on_mount(self) -> None:
        if self._pending:
            self._flush()
        self._show_status()

    # ---- public API

    def write_lines(self, lines: Iterable[LineLike | str]) -> None:
        """Queue lines; they are shown within ~50 ms, or at once when 1,000 are queued."""
        self._pending.extend(lines)
        if not self.is_mounted:
            return  # flushed on mount
        if len(self._pending) >= FLUSH_LINES:
            self._flush()
        elif self._timer is None and self._pending:
            self._timer = self.set_timer(FLUSH_SECONDS, self._flush)

    def clear(self) -> None:
        """Forget every line (queued ones too) and the counters."""
        self._pending.clear()
        self._lines.reset()
        self._show_status()

    @property
    def line_count(self) -> int:
        """Lines held (at most max_lines), not counting queued ones."""
        return len(self._buffer)

    @property
    def dropped(self) -> int:
        """Lines pushed out of the ring buffer since the start or the last clear()."""
        return self._buffer.dropped

    @property
    def buffer(self) -> LogBuffer:
        return self._buffer

    @property
    def following(self) -> bool:
        return self._lines.following

    @property
    def shown_count(self) -> int:
        """Rows shown: every held line, or the ones that pass the filter."""
        return self._lines.row_count

    def visible_text(self) -> list[str]:
        return self._lines.visible_text()

    def set_filter(self, value: str) -> bool:
        """Filter by a regex (``!`` inverts); returns False, and keeps the previous filter, when it is invalid."""
        try:
            pattern, invert = parse_filter(value)
        except re.error as error:
            self._filter_error = f"invalid regex: {error}"
            self._show_status()
            return False
        self._filter_text, self._filter_error = value, ""
        self._lines.set_filter(pattern, invert)
        self._show_status()
        return True

    # ---- batching

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        self._lines.add(batch)
        self._show_status()

    # ---- actions

    def action_open_filter(self) -> None:
        box = self.query_one(".log-filter", Input)
        box.add_class("-open")
        self._filter_open = True
        box.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":  # otherwise escape goes on to the screen (back)
            return bool(self._filter_text or self._filter_error or self._filter_open)
        return True

    def action_clear_filter(self) -> None:
        box = self.query_one(".log-filter", Input)
        with box.prevent(Input.Changed):
            box.value = ""
        box.remove_class("-open")
        self._filter_open = False
        self._filter_error = ""
        self.set_filter("")
        self._lines.focus()

    def action_toggle_timestamps(self) -> None:
        self._lines.set_display(show_timestamps=not self._lines.show_timestamps)

    def action_toggle_follow(self) -> None:
        if self._lines.following:
            self._lines.following = False
        else:
            self._lines.scroll_to_end()
        self._show_status()

    def action_follow(self) -> None:
        self._lines.scroll_to_end()
        self._show_status()

    @on(Input.Changed, ".log-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.set_filter(event.value)

    @on(Input.Submitted, ".log-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self._filter_text:
            event.input.remove_class("-open")
            self._filter_open = False
        self._lines.focus()

    @on(StateChanged)
    def _state_changed(self, event: StateChanged) -> None:
        event.stop()
        self._show_status()

    # ---- status line

    def status_text(self) -> str:
        lines = self._lines
        parts = [f"{lines.row_count:,} of {len(self._buffer):,} lines"]
        if self.dropped:
            parts.append(f"{self.dropped:,} dropped (keeping the last {self._buffer.max_lines:,})")
        if lines.following:
            parts.append("following")
        else:
            new = f", {lines.new_lines:,} new lines" if lines.new_lines else ""
            parts.append(f"paused{new} — end to follow")
        if self._filter_error:
            parts.append(self._filter_error)
        elif self._filter_text:
            parts.append(f"filter /{self._filter_text}/")
        return " · ".join(parts)

    def _show_status(self) -> None:
        if not self.is_mounted:
            return
        status = self.query_one(".log-status", Static)
        status.update(Text(self.status_text()))
        status.set_class(not self._lines.following, "-paused")
        status.set_class(bool(self._filter_error), "-error")
