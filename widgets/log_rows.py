"""Which log lines a view shows, and how one line is laid out: pure Python, no Textual (unit-tested directly).

``RowSelector`` streams (number, line) pairs and answers the rows to show: lines of visible sources that match
the filter (or, inverted, do not), plus ``context`` neighbours before and after each match, with ``SEPARATOR``
between groups that are not adjacent (like ``grep -C``). It keeps its state between calls, so a view feeds it
only the lines that just arrived; a change of filter, context or hidden sources builds a new one.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Set

from widgets.log_buffer import LineLike, clean

SEPARATOR = -1  # a row that is not a line: the gap between two context groups
SEPARATOR_TEXT = "--"
CONTEXT_STEPS = (0, 2, 5, 10)
MAX_PRETTY_LINES = 500  # a huge JSON document is shown pretty only up to here (bounded rows per line)


class RowSelector:
    """Streams lines in order and returns the absolute numbers (and separators) of the rows to show."""

    def __init__(
        self,
        pattern: re.Pattern[str] | None = None,
        invert: bool = False,
        context: int = 0,
        hidden: Set[str] = frozenset(),
    ) -> None:
        self.pattern, self.invert = pattern, invert
        self.context = context if pattern is not None else 0  # without a filter every line is shown anyway
        self.hidden = frozenset(hidden)
        self._search = pattern.search if pattern is not None else None
        self._recent: deque[int] = deque(maxlen=self.context)  # lines not shown since the last shown one
        self._after = 0  # lines still owed to the last match's after-context
        self._gap = False  # a line was skipped since the last shown one
        self._shown_any = False

    @property
    def shows_everything(self) -> bool:
        """True when every line is a row: the view can skip the selection altogether."""
        return self.pattern is None and not self.invert and not self.hidden

    def feed(self, numbered: Iterable[tuple[int, LineLike]]) -> list[int]:
        search, invert, hidden, context = self._search, self.invert, self.hidden, self.context
        if not context:  # the common case, kept to one comprehension: a filter over 10,000s of lines is typed live
            if search is None:
                return [n for n, line in numbered if line.source not in hidden]
            return [
                n
                for n, line in numbered
                if (search(line.text) is None) is invert and not (hidden and line.source in hidden)
            ]
        rows: list[int] = []
        recent = self._recent
        for number, line in numbered:
            if hidden and line.source in hidden:
                continue  # a hidden source is not part of the stream at all: its lines are not context either
            matches = not invert if search is None else (search(line.text) is None) is invert
            if matches:
                if context and self._shown_any and self._gap:
                    rows.append(SEPARATOR)
                rows.extend(recent)
                recent.clear()
                rows.append(number)
                self._after, self._gap, self._shown_any = context, False, True
            elif self._after:
                rows.append(number)
                self._after -= 1
            else:
                if len(recent) == context:
                    self._gap = True  # the oldest waiting line falls out of any future before-context
                recent.append(number)
        return rows


def next_context(current: int) -> int:
    """The next step of the ``c`` cycle 0 → 2 → 5 → 10 → 0."""
    later = [step for step in CONTEXT_STEPS if step > current]
    return later[0] if later else CONTEXT_STEPS[0]


def pretty_json(text: str) -> list[str] | None:
    """The lines of a JSON object or array indented by two, or None when ``text`` is not one."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[" or stripped[-1] not in "}]":
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    if not isinstance(value, dict | list):
        return None
    lines = json.dumps(value, indent=2, ensure_ascii=False).splitlines()
    if len(lines) > MAX_PRETTY_LINES:
        lines = [*lines[:MAX_PRETTY_LINES], f"…[{len(lines) - MAX_PRETTY_LINES} more lines]"]
    return [clean(line) for line in lines]  # decoded strings may hold controls that the raw line escaped


class RowLayout:
    """Screen lines of rows that may be taller than one line: cumulative starts, bisected to find a row.

    Rows dropped at the front only move ``head`` on (the list is compacted now and then), so appending costs
    the new rows, not the whole buffer.
    """

    def __init__(self) -> None:
        self._starts: list[int] = []  # the first screen line of each row, from an arbitrary origin
        self._head = 0  # index of the first live row
        self._end = 0  # where a row after the last would start

    def __len__(self) -> int:
        return len(self._starts) - self._head

    @property
    def _top(self) -> int:
        return self._starts[self._head] if self._head < len(self._starts) else self._end

    @property
    def height(self) -> int:
        """Screen lines of all live rows."""
        return self._end - self._top

    def append(self, heights: Iterable[int]) -> None:
        starts, end = self._starts, self._end
        for height in heights:
            starts.append(end)
            end += height
        self._end = end

    def drop_front(self, count: int) -> int:
        """Forget the first ``count`` rows; returns the screen lines they took."""
        if count <= 0:
            return 0
        top = self._top
        self._head = min(self._head + count, len(self._starts))
        now = self._top
        if self._head > 4096 and self._head * 2 > len(self._starts):
            self._starts = [start - now for start in self._starts[self._head :]]
            self._end -= now
            self._head = 0
        return now - top

    def start(self, row: int) -> int:
        """The first screen line of a live row."""
        return self._starts[self._head + row] - self._top

    def locate(self, line: int) -> tuple[int, int] | None:
        """(row, screen line within it) of a screen line, or None outside the rows."""
        if line < 0 or line >= self.height:
            return None
        at = line + self._top
        index = bisect_right(self._starts, at, lo=self._head) - 1
        return index - self._head, at - self._starts[index]
