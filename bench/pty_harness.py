"""A real terminal program under a pseudo-terminal of fixed size, its screen emulated by pyte.

The clock starts just before the process is spawned, so a figure includes interpreter start-up, imports, the
first API calls and the first paint: what a person waits for after pressing Enter.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable

import psutil
import pyte

from bench.common import TERM_SIZE

Predicate = Callable[[list[str]], bool]


class TuiProcess:
    """Spawn ``argv`` on a new pty; a reader thread drains its output into a pyte screen."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None, size: tuple[int, int] = TERM_SIZE):
        self.columns, self.rows = size
        self.screen = pyte.Screen(self.columns, self.rows)
        self.stream = pyte.ByteStream(self.screen)
        self._lock = threading.Lock()
        self.last_fed = 0.0  # perf_counter of the last chunk fed to the screen
        self.bytes_read = 0
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.columns, 0, 0))
        full_env = {**os.environ, **(env or {}), "TERM": "xterm-256color", "COLORTERM": "truecolor"}
        full_env.update(COLUMNS=str(self.columns), LINES=str(self.rows))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=full_env, start_new_session=True, close_fds=True
        )
        os.close(slave)
        self.master = master
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.ps = psutil.Process(self.process.pid)
        self.cpu_at_match = 0.0  # CPU seconds the process had used when wait_for last matched

    def _read(self) -> None:
        while not self._closed:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.1)
                if not ready:
                    continue
                chunk = os.read(self.master, 1 << 16)
            except OSError:
                return  # the child closed the terminal
            if not chunk:
                return
            now = time.perf_counter()
            with self._lock:
                self.stream.feed(chunk)
                self.last_fed = now
                self.bytes_read += len(chunk)

    def lines(self) -> list[str]:
        with self._lock:
            return list(self.screen.display)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_for(self, predicate: Predicate, timeout: float) -> float | None:
        """Seconds from spawn to the first screen on which ``predicate`` holds; None on timeout or exit."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self._lock:
                lines, fed = list(self.screen.display), self.last_fed
            if predicate(lines):
                with contextlib.suppress(psutil.Error):
                    times = self.ps.cpu_times()
                    self.cpu_at_match = times.user + times.system
                return fed - self.started
            if not self.alive():
                return None
            time.sleep(0.01)
        return None

    def cpu_percent(self, seconds: float) -> float:
        """CPU of the process (all threads, user + system) over ``seconds``, in % of one core."""
        before = self.ps.cpu_times()
        start = time.perf_counter()
        time.sleep(seconds)
        after = self.ps.cpu_times()
        used = (after.user - before.user) + (after.system - before.system)
        return 100 * used / (time.perf_counter() - start)

    def rss_mb(self) -> float:
        return self.ps.memory_info().rss / 2**20

    def close(self) -> None:
        """End the process group we started (SIGTERM, then SIGKILL), and the pty."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self._closed = True
        self._reader.join(2)
        with contextlib.suppress(OSError):
            os.close(self.master)

    def __enter__(self) -> TuiProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def any_name_visible(names: set[str]) -> Predicate:
    """True when a word on screen is one of ``names`` (a row of the table has been painted)."""

    def check(lines: list[str]) -> bool:
        return any(word in names for line in lines for word in re.split(r"[\s│┃|]+", line))

    return check


def count_at_least(pattern: str, n: int) -> Predicate:
    """True when the screen shows ``pattern``'s first group as a number >= n (portside's status line)."""
    regex = re.compile(pattern)

    def check(lines: list[str]) -> bool:
        for line in lines:
            found = regex.search(line)
            if found and int(found.group(1)) >= n:
                return True
        return False

    return check


def both(*predicates: Predicate) -> Predicate:
    return lambda lines: all(p(lines) for p in predicates)
