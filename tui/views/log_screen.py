"""LogScreen: a LogView fed by a log stream read in a thread worker; escape goes back and closes the stream.

stream (adapter, blocking, batches of lines) -> worker -> LogScreen.Lines message -> LogView.write_lines.
The screen takes a zero-argument opener, so containers, pods and compose services all fit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, get_current_worker

from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import BackendError
from tui.adapters.log_lines import LogLine, LogStream
from tui.adapters.models import ContainerInfo
from widgets.log_view import LogLines, LogView

IN_FLIGHT = 8  # batches posted to the event loop and not handled yet


class LogScreen(Screen[None]):
    """The log of one source (a container now; a pod or a compose service later), followed live."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="logs.back")]

    class Lines(Message):
        def __init__(self, lines: list[LogLine]) -> None:
            super().__init__()
            self.lines = lines

    class Ended(Message):
        """The stream ended (the container stopped) or failed (``error``)."""

        def __init__(self, error: str = "") -> None:
            super().__init__()
            self.error = error

    def __init__(
        self,
        title: str,
        open_stream: Callable[[], LogStream],
        *,
        max_lines: int = 10_000,
        show_source: bool = False,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.open_stream = open_stream
        self.max_lines = max_lines
        self.show_source = show_source
        self.stream: LogStream | None = None
        self.reader: Worker[None] | None = None
        self._leaving = False
        self._in_flight = threading.Semaphore(IN_FLIGHT)

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title_text), classes="log-title")
        yield LogView(self.max_lines, show_source=self.show_source)
        yield Footer()

    @property
    def log_view(self) -> LogView:
        return self.query_one(LogView)

    def on_mount(self) -> None:
        self.query_one(LogLines).focus()
        self.reader = self.read()

    def on_unmount(self) -> None:
        self._leaving = True
        if self.stream is not None:
            self.stream.close()  # wakes the worker's blocked read
        if self.reader is not None:
            self.reader.cancel()

    @work(thread=True, exclusive=True, exit_on_error=False, group="logs")
    def read(self) -> None:
        worker = get_current_worker()
        try:
            stream = self.open_stream()  # an inspect and a request: off the event loop
        except BackendError as error:
            self.post_message(self.Ended(str(error)))
            raise
        self.stream = stream
        with stream:
            if self._leaving or worker.is_cancelled:  # the screen went while the stream was opening
                return
            try:
                for batch in stream:
                    if not self._wait_for_room(worker):
                        return
                    self.post_message(self.Lines(batch))
            except BackendError as error:
                if not worker.is_cancelled:
                    self.post_message(self.Ended(str(error)))
                raise
        if not worker.is_cancelled and not self._leaving:
            self.post_message(self.Ended())

    def _wait_for_room(self, worker: Worker[None]) -> bool:
        """Backpressure: at most IN_FLIGHT batches wait for the event loop, so a flood that outruns the UI
        stops the reader (and the engine) instead of growing the message queue. False when leaving."""
        while not self._in_flight.acquire(timeout=0.1):
            if worker.is_cancelled or self._leaving:
                return False
        return not (worker.is_cancelled or self._leaving)

    @on(Lines)
    def _lines(self, message: Lines) -> None:
        self._in_flight.release()
        self.log_view.write_lines(message.lines)

    @on(Ended)
    def _ended(self, message: Ended) -> None:
        title = self.query_one(".log-title", Static)
        suffix = f" — {message.error}" if message.error else " — stream ended"
        title.update(Text(self.title_text + suffix))
        title.add_class("-failed" if message.error else "-ended")


def container_log_screen(engine: DockerEngine, container: ContainerInfo) -> LogScreen:
    """The followed log of one container: its last 1,000 lines, then what it writes."""
    title = f"Logs: {container.name} ({container.image}) · {container.id[:12]}"
    return LogScreen(title, lambda: engine.container_logs(container.id))
