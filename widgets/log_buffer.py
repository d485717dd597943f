"""LogBuffer: a bounded ring buffer of log lines with a dropped-line counter (RELIABILITY.md rule 7).

Pure Python, no Textual: LogView renders from it and the unit tests drive it directly.

Lines are anything with ``source``, ``text`` and ``timestamp`` attributes (the ``LineLike`` protocol), so the
adapters' own record (``tui.adapters.log_lines.LogLine``) is stored as it is, without widgets importing tui
or the adapters importing widgets; plain strings are accepted too. Every line gets an absolute number (0 for
the first line ever appended) that stays valid while the line is kept, so views can hold indices of matching
lines across appends and drops.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Protocol

DEFAULT_MAX_LINES = 10_000
MAX_LINE_BYTES = 16 * 1024

# Defensive copy of the adapters' sanitiser (widgets may not import tui): lines should arrive clean, but a
# widget that is handed raw text must still never pass a terminal escape through.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|$)"  # OSC, DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]?"  # other ESC sequences, or a lone ESC
    r"|[\x90\x98\x9d\x9e\x9f].*?(?:\x07|\x1b\\|\x9c|$)",  # the 8-bit (C1) string introducers
    re.DOTALL,
)
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_VISIBLE = {"\r": "\u240d", "\n": "\u2424"}  # ␍ ␤


class LineLike(Protocol):
    """What LogBuffer stores: any object with these three read-only attributes."""

    @property
    def source(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def timestamp(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line of a log: where it came from, its text (one line, no line ending) and when, if known."""

    source: str
    text: str
    timestamp: datetime | None = None


def clean(text: str) -> str:
    """Strip what drives a terminal: escape sequences, C0 and C1 controls, bidi overrides; tabs become spaces."""
    if text.isprintable():  # the common case, checked in C
        return text
    text = _ESCAPES.sub("", text).expandtabs(8)
    text = text.replace("\r", _VISIBLE["\r"]).replace("\n", _VISIBLE["\n"])
    return _CONTROLS.sub("", text)


def cut(text: str, limit: int = MAX_LINE_BYTES) -> str:
    """Cut a line whose UTF-8 form is over ``limit`` bytes, ending it with a visible marker."""
    if len(text) * 4 <= limit:  # no UTF-8 character is longer than 4 bytes: surely short enough
        return text
    encoded = text.encode("utf-8", errors="replace")
    if len(encoded) <= limit:
        return text
    kept = encoded[:limit].decode("utf-8", errors="ignore")  # never ends inside a character
    return f"{kept} …[cut {len(encoded) - len(kept.encode('utf-8'))} bytes]"


def admit(line: LineLike | str, source: str = "") -> LineLike:
    """The line as it is stored: clean and at most 16 KiB; an already-safe line object is kept as it is."""
    if isinstance(line, str):
        return LogLine(source, cut(clean(line)))
    text, source = line.text, line.source
    safe, safe_source = cut(clean(text)), clean(source)
    if safe is text and safe_source is source:
        return line
    return LogLine(safe_source, safe, line.timestamp)


class LogBuffer:
    """The last ``max_lines`` lines; older ones are dropped and counted.

    Absolute numbers: the first line ever appended is 0; the oldest kept line is ``first``; the next line
    appended will be ``total``. ``dropped == first`` until ``clear()``.
    """

    def __init__(self, max_lines: int = DEFAULT_MAX_LINES) -> None:
        if max_lines < 1:
            raise ValueError("max_lines must be at least 1")
        self.max_lines = max_lines
        self._lines: deque[LineLike] = deque(maxlen=max_lines)
        self._total = 0

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[LineLike]:
        return iter(self._lines)

    def __getitem__(self, index: int) -> LineLike:
        """The line at a position among the kept lines (0 is the oldest kept)."""
        return self._lines[index]

    @property
    def total(self) -> int:
        """Lines appended since the start (or the last clear), kept or dropped."""
        return self._total

    @property
    def first(self) -> int:
        """Absolute number of the oldest kept line."""
        return self._total - len(self._lines)

    @property
    def dropped(self) -> int:
        """Lines pushed out of the ring buffer."""
        return self.first

    def line(self, number: int) -> LineLike:
        """The line with an absolute number; IndexError when it was dropped or not appended yet."""
        position = number - self.first
        if position < 0 or number >= self._total:
            raise IndexError(number)
        return self._lines[position]

    def append(self, lines: Iterable[LineLike | str], source: str = "") -> int:
        """Append lines (strings get ``source``); returns how many were appended."""
        admitted = [admit(line, source) for line in lines]
        # Only the last max_lines of a huge batch can survive: skip storing the rest.
        self._lines.extend(admitted[-self.max_lines :])
        self._total += len(admitted)
        return len(admitted)

    def tail(self, count: int) -> list[LineLike]:
        """The last ``count`` kept lines, oldest first (cheap for a small count: read from the end)."""
        count = min(count, len(self._lines))
        return list(islice(reversed(self._lines), count))[::-1] if count > 0 else []

    def clear(self) -> None:
        """Forget every line and reset the counters."""
        self._lines.clear()
        self._total = 0

    def matching(
        self, pattern: re.Pattern[str] | None, invert: bool = False, start: int | None = None
    ) -> list[int]:
        """Absolute numbers of the kept lines from ``start`` whose text matches (or, inverted, does not)."""
        first = self.first
        begin = first if start is None else max(start, first)
        numbers = range(begin, self._total)
        if pattern is None:
            return [] if invert else list(numbers)
        search = pattern.search
        lines = self._lines if begin == first else self.tail(self._total - begin)
        return [n for n, line in zip(numbers, lines, strict=True) if (search(line.text) is None) is invert]

    def filtered(self, pattern: re.Pattern[str] | None, invert: bool = False) -> list[LineLike]:
        """The kept lines whose text matches ``pattern`` (all of them when it is None); ``invert`` negates."""
        if pattern is None:
            return [] if invert else list(self._lines)
        search = pattern.search
        return [line for line in self._lines if (search(line.text) is None) is invert]
