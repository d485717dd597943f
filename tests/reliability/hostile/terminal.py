"""The real ``portside`` command in a pseudo-terminal of a fixed size: keys in, every byte it writes kept."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path

PORTSIDE = Path(__file__).parents[3] / ".venv" / "bin" / "portside"
# Textual's own output: CSI (colours, cursor moves, modes) and OSC/DCS/APC strings; what remains is the text.
_TERMINAL_CODES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]P_^].*?(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]", re.S
)
KEYS = {
    "enter": "\r",
    "escape": "\x1b",
    "tab": "\t",
    "right": "\x1b[C",
    "left": "\x1b[D",
    "down": "\x1b[B",
    "up": "\x1b[A",
    "ctrl+q": "\x11",
}


class Terminal:
    """``portside`` with ``args`` in a pty of ``size`` (columns, rows); ``output`` holds every byte written."""

    def __init__(self, args: list[str], env: dict[str, str], size: tuple[int, int] = (120, 40)) -> None:
        self.master, slave = os.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.process = subprocess.Popen(
            [str(PORTSIDE), *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)},
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self._output = bytearray()
        self._lock = threading.Lock()
        self._last = time.monotonic()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the app exited and closed the terminal
                return
            if not data:
                return
            with self._lock:
                self._output += data
                self._last = time.monotonic()

    @property
    def output(self) -> bytes:
        with self._lock:
            return bytes(self._output)

    def text(self, since: int = 0) -> str:
        """What was written (from byte ``since``), without the terminal codes: the characters shown."""
        return _TERMINAL_CODES.sub(b"", self.output[since:]).decode("utf-8", errors="replace")

    def mark(self) -> int:
        """Where the output is now: ``wait_for(text, since=mark)`` waits for text drawn after it."""
        return len(self.output)

    def press(self, *keys: str) -> None:
        for key in keys:
            os.write(self.master, KEYS.get(key, key).encode())
            self.settle()

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())
        self.settle()

    def settle(self, quiet: float = 0.3, timeout: float = 15) -> None:
        """Wait until the app has written nothing for ``quiet`` seconds (it has drawn what the key did)."""
        deadline = time.monotonic() + timeout
        start = time.monotonic()
        while time.monotonic() < deadline:
            with self._lock:
                last = self._last
            if time.monotonic() - max(last, start) >= quiet:
                return
            time.sleep(0.05)

    def wait_for(self, text: str, timeout: float = 60, since: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.text(since):
            if self.process.poll() is not None:
                raise AssertionError(f"portside exited ({self.process.returncode}) before showing {text!r}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {text!r} on the terminal")
            time.sleep(0.1)

    def close(self, timeout: float = 20) -> int | None:
        """Quit with ctrl+q; kill the session if the app does not go. The exit code, None if killed."""
        code: int | None = None
        if self.process.poll() is None:
            os.write(self.master, KEYS["ctrl+q"].encode())
            try:
                code = self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        else:
            code = self.process.returncode
        self._reader.join(5)
        os.close(self.master)
        return code
