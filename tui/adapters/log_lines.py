"""Log lines and the closable, bounded, batching stream that carries them from a backend to a view.

``LogLine`` has the attributes ``widgets.log_buffer.LineLike`` asks for (source, text, timestamp), so a LogView
stores it as it is: the adapters never import widgets and widgets never import tui, yet no line is copied.

``LogStream`` reads a byte stream in its own reader thread and hands the consumer (a thread worker) lists of
lines: whatever arrived, gathered for up to ~50 ms or 1,000 lines, so a chatty container costs the event loop a
few messages a second, not one per line. Live output that comes faster than the consumer takes it is skipped,
oldest first, counted, and marked in the log. ``close()`` may be called from any thread: it stops the reader by
shutting the connection down, and wakes the consumer.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from tui.adapters.errors import BackendError, InvalidInput, Unavailable
from tui.adapters.sanitize import LineDecoder

BATCH_LINES = 1_000
BATCH_SECONDS = 0.05
LONG_LINE_BYTES = 64 * 1024
QUEUED_BYTES = 4 * 2**20  # read and not yet taken by the consumer: the reader waits there
MAX_LAG = timedelta(seconds=1)  # live output older than this, with more behind it, is skipped
NEXT_PIECE_WAIT = timedelta(milliseconds=20)  # while behind: a piece with none after it by then is shown
STAMP_BYTES = 40  # an RFC 3339 time with nanoseconds and a zone fits


@dataclass(frozen=True, slots=True)
class LogLine:
    """One sanitised line: where it came from (container or pod name), its text, and its time if known."""

    source: str
    text: str
    timestamp: datetime | None = None


@dataclass(frozen=True, slots=True)
class LogWindow:
    """How much of a log to read: the last ``tail`` lines, the lines of the last ``since_seconds``, or all."""

    label: str
    tail: int | None = None
    since_seconds: float | None = None

    def since(self, now: datetime | None = None) -> datetime | None:
        """The oldest time to read from, for Docker's ``since`` (Kubernetes takes ``sinceSeconds``)."""
        if self.since_seconds is None:
            return None
        return (now or datetime.now(UTC)) - timedelta(seconds=self.since_seconds)


WINDOWS = (
    LogWindow("tail 1000", tail=1000),
    LogWindow("since 1m", since_seconds=60),
    LogWindow("since 5m", since_seconds=300),
    LogWindow("since 15m", since_seconds=900),
    LogWindow("since 1h", since_seconds=3600),
    LogWindow("all"),
)
DEFAULT_WINDOW = WINDOWS[0]


def next_window(current: LogWindow, windows: tuple[LogWindow, ...] = WINDOWS) -> LogWindow:
    """The window after ``current`` in the ``W`` cycle (the first when ``current`` is not in it)."""
    try:
        return windows[(windows.index(current) + 1) % len(windows)]
    except ValueError:
        return windows[0]


def save_lines(path: str, lines: Iterable[str]) -> int:
    """Write ``lines`` to ``path`` with mode 0600; returns how many were written.

    A new file is created exclusively; an existing one is overwritten only when it is a regular file owned by
    us. A symbolic link (or a FIFO, a device, a directory) is refused, never followed: a log may hold secrets.
    """
    target = os.path.expanduser(path)
    try:
        existing = os.lstat(target)
    except FileNotFoundError:
        existing = None
    except OSError as error:
        raise InvalidInput(f"save to {path}: {error.strerror}") from None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(existing.st_mode) else "not a regular file"
        raise InvalidInput(f"save to {path}: refused, it is {kind}")
    flags = os.O_WRONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
    flags |= os.O_CREAT | os.O_EXCL if existing is None else 0
    try:
        fd = os.open(target, flags, 0o600)
    except OSError as error:
        raise InvalidInput(f"save to {path}: {error.strerror}") from None
    count = 0
    try:
        info = os.fstat(fd)  # the file opened, not a name that may have changed since the lstat
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
            raise InvalidInput(f"save to {path}: refused, not a regular file of ours")
        os.fchmod(fd, 0o600)
        os.ftruncate(fd, 0)
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace", closefd=False) as out:
            for line in lines:
                out.write(line)
                out.write("\n")
                count += 1
    except OSError as error:
        raise InvalidInput(f"save to {path}: {error.strerror}") from None
    finally:
        os.close(fd)
    return count


def split_timestamp(line: str) -> tuple[datetime | None, str]:
    """Split the RFC 3339 (nanosecond) prefix that Docker and Kubernetes add with ``timestamps``."""
    stamp, space, rest = line.partition(" ")
    if not space or len(stamp) < 20 or stamp[4] != "-" or stamp[10] != "T":
        return None, line
    try:
        return datetime.fromisoformat(stamp), rest
    except ValueError:
        return None, line


class ChunkParser(Protocol):
    """Turns the bytes of a log stream, in the pieces they arrive in, into lines."""

    source: str
    timestamps: bool

    def feed(self, chunk: bytes) -> list[LogLine]: ...

    def skip(self, chunk: bytes) -> tuple[int, datetime | None]:
        """Pass over ``chunk`` as ``feed`` would without making lines: how many lines ended in it, and the
        time of the last one (None when unknown)."""
        ...

    def flush(self) -> list[LogLine]: ...


class RawLogParser:
    """A plain byte stream of lines (a TTY container's log, a pod's log), each optionally time-stamped.

    A line that never ends (a progress bar, a binary dump) is handed over in pieces of ``LONG_LINE_BYTES``
    so that what waits for a newline stays bounded; the view cuts each piece to 16 KiB with a marker.
    """

    def __init__(self, source: str, *, timestamps: bool) -> None:
        self.source = source
        self.timestamps = timestamps
        self._decoder = LineDecoder()
        self._partial = 0  # bytes of the current, unfinished line

    @property
    def at_line_start(self) -> bool:
        return not self._partial

    def feed(self, chunk: bytes) -> list[LogLine]:
        end = chunk.rfind(b"\n")
        self._partial = self._partial + len(chunk) if end < 0 else len(chunk) - end - 1
        texts = self._decoder.feed(chunk)
        if self._partial > LONG_LINE_BYTES:
            texts += self._decoder.flush()
            self._partial = 0
        return self._lines(texts)

    def skip(self, chunk: bytes) -> tuple[int, datetime | None]:
        end = chunk.rfind(b"\n")
        if end < 0:  # the unfinished line goes on: its start is skipped with it
            self._partial += len(chunk)
            self._decoder = LineDecoder()
            return 0, None
        last = chunk.rfind(b"\n", 0, end) + 1
        stamp = None
        if self.timestamps and (last or not self._partial):
            stamp, _ = split_timestamp(chunk[last : last + STAMP_BYTES].decode("ascii", "replace"))
        if self._partial or end < len(chunk) - 1:
            self._decoder = LineDecoder()
            self._decoder.feed(chunk[end + 1 :])  # the start of the next line, kept
        self._partial = len(chunk) - end - 1
        return chunk.count(b"\n"), stamp

    def flush(self) -> list[LogLine]:
        return self._lines(self._decoder.flush())

    def _lines(self, texts: list[str]) -> list[LogLine]:
        source = self.source
        if not self.timestamps:
            return [LogLine(source, text) for text in texts]
        return [LogLine(source, text, stamp) for stamp, text in map(split_timestamp, texts)]


class LogStream:
    """A closable iterator of batches (lists) of LogLine.

    ``read`` returns the next piece of the byte stream (``b""`` at its end) and may block; ``cancel`` must make
    a blocked ``read`` return or raise, from another thread (a socket shutdown). ``translate`` turns what
    ``read`` raises into a BackendError.

    A reader thread only reads; the consumer parses the pieces as it takes them. Once the stream is live (its
    lines are not older than the stream: history is always delivered whole) and the newest line seen is more
    than ``MAX_LAG`` old, the consumer passes over the pieces that have more behind them (read already, or
    within ``NEXT_PIECE_WAIT``) without parsing them, counts their lines (``skipped``) and puts one line in the
    log where they were. The newest piece is always parsed, so the end of a burst is shown, and the lag cannot
    grow however fast the source writes.
    """

    def __init__(
        self,
        read: Callable[[], bytes],
        cancel: Callable[[], None],
        parser: ChunkParser,
        *,
        translate: Callable[[Exception], BackendError] | None = None,
    ) -> None:
        self._read = read
        self._cancel = cancel
        self._parser = parser
        self._translate = translate or (lambda error: Unavailable(f"log stream: {error}"))
        self._pieces: deque[bytes | BackendError | None] = deque()  # None: the end
        self._queued_bytes = 0
        self._changed = threading.Condition()
        self._live = not parser.timestamps  # without times, history cannot be told from live output
        self._opened = datetime.now(UTC) - MAX_LAG
        self._behind = False  # the newest line seen is more than MAX_LAG old
        self._skipping = 0  # lines passed over since the last line delivered
        self._skipped = 0  # lines passed over in all
        self._closed = threading.Event()
        self._ended = False
        self._error: BackendError | None = None
        self._reader: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def skipped(self) -> int:
        """Lines of live output passed over because they came faster than they were taken (see the class)."""
        return self._skipped

    def close(self) -> None:
        """Stop reading; safe from any thread, and more than once."""
        if self._closed.is_set():
            return
        self._closed.set()
        with self._changed:
            self._changed.notify_all()
        with contextlib.suppress(Exception):
            self._cancel()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the reader thread to end (after close or the stream's end); True when it has."""
        reader = self._reader
        if reader is not None:
            reader.join(timeout)
            return not reader.is_alive()
        return True

    def __enter__(self) -> LogStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[list[LogLine]]:
        return self

    def __next__(self) -> list[LogLine]:
        self._start()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        batch: list[LogLine] = []
        deadline: float | None = None  # none until the first line: wait for it as long as it takes
        while len(batch) < BATCH_LINES:
            item = self._take(deadline)
            if item is _TIMEOUT:
                break
            if not isinstance(item, bytes):
                self._finish(item)
                batch += self._parser.flush()
                break
            batch += self._parse(item)
            if batch and deadline is None:
                deadline = time.monotonic() + BATCH_SECONDS
        if not batch:
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            raise StopIteration
        return batch

    # ---- consumer side

    def _take(self, deadline: float | None) -> bytes | BackendError | object | None:
        """The next piece; None when ended or closed; _TIMEOUT when ``deadline`` passes first."""
        with self._changed:
            while not self._ended and not self._closed.is_set():
                if self._pieces:
                    item = self._pieces.popleft()
                    if isinstance(item, bytes):
                        self._queued_bytes -= len(item)
                    self._changed.notify_all()
                    return item
                wait = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
                if wait <= 0:
                    return _TIMEOUT
                self._changed.wait(wait)
            return None

    def _parse(self, piece: bytes) -> list[LogLine]:
        if self._live and self._behind and self._more_behind():
            skipped, newest = self._parser.skip(piece)
            self._skipping += skipped
            self._skipped += skipped
            if newest is not None:
                self._behind = self._late(newest)
            return []
        lines = self._parser.feed(piece)
        if not lines:
            return lines
        if self._skipping:
            lines.insert(0, skipped_line(self._parser.source, self._skipping, lines[0].timestamp))
            self._skipping = 0
        newest = lines[-1].timestamp
        if newest is not None:
            self._behind = self._late(newest)
            self._live = self._live or not self._late(newest, self._opened)
        return lines

    def _more_behind(self) -> bool:
        """Another piece has been read, or is within NEXT_PIECE_WAIT (waiting lets the reader have the GIL)."""
        with self._changed:
            return self._changed.wait_for(self._next_is_data, NEXT_PIECE_WAIT.total_seconds())

    def _next_is_data(self) -> bool:
        return bool(self._pieces) and isinstance(self._pieces[0], bytes) and not self._closed.is_set()

    @staticmethod
    def _late(stamp: datetime, than: datetime | None = None) -> bool:
        try:
            return stamp < (than or datetime.now(UTC) - MAX_LAG)
        except TypeError:  # a time without a zone cannot be placed
            return False

    def _finish(self, item: object) -> None:
        self._ended = True
        if isinstance(item, BackendError) and not self._closed.is_set():
            self._error = item  # raised by the next call, after this batch is delivered

    def _start(self) -> None:
        with self._lock:
            if self._reader is None and not self._closed.is_set():
                self._reader = threading.Thread(target=self._pump, name="portside-log-reader", daemon=True)
                self._reader.start()

    # ---- reader thread

    def _pump(self) -> None:
        try:
            while not self._closed.is_set():
                piece = self._read()
                if not piece:
                    break
                self._put(piece)
        except Exception as error:  # the reader thread must never die silently: hand the error over
            if not self._closed.is_set():
                self._put(error if isinstance(error, BackendError) else self._translate(error))
        finally:
            self._put(None)
            with contextlib.suppress(Exception):
                self._cancel()  # release the connection

    def _put(self, item: bytes | BackendError | None) -> None:
        with self._changed:
            if isinstance(item, bytes):
                while self._queued_bytes >= QUEUED_BYTES and not self._closed.is_set():
                    self._changed.wait(0.1)  # the consumer is this far behind: memory stays bounded
                self._queued_bytes += len(item)
            self._pieces.append(item)
            self._changed.notify_all()


def skipped_line(source: str, count: int, timestamp: datetime | None) -> LogLine:
    """The line that stands where ``count`` lines were passed over (timed as the line after them)."""
    return LogLine(
        source, f"[portside: {count:,} lines skipped, they came faster than they can be shown]", timestamp
    )


_TIMEOUT = object()
