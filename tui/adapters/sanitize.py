"""Make external text (names, labels, log lines, events, YAML) safe to show in a terminal.

Applied once, where text enters our models (RELIABILITY.md rule 6): terminal escape sequences (CSI, OSC,
DCS, ...) are removed, C0 controls except tab and newline are removed, a carriage return is made visible,
C1 controls (U+0080-U+009F) and bidirectional overrides are removed.
"""

from __future__ import annotations

import codecs
import re

# ESC followed by: CSI (ESC [ ... final), OSC / DCS / SOS / PM / APC (terminated by BEL or ESC \),
# or a two-character sequence. The 8-bit forms are caught by the C1 range below. An unterminated string
# sequence is removed up to the end of its line only: in multi-line text (exec output, a revealed value) it
# must not hide the lines after it.
_ESCAPE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?                 # CSI
    | \x1b[\]PX^_].*?(?:\x07|\x1b\\|(?=\n)|$)  # OSC, DCS, SOS, PM, APC (unterminated: to the line's end)
    | \x1b[ -/]*[0-~]?                       # other ESC sequences, or a lone ESC
    """,
    re.VERBOSE | re.DOTALL,
)
_C1_STRINGS = re.compile(r"[\x90\x98\x9d\x9e\x9f].*?(?:\x07|\x1b\\|\x9c|(?=\n)|$)", re.DOTALL)
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
CARRIAGE_RETURN_MARK = "\u240d"  # ␍


def clean_text(text: str) -> str:
    """Multi-line text (YAML, describe output): keep newlines and tabs, drop everything that drives a terminal."""
    if text.isprintable():
        return text
    text = _ESCAPE.sub("", text)
    text = _C1_STRINGS.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", CARRIAGE_RETURN_MARK)
    return _CONTROLS.sub("", text)


def clean_line(text: str) -> str:
    """One line (a name, a label, a log line): as clean_text, and a newline becomes a visible mark too."""
    if text.isprintable():
        return text
    text = _without_line_ending(text)
    return clean_text(text).replace("\n", "\u2424")  # ␤


def _without_line_ending(line: str) -> str:
    """Drop one trailing LF or CRLF; a lone CR (a progress bar redrawing) stays visible."""
    if line.endswith("\r\n"):
        return line[:-2]
    return line.removesuffix("\n")


class LineDecoder:
    """Incremental UTF-8 decoding of a byte stream into clean lines; invalid bytes become U+FFFD."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def feed(self, chunk: bytes) -> list[str]:
        text = self._pending + self._decoder.decode(chunk)
        *lines, self._pending = text.split("\n")
        return [clean_line(line.removesuffix("\r")) for line in lines]

    def flush(self) -> list[str]:
        rest = self._pending + self._decoder.decode(b"", final=True)
        self._pending = ""
        return [clean_line(rest)] if rest else []
