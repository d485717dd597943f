"""Log lines and the closable, bounded, batching stream that carries them from a backend to a view.

``LogLine`` has the attributes ``widgets.log_buffer.LineLike`` asks for (source, text, timestamp), so a LogView
stores it as it is: the adapters never import widgets and widgets never import tui, yet no line is copied.

``LogStream`` reads a byte stream in its own reader thread and hands the consumer (a thread worker) lists of
lines: whatever arrived, gathered for up to ~50 ms or 1,000 lines, so a chatty container costs the event loop a
few messages a second, not one per line. ``close()`` may be called from any thread: it stops the reader by
shutting the connection down, and wakes the consumer.
"""

from __future__ import annotations

import contextlib
import os
import queue
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from tui.adapters.errors import BackendError, InvalidInput, Unavailable
from tui.adapters.sanitize import LineDecoder

BATCH_LINES = 1_000
BATCH_SECONDS = 0.05
LONG_LINE_BYTES = 64 * 1024
QUEUED_CHUNKS = 256  # the reader waits when the consumer is this far behind: memory stays bounded


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

    def feed(self, chunk: bytes) -> list[LogLine]: ...

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

    def feed(self, chunk: bytes) -> list[LogLine]:
        end = chunk.rfind(b"\n")
        self._partial = self._partial + len(chunk) if end < 0 else len(chunk) - end - 1
        texts = self._decoder.feed(chunk)
        if self._partial > LONG_LINE_BYTES:
            texts += self._decoder.flush()
            self._partial = 0
        return self._lines(texts)

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
        self._queue: queue.Queue[list[LogLine] | BackendError | None] = queue.Queue(QUEUED_CHUNKS)
        self._closed = threading.Event()
        self._ended = False
        self._error: BackendError | None = None
        self._reader: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self) -> None:
        """Stop reading; safe from any thread, and more than once."""
        if self._closed.is_set():
            return
        self._closed.set()
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
        item = self._get(None)
        if not isinstance(item, list):
            self._finish(item)
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            raise StopIteration
        batch = item
        deadline = time.monotonic() + BATCH_SECONDS
        while len(batch) < BATCH_LINES:
            item = self._get(deadline)
            if item is _TIMEOUT:
                break
            if not isinstance(item, list):
                self._finish(item)
                break
            batch.extend(item)
        return batch

    # ---- consumer side

    def _get(self, deadline: float | None) -> list[LogLine] | BackendError | object | None:
        """The next item; None when ended or closed; _TIMEOUT when ``deadline`` passes first."""
        while not self._ended and not self._closed.is_set():
            wait = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
            if wait <= 0:
                return _TIMEOUT
            try:
                return self._queue.get(timeout=wait)
            except queue.Empty:
                continue
        return None

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
                chunk = self._read()
                if not chunk:
                    self._put(self._parser.flush())
                    break
                lines = self._parser.feed(chunk)
                if lines:
                    self._put(lines)
        except Exception as error:  # the reader thread must never die silently: hand the error over
            if not self._closed.is_set():
                self._put(error if isinstance(error, BackendError) else self._translate(error))
        finally:
            self._put(None)
            with contextlib.suppress(Exception):
                self._cancel()  # release the connection

    def _put(self, item: list[LogLine] | BackendError | None) -> None:
        if item == []:
            return
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue


_TIMEOUT = object()
