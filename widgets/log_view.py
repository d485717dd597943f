"""LogView: a bounded, batched, following log workbench for any source of lines.

The lines live in a ``LogBuffer`` (ring buffer, dropped-line counter, 16 KiB cut); ``LogLines`` is a Line API
``ScrollView`` that renders only the rows on screen, so 10,000 lines cost what 40 do. Writes are queued and
flushed every ~50 ms or at 1,000 queued lines (RELIABILITY.md rule 7: unbatched writes of 100,000 lines took
a minute). Text is never parsed as markup, and the buffer strips escapes from any raw text it is handed.

Keys (binding ids ``log.*``, remappable): ``/`` filter (a regex; ``!`` in front inverts it; all-lowercase
patterns ignore case), ``escape`` clears it, ``c`` context lines around matches (0/2/5/10), ``w`` wrap,
``t`` timestamps, ``f`` follow/pause, ``end``/``G`` follow again, ``J`` JSON lines pretty-printed, ``y`` copy
the rows in view (OSC 52), ``1``-``9`` hide/show a source of a merged log. Scrolling up pauses following.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from widgets.log_buffer import DEFAULT_MAX_LINES, LineLike, LogBuffer
from widgets.log_lines import MAX_SOURCE_WIDTH, PALETTE, TIMESTAMP_WIDTH, LogLines, format_timestamp
from widgets.log_rows import next_context

__all__ = [
    "MAX_SOURCE_WIDTH",
    "PALETTE",
    "TIMESTAMP_WIDTH",
    "LogLines",
    "LogView",
    "format_timestamp",
    "parse_filter",
]

FLUSH_SECONDS = 0.05
FLUSH_LINES = 1_000
MAX_SOURCE_KEYS = 9


def parse_filter(value: str) -> tuple[re.Pattern[str] | None, bool]:
    """``"!re"`` inverts; a pattern without capitals ignores case. Raises re.error when invalid."""
    invert = value.startswith("!")
    source = value[1:] if invert else value
    if not source:
        return None, False
    flags = 0 if any(c.isupper() for c in source) else re.IGNORECASE
    return re.compile(source, flags), invert


class LogView(Vertical):
    """A log viewer for any source of lines: bounded, batched, following, filterable.

    ``write_lines`` must be called on the event loop (from a worker, post a message or use
    ``call_from_thread``). Lines are ``LineLike`` objects (source, text, timestamp) or plain strings.
    ``colours`` may give a source its palette number (replicas of a service share one).
    """

    DEFAULT_CSS = """
    LogView { height: 1fr; }
    LogView > .log-sources { display: none; height: 1; padding: 0 1; background: $panel; }
    LogView > .log-sources.-many { display: block; }
    LogView > .log-filter { display: none; height: 1; border: none; padding: 0 1; }
    LogView > .log-filter.-open { display: block; }
    LogView > .log-status { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    LogView > .log-status.-paused { color: $warning; }
    LogView > .log-status.-error { color: $error; text-style: bold; }
    """
    BINDINGS = [
        Binding("slash", "open_filter", "Filter", id="log.filter"),
        Binding("escape", "clear_filter", "Clear filter", id="log.clear_filter"),
        Binding("c", "cycle_context", "Context", id="log.context"),
        Binding("w", "toggle_wrap", "Wrap", id="log.wrap"),
        Binding("t", "toggle_timestamps", "Timestamps", id="log.timestamps"),
        Binding("f", "toggle_follow", "Follow", id="log.follow"),
        Binding("G,shift+g", "follow", "End", show=False, id="log.end"),
        Binding("J,shift+j", "toggle_pretty", "JSON", id="log.json"),
        Binding("y", "copy", "Copy", id="log.copy"),
        *(
            Binding(str(n), f"toggle_source({n})", f"Source {n}", show=False, id=f"log.source_{n}")
            for n in range(1, MAX_SOURCE_KEYS + 1)
        ),
    ]

    class StateChanged(Message):
        """Following, filter or display changed: the status line is redrawn."""

    def __init__(
        self,
        max_lines: int = DEFAULT_MAX_LINES,
        *,
        show_source: bool = False,
        show_timestamps: bool = False,
        colours: Mapping[str, int] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._buffer = LogBuffer(max_lines)
        self._lines = self.make_lines(self._buffer, show_source, show_timestamps, colours or {})
        self._pending: list[LineLike | str] = []
        self._timer: Timer | None = None
        self._filter_text = ""
        self._filter_error = ""
        self._filter_open = False
        self.note = ""  # shown in the status line (the owner's time window, say)
        self.skipped = 0  # lines the source passed over because they came faster than they could be shown

    def make_lines(
        self, buffer: LogBuffer, show_source: bool, show_timestamps: bool, colours: Mapping[str, int]
    ) -> LogLines:
        """The rows widget; subclasses may return a LogLines subclass."""
        return LogLines(buffer, show_source=show_source, show_timestamps=show_timestamps, colours=colours)

    def compose(self) -> ComposeResult:
        yield Static("", classes="log-sources")
        yield self._lines
        yield Input(
            placeholder="regex filter (!regex inverts) — enter keeps it, escape clears", classes="log-filter"
        )
        yield Static("", classes="log-status")

    def on_mount(self) -> None:
        if self._pending:
            self.flush()
        self._show_status()

    # ---- public API

    def write_lines(self, lines: Iterable[LineLike | str]) -> None:
        """Queue lines; they are shown within ~50 ms, or at once when 1,000 are queued."""
        self._pending.extend(lines)
        if not self.is_mounted:
            return  # flushed on mount
        if len(self._pending) >= FLUSH_LINES:
            self.flush()
        elif self._timer is None and self._pending:
            self._timer = self.set_timer(FLUSH_SECONDS, self.flush)

    def clear(self) -> None:
        """Forget every line (queued ones too) and the counters; filter and display settings stay."""
        self._pending.clear()
        self._lines.reset()
        self.skipped = 0
        self._show_status()

    def count_skipped(self, lines: int) -> None:
        """The source passed over ``lines`` more lines (a flood the view could not keep up with)."""
        if lines:
            self.skipped += lines
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
    def lines(self) -> LogLines:
        return self._lines

    @property
    def following(self) -> bool:
        return self._lines.following

    @property
    def shown_count(self) -> int:
        """Lines shown: every held line, or the ones the filter, context and source toggles let through."""
        return self._lines.shown_count

    @property
    def sources(self) -> list[str]:
        """Every source seen, in order of arrival: ``1`` toggles the first."""
        return list(self._lines.sources)

    def visible_text(self) -> list[str]:
        return self._lines.visible_text()

    def shown_text(self) -> list[str]:
        """Every shown line as its row shows it (prefixes included; separators and JSON expansion left out)."""
        plain = self._lines.plain_row
        return [plain(line) for line in self._lines.shown_lines()]

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

    def set_context(self, lines: int) -> None:
        self._lines.set_context(lines)
        self._show_status()

    def toggle_source(self, source: str) -> None:
        hidden = set(self._lines.hidden)
        hidden.symmetric_difference_update({source})
        self._lines.set_hidden(hidden)
        self._show_status()

    # ---- batching

    def flush(self) -> None:
        """Show the queued lines now (a finished stream: its last lines before its last word)."""
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
        if action == "toggle_source":  # a digit with no source of that number goes on (to the app's areas)
            number = parameters[0] if parameters else 0
            return isinstance(number, int) and len(self._lines.sources) > 1 and number <= len(self._lines.sources)
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

    def action_cycle_context(self) -> None:
        self.set_context(next_context(self._lines.context))

    def action_toggle_wrap(self) -> None:
        self._lines.set_display(wrap=not self._lines.wrap)
        self._show_status()

    def action_toggle_pretty(self) -> None:
        self._lines.set_display(pretty=not self._lines.pretty)
        self._show_status()

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

    def action_toggle_source(self, number: int) -> None:
        sources = self.sources
        if 1 <= number <= len(sources):
            self.toggle_source(sources[number - 1])

    def action_copy(self) -> None:
        """Copy the rows in view to the clipboard (Textual sends OSC 52, which works over SSH)."""
        texts = [text.rstrip() for text in self.visible_text()]
        if not texts:
            self.notify("Nothing to copy.", severity="warning")
            return
        self.app.copy_to_clipboard("\n".join(texts) + "\n")
        self.notify(f"Copied {len(texts)} line{'s' if len(texts) != 1 else ''} to the clipboard.")

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
    @on(LogLines.StateChanged)
    def _state_changed(self, event: Message) -> None:
        event.stop()
        self._show_status()

    # ---- status line and source bar

    def status_text(self) -> str:
        lines = self._lines
        parts = [f"{self.shown_count:,} of {len(self._buffer):,} lines"]
        if self.dropped:
            parts.append(f"{self.dropped:,} dropped (keeping the last {self._buffer.max_lines:,})")
        if self.skipped:
            parts.append(f"{self.skipped:,} skipped (too fast to show)")
        if lines.following:
            parts.append("following")
        else:
            new = f", {lines.new_lines:,} new lines" if lines.new_lines else ""
            parts.append(f"paused{new} — end to follow")
        if self.note:
            parts.append(self.note)
        if self._filter_error:
            parts.append(self._filter_error)
        elif self._filter_text:
            parts.append(f"filter /{self._filter_text}/")
        if lines.context:
            parts.append(f"context {lines.context}")
        if lines.hidden:
            parts.append(f"{len(lines.hidden)} source{'s' if len(lines.hidden) > 1 else ''} hidden")
        parts += [name for name, on_ in (("wrap", lines.wrap), ("json", lines.pretty)) if on_]
        return " · ".join(parts)

    def source_bar(self) -> Text:
        """The sources with their key and colour; a hidden one is dimmed and struck through."""
        lines = self._lines
        bar = Text(no_wrap=True, end="")
        for number, source in enumerate(self.sources, start=1):
            style = lines.colour_style(source)
            if source in lines.hidden:
                style += Style(strike=True, dim=True)
            key = str(number) if number <= MAX_SOURCE_KEYS else " "
            bar.append(f"{key} ", lines.get_component_rich_style("log-lines--timestamp"))
            bar.append(source or "(no source)", style)
            bar.append("  ")
        return bar

    def _show_status(self) -> None:
        if not self.is_mounted:
            return
        status = self.query_one(".log-status", Static)
        status.update(Text(self.status_text()))
        status.set_class(not self._lines.following, "-paused")
        status.set_class(bool(self._filter_error), "-error")
        sources = self.query_one(".log-sources", Static)
        many = len(self._lines.sources) > 1
        sources.set_class(many, "-many")
        if many:
            sources.update(self.source_bar())
