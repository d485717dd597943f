"""LogLines: the rows of a LogView, a Line API ``ScrollView`` that draws only what is on screen.

Rows are every kept line of the buffer, or (with a filter, context lines or hidden sources) the absolute numbers
a ``RowSelector`` picked, with separators between context groups. A row is one screen line unless wrapping or
JSON pretty-printing is on: then each row has a height (its pretty lines, each folded at the width) and a list
of cumulative starts maps a screen line to its row by bisection, so 100,000 rows still cost what 40 do.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from itertools import islice
from re import Pattern

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from widgets.log_buffer import LineLike, LogBuffer
from widgets.log_rows import SEPARATOR, SEPARATOR_TEXT, RowLayout, RowSelector, pretty_json

TIMESTAMP_WIDTH = 23  # 2024-01-31 12:34:56.789
MAX_SOURCE_WIDTH = 24
# Theme colours of source prefixes, by a source's place (or the number its owner gives it, e.g. its service).
PALETTE = ("primary", "secondary", "accent", "success", "warning", "error")


def format_timestamp(when: datetime | None) -> str:
    if when is None:
        return " " * TIMESTAMP_WIDTH
    return f"{when:%Y-%m-%d %H:%M:%S}.{when.microsecond // 1000:03d}"


def text_width(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


class LogLines(ScrollView, can_focus=True):
    """The rows of a LogView: draws only the visible lines of its buffer (or of the selected subset)."""

    COMPONENT_CLASSES = {
        "log-lines--match",
        "log-lines--timestamp",
        "log-lines--separator",
        *(f"log-lines--source-{n}" for n in range(len(PALETTE))),
    }
    DEFAULT_CSS = "\n".join(
        [
            "LogLines { height: 1fr; background: $surface; }",
            "LogLines > .log-lines--match { background: $accent 40%; text-style: bold; }",
            "LogLines > .log-lines--timestamp { color: $text-muted; }",
            "LogLines > .log-lines--separator { color: $text-muted; }",
            *(
                f"LogLines > .log-lines--source-{n} {{ color: $text-{name}; text-style: bold; }}"
                for n, name in enumerate(PALETTE)
            ),
        ]
    )

    class StateChanged(Message):
        """Following or the known sources changed: the LogView redraws its status and source bar."""

    def __init__(
        self,
        buffer: LogBuffer,
        *,
        show_source: bool,
        show_timestamps: bool,
        colours: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__()
        self.buffer = buffer
        self.show_source = show_source
        self.show_timestamps = show_timestamps
        # source -> palette number, when the owner decides (a service's replicas share one)
        self.colours: Mapping[str, int] = colours if colours is not None else {}
        self.sources: dict[str, int] = {}  # every source seen, in order of arrival -> palette number
        self.following = True
        self.new_lines = 0  # rows that arrived while following was paused
        self.wrap = False
        self.pretty = False
        self._selector = RowSelector()
        self._context_lines = 0
        self._rows: deque[int] | None = None  # the selected numbers (and separators); None: every kept line
        self._layout: RowLayout | None = None  # screen lines of each row, while rows may be taller than one
        self._visual_height = 0
        self._text_width = 0
        self._source_width = 0
        self._moving = False  # a scroll we make (follow, anchor) must not pause following
        self._cache: LRUCache[int, list[Strip]] = LRUCache(1024)
        self._pretty: LRUCache[int, list[str] | None] = LRUCache(4096)

    # ---- the selection: which lines are rows

    @property
    def pattern(self) -> Pattern[str] | None:
        return self._selector.pattern

    @property
    def invert(self) -> bool:
        return self._selector.invert

    @property
    def context(self) -> int:
        """Lines of context asked for (they apply while a filter is set)."""
        return self._context_lines

    @property
    def hidden(self) -> frozenset[str]:
        return self._selector.hidden

    @property
    def row_count(self) -> int:
        return len(self.buffer) if self._rows is None else len(self._rows)

    @property
    def shown_count(self) -> int:
        """Rows that are lines (separators not counted)."""
        return len(self.buffer) if self._rows is None else len(self._rows) - self._rows.count(SEPARATOR)

    @property
    def expanded(self) -> bool:
        """Rows may span several screen lines (wrap or JSON pretty-printing)."""
        return self.wrap or self.pretty

    def number_at(self, row: int) -> int:
        """The absolute line number of a row, or SEPARATOR."""
        return self.buffer.first + row if self._rows is None else self._rows[row]

    def line_at(self, row: int) -> LineLike | None:
        number = self.number_at(row)
        return None if number == SEPARATOR else self.buffer.line(number)

    def shown_lines(self) -> list[LineLike]:
        """The lines that are rows (separators left out), oldest first."""
        if self._rows is None:
            return list(self.buffer)
        return [line for _, line in self._numbered_rows() if line is not None]

    def set_filter(self, pattern: Pattern[str] | None, invert: bool) -> None:
        self._select(pattern, invert, self._context_lines, self.hidden)

    def set_context(self, lines: int) -> None:
        """Show ``lines`` neighbours before and after each match (when a filter is set)."""
        self._context_lines = lines
        self._select(self.pattern, self.invert, lines, self.hidden)

    def set_hidden(self, sources: Iterable[str]) -> None:
        """Hide the lines of these sources (they stay in the buffer)."""
        self._select(self.pattern, self.invert, self._context_lines, frozenset(sources))

    def _select(self, pattern: Pattern[str] | None, invert: bool, context: int, hidden: frozenset[str]) -> None:
        self._selector = selector = RowSelector(pattern, invert, context, hidden)
        if selector.shows_everything:
            self._rows = None
        else:
            buffer = self.buffer
            self._rows = deque(selector.feed(zip(range(buffer.first, buffer.total), buffer, strict=True)))
        self._redraw()

    # ---- appending

    def add(self, lines: list[LineLike | str]) -> None:
        """Append a batch to the buffer and show it: follow the end, or keep the rows in view still."""
        buffer = self.buffer
        start, first_before = buffer.total, buffer.first
        buffer.append(lines)
        begin = max(start, buffer.first)
        arrived = buffer.tail(buffer.total - begin)
        relayout = self._measure(arrived) or self._layout is None
        if self._rows is None:
            gone = max(0, min(buffer.first, start) - first_before)
            if not relayout:
                self._append_rows(zip(range(begin, buffer.total), arrived, strict=True))
            added = len(arrived)
        else:
            picked = self._selector.feed(zip(range(begin, buffer.total), arrived, strict=True))
            self._rows.extend(picked)
            if not relayout:  # before-context may be older than this batch, or gone already (then trimmed)
                self._append_rows((n, self._line_or_none(n, begin, arrived)) for n in picked)
            gone = len(self._trim())
            added = len(picked) - picked.count(SEPARATOR)
        if relayout:
            removed = gone
            self._update_virtual_size()
        else:
            assert self._layout is not None
            removed = self._layout.drop_front(gone)
            self._update_virtual_size(full=False)
        if self.following:
            self.scroll_to_end()
        else:
            self.new_lines += added
            if removed:  # the rows shifted up: move with them, so the lines being read stay put
                self._move(y=max(0, self.scroll_y - removed))
        self.refresh()

    def _line_or_none(self, number: int, begin: int, arrived: list[LineLike]) -> LineLike | None:
        if number >= begin:
            return arrived[number - begin]
        if number == SEPARATOR or number < self.buffer.first:
            return None
        return self.buffer.line(number)

    def _trim(self) -> list[int]:
        """Forget selected rows whose lines left the buffer (and separators left leading); returns them."""
        rows, first, gone = self._rows, self.buffer.first, []
        while rows and (rows[0] == SEPARATOR or rows[0] < first):
            gone.append(rows.popleft())
        return gone

    def reset(self) -> None:
        self.buffer.clear()
        old = self._selector
        self._selector = RowSelector(old.pattern, old.invert, self._context_lines, old.hidden)
        self._rows = None if self._selector.shows_everything else deque()
        self._text_width = self._source_width = 0
        self.sources.clear()
        self.new_lines = 0
        self._cache.clear()
        self._pretty.clear()
        self._update_virtual_size()
        self.refresh()

    def set_display(
        self,
        *,
        show_timestamps: bool | None = None,
        show_source: bool | None = None,
        wrap: bool | None = None,
        pretty: bool | None = None,
    ) -> None:
        if show_timestamps is not None:
            self.show_timestamps = show_timestamps
        if show_source is not None:
            self.show_source = show_source
        if wrap is not None:
            self.wrap = wrap
            if wrap:
                self._move_x(0)
        if pretty is not None:
            self.pretty = pretty
        self._redraw()

    def _redraw(self) -> None:
        self._cache.clear()
        self._update_virtual_size()
        if self.following:
            self.scroll_to_end()
        self.refresh()

    def _measure(self, lines: Iterable[LineLike]) -> bool:
        """Note widths and new sources; True when the rows already laid out must be laid out again."""
        source_width, sources = self._source_width, len(self.sources)
        for line in lines:
            width = text_width(line.text)
            if width > self._text_width:
                self._text_width = width
            source = line.source
            if source not in self.sources:
                self.sources[source] = self.colours.get(source, len(self.sources))
                self._source_width = max(self._source_width, min(len(source), MAX_SOURCE_WIDTH))
        relayout = self._source_width != source_width and self.show_source
        if relayout:
            self._cache.clear()  # the source column got wider: cached rows are misaligned (and may fold anew)
        if len(self.sources) != sources:
            self.post_message(self.StateChanged())
        return relayout

    def prefix_width(self) -> int:
        width = TIMESTAMP_WIDTH + 1 if self.show_timestamps else 0
        return width + (self._source_width + 1 if self.show_source and self._source_width else 0)

    # ---- screen lines: one per row, or several per row when expanded

    def _numbered_rows(self) -> Iterator[tuple[int, LineLike | None]]:
        """Every row with its line (None for a separator), in one pass over the buffer: a deque is slow to
        index in the middle."""
        buffer = self.buffer
        if self._rows is None:
            yield from zip(range(buffer.first, buffer.total), buffer, strict=True)
            return
        lines, at = iter(buffer), buffer.first
        for number in self._rows:
            if number == SEPARATOR:
                yield number, None
                continue
            yield number, next(islice(lines, number - at, None))
            at = number + 1

    def _update_virtual_size(self, *, full: bool = True) -> None:
        if not self.expanded:
            self._layout = None
            self._visual_height = self.row_count
        else:
            if full or self._layout is None:
                self._layout = RowLayout()
                self._append_rows(self._numbered_rows())
            self._visual_height = self._layout.height
        width = self.size.width if self.wrap else self.prefix_width() + self._text_width
        self.virtual_size = Size(width, self._visual_height)

    def _append_rows(self, rows: Iterable[tuple[int, LineLike | None]]) -> None:
        assert self._layout is not None
        height = self._row_height
        self._layout.append(height(number, line) for number, line in rows)

    def _segments(self, number: int, line: LineLike) -> list[str]:
        text = line.text
        if not self.pretty or text[:1] not in ("{", "["):  # the cheap test first: most lines are not JSON
            return [text]
        if number not in self._pretty:
            self._pretty[number] = pretty_json(line.text)
        pretty = self._pretty[number]
        return pretty if pretty is not None else [line.text]

    def _row_height(self, number: int, line: LineLike | None) -> int:
        if line is None:
            return 1
        segments = self._segments(number, line)
        width = self.size.width
        if not self.wrap or width <= 0:
            return len(segments)
        prefix = self.prefix_width()
        return sum(max(1, -(-(prefix + text_width(s)) // width)) for s in segments)

    def _locate(self, visual: int) -> tuple[int, int] | None:
        """(row, screen line within the row) of a screen line, or None past the end."""
        if self._layout is not None:
            return self._layout.locate(visual)
        return (visual, 0) if 0 <= visual < self._visual_height else None

    def visual_row(self, row: int) -> int:
        """The first screen line of a row."""
        return row if self._layout is None else self._layout.start(row)

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

    def _move_x(self, x: float) -> None:
        self._moving = True
        try:
            self.scroll_to(x=x, animate=False, force=True, immediate=True)
        finally:
            self._moving = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._moving:
            return
        at_end = round(new_value) >= self.max_scroll_y
        if at_end and not self.following:
            self.following, self.new_lines = True, 0
            self.post_message(self.StateChanged())
        elif not at_end and self.following and new_value < old_value:
            self.following = False
            self.post_message(self.StateChanged())

    def on_resize(self) -> None:
        if self.wrap:  # folded heights depend on the width
            self._cache.clear()
            self._update_virtual_size()
        if self.following:  # a taller or shorter view must still end on the last line
            self.scroll_to_end()

    def action_scroll_end(self) -> None:
        self.scroll_to_end()
        self.post_message(self.StateChanged())

    # ---- rendering: the Strips of a row, cached by absolute line number

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        style = self.rich_style
        strip = self._strip_at(scroll_y + y, style)
        if strip is None:
            return Strip.blank(width, style)
        return strip.crop_extend(scroll_x, scroll_x + width, style).apply_offsets(scroll_x, scroll_y + y)

    def _strip_at(self, visual: int, style: Style) -> Strip | None:
        place = self._locate(visual)
        if place is None:
            return None
        row, part = place
        number = self.number_at(row)
        if number == SEPARATOR:
            text = Text(SEPARATOR_TEXT, style=self.get_component_rich_style("log-lines--separator"), end="")
            return Strip(text.render(self.app.console), text.cell_len)
        strips = self._cache.get(number)
        if strips is None:
            strips = self._cache[number] = self._render_strips(number, style)
        return strips[min(part, len(strips) - 1)]

    def _render_strips(self, number: int, style: Style) -> list[Strip]:
        line = self.buffer.line(number)
        if not self.expanded:
            return [self._render_row(line, style)]
        strips = []
        indent = " " * self.prefix_width()
        for index, segment in enumerate(self._segments(number, line)):
            strip = self._render_row(line, style, segment, blank_prefix=indent if index else None)
            if self.wrap and self.size.width > 0:
                width = self.size.width
                strips += [strip.crop(at, at + width) for at in range(0, max(1, strip.cell_length), width)]
            else:
                strips.append(strip)
        return strips

    def colour_style(self, source: str) -> Style:
        number = self.sources.get(source, self.colours.get(source, 0))
        return self.get_component_rich_style(f"log-lines--source-{number % len(PALETTE)}")

    def _render_row(
        self, line: LineLike, style: Style, segment: str | None = None, blank_prefix: str | None = None
    ) -> Strip:
        text = Text(no_wrap=True, end="", style=style)
        if blank_prefix is not None:
            text.append(blank_prefix)
        else:
            if self.show_timestamps:
                text.append(
                    format_timestamp(line.timestamp), self.get_component_rich_style("log-lines--timestamp")
                )
                text.append(" ")
            if self.show_source and self._source_width:
                source = line.source[:MAX_SOURCE_WIDTH].ljust(self._source_width)
                text.append(source, self.colour_style(line.source))
                text.append(" ")
        offset = len(text)
        body = line.text if segment is None else segment
        text.append(body)  # plain text: never parsed as markup
        pattern = self.pattern
        if pattern is not None and not self.invert:
            match_style = self.get_component_rich_style("log-lines--match")
            for match in pattern.finditer(body):
                if match.end() > match.start():
                    text.stylize(match_style, offset + match.start(), offset + match.end())
        return Strip(text.render(self.app.console), text.cell_len)

    def plain_row(self, line: LineLike) -> str:
        """A line as one row shows it, prefixes included, without styles (what a save writes)."""
        prefix = ""
        if self.show_timestamps:
            prefix = format_timestamp(line.timestamp) + " "
        if self.show_source and self._source_width:
            prefix += line.source[:MAX_SOURCE_WIDTH].ljust(self._source_width) + " "
        return prefix + line.text

    def visible_text(self) -> list[str]:
        """The text of the screen lines in view, top to bottom (prefixes included)."""
        top = self.scroll_offset.y
        texts = []
        for visual in range(top, min(top + self.size.height, self._visual_height)):
            strip = self._strip_at(visual, Style())
            if strip is not None:
                texts.append(strip.text)
        return texts
