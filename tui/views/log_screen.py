"""LogScreen: a LogView fed by a log stream read in a thread worker; escape goes back and closes the stream.

stream (adapter, blocking, batches of lines) -> worker -> LogScreen.Lines message -> LogView.write_lines.
The screen takes an opener: ``open_window(LogWindow)`` re-opens the source with another time window (``W``:
tail 1000, since 1m/5m/15m/1h, all), or a zero-argument ``open_stream`` for a source that cannot. ``ctrl+s``
saves the shown lines to a file (mode 0600) through the gateway (action ``log.save``).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Mapping
from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, get_current_worker

from tui.actions import ActionObject, Gateway, Outcome
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import BackendError
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.kube_pods import pod_logs
from tui.adapters.log_lines import DEFAULT_WINDOW, WINDOWS, LogLine, LogStream, LogWindow, next_window, save_lines
from tui.adapters.models import ContainerInfo
from tui.config import app_config
from widgets.key_bar import KeyBar
from widgets.log_view import LogLines, LogView
from widgets.prompt import PromptDialog

IN_FLIGHT = 8  # batches posted to the event loop and not handled yet
RESUME_FIRST, RESUME_MAX = 1.0, 30.0  # seconds before re-opening a failed stream, doubling (RELIABILITY rule 1)
WindowOpener = Callable[[LogWindow], LogStream]


class LogScreen(Screen[None]):
    """The log of one source (a container, a pod's container, a compose stack), followed live."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="logs.back"),
        Binding("W,shift+w", "cycle_window", "Window", id="log.window"),
        Binding("ctrl+s", "save", "Save", id="log.save"),
    ]

    class Lines(Message):
        def __init__(
            self,
            lines: list[LogLine],
            generation: int = 0,
            room: threading.Semaphore | None = None,
            skipped: int = 0,
        ) -> None:
            super().__init__()
            self.lines = lines
            self.generation = generation
            self.room = room
            self.skipped = skipped  # lines the stream passed over since the previous batch

    class Ended(Message):
        """The stream ended (the container stopped) or failed (``error``)."""

        def __init__(self, error: str = "", generation: int = 0) -> None:
            super().__init__()
            self.error = error
            self.generation = generation

    def __init__(
        self,
        title: str,
        open_stream: Callable[[], LogStream] | None = None,
        *,
        open_window: WindowOpener | None = None,
        window: LogWindow = DEFAULT_WINDOW,
        windows: tuple[LogWindow, ...] = WINDOWS,
        max_lines: int | None = None,  # None: the config's [logs] buffer_lines
        show_source: bool = False,
        colours: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__()
        if open_stream is None and open_window is None:
            raise ValueError("a LogScreen needs open_stream or open_window")
        self.title_text = title
        self.open_stream = open_stream
        self.open_window = open_window
        self.window = window
        self.windows = windows
        self.max_lines = max_lines
        self.show_source = show_source
        self.colours: Mapping[str, int] = colours if colours is not None else {}
        self.stream: LogStream | None = None
        self.reader: Worker[None] | None = None
        self.generation = 0  # bumped on each re-open: messages of an older stream are ignored
        self._cutoff: datetime | None = None
        self._last_seen: datetime | None = None  # the newest line's time: a resumed stream starts after it
        self._resume_delay = RESUME_FIRST
        self._leaving = False

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title_text), classes="log-title")
        yield LogView(self.buffer_lines, show_source=self.show_source, colours=self.colours)
        yield KeyBar()

    @property
    def buffer_lines(self) -> int:
        return self.max_lines or app_config(self.app).logs.buffer_lines

    @property
    def log_view(self) -> LogView:
        return self.query_one(LogView)

    def on_mount(self) -> None:
        self.query_one(LogLines).focus()
        self._show_window()
        self.reader = self.read(self.generation, self.window)

    def on_unmount(self) -> None:
        self._leaving = True
        if self.stream is not None:
            self.stream.close()  # wakes the worker's blocked read
        if self.reader is not None:
            self.reader.cancel()

    # ---- reading

    def _open(self, window: LogWindow) -> LogStream:
        if self.open_window is not None:
            return self.open_window(window)
        assert self.open_stream is not None
        return self.open_stream()

    @work(thread=True, exclusive=True, exit_on_error=False, group="logs")
    def read(self, generation: int, window: LogWindow) -> None:
        worker = get_current_worker()
        room = threading.Semaphore(IN_FLIGHT)

        def stale() -> bool:
            return self._leaving or worker.is_cancelled or generation != self.generation

        try:
            stream = self._open(window)  # an inspect and a request: off the event loop
        except BackendError as error:
            if not stale():
                self.post_message(self.Ended(str(error), generation))
            raise
        with stream:
            if generation == self.generation:
                self.stream = stream  # first: on_unmount closes it from now on
            if stale():  # the screen went (or re-opened) while the stream was opening
                return
            try:
                posted = 0  # lines skipped by the stream and reported so far
                for batch in stream:
                    if not self._wait_for_room(room, stale):
                        return
                    skipped = stream.skipped
                    self.post_message(self.Lines(batch, generation, room, skipped - posted))
                    posted = skipped
            except BackendError as error:
                if not stale():
                    self.post_message(self.Ended(str(error), generation))
                raise
        if not stale():
            self.post_message(self.Ended("", generation))

    @staticmethod
    def _wait_for_room(room: threading.Semaphore, stale: Callable[[], bool]) -> bool:
        """Backpressure: at most IN_FLIGHT batches wait for the event loop, so a flood that outruns the UI
        stops the reader (and the engine) instead of growing the message queue. False when stale."""
        while not room.acquire(timeout=0.1):
            if stale():
                return False
        return not stale()

    @on(Lines)
    def _lines(self, message: Lines) -> None:
        if message.room is not None:
            message.room.release()
        if message.generation != self.generation:
            return
        lines = message.lines
        cutoff = self._cutoff
        if cutoff is not None:  # a source that cannot ask for "since" itself reads more: drop what is older
            lines = [line for line in lines if line.timestamp is None or line.timestamp >= cutoff]
        last = self._last_seen
        if last is not None:  # a resumed stream starts a second early: drop what was already shown
            lines = [line for line in lines if line.timestamp is None or line.timestamp > last]
        stamps = [line.timestamp for line in lines if line.timestamp is not None]
        if stamps:
            self._last_seen = max(stamps)
        if self._resume_delay != RESUME_FIRST:  # a resumed stream delivers again: the failure is over
            self._resume_delay = RESUME_FIRST
            title = self.query_one(".log-title", Static)
            title.update(Text(self.title_text + " — resumed"))
            title.remove_class("-failed")
        self.log_view.write_lines(lines)
        self.log_view.count_skipped(message.skipped)

    @on(Ended)
    def _ended(self, message: Ended) -> None:
        if message.generation != self.generation:
            return
        title = self.query_one(".log-title", Static)
        suffix = f" — {message.error}" if message.error else " — stream ended"
        if message.error and self.open_window is not None:  # the engine may come back: try again, later
            suffix += f" — reconnecting in {self._resume_delay:.0f}s"
            self.set_timer(self._resume_delay, self._resume)
            self._resume_delay = min(self._resume_delay * 2, RESUME_MAX)
        title.update(Text(self.title_text + suffix))
        title.set_class(bool(message.error), "-failed")
        title.set_class(not message.error, "-ended")

    def _resume(self) -> None:
        """Re-open a failed stream where it stopped (a second before its last line; repeats are dropped)."""
        if self._leaving:
            return
        last = self._last_seen
        window = self.window
        if last is not None:
            window = LogWindow(
                "resumed", since_seconds=max(1.0, (datetime.now(last.tzinfo) - last).total_seconds() + 1)
            )
        self.generation += 1
        self.stream = None
        self.reader = self.read(self.generation, window)

    # ---- time windows

    def set_window(self, window: LogWindow) -> None:
        """Re-open the source reading ``window``: the lines shown so far are replaced."""
        if self.open_window is None:
            self.notify("This log cannot be re-opened with another time window.", severity="warning")
            return
        self.window = window
        self.generation += 1
        self._cutoff = window.since()
        self._last_seen = None
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        self.log_view.clear()
        title = self.query_one(".log-title", Static)
        title.update(Text(self.title_text))
        title.remove_class("-failed", "-ended")
        self._show_window()
        self.reader = self.read(self.generation, window)

    def action_cycle_window(self) -> None:
        self.set_window(next_window(self.window, self.windows))

    def _show_window(self) -> None:
        view = self.log_view
        view.note = f"window: {self.window.label}" if self.open_window is not None else ""
        view.post_message(LogView.StateChanged())

    # ---- save (a file write: a mutation, through the gateway)

    def default_save_path(self) -> str:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", self.title_text.removeprefix("Logs: ")).strip("-.")[:60]
        return os.path.join(os.getcwd(), f"{slug or 'log'}-{datetime.now():%Y%m%d-%H%M%S}.log")

    @work(exit_on_error=False, group="log-save")
    async def action_save(self) -> None:
        lines = self.log_view.shown_text()  # what is shown now, not what arrives while the dialog is open
        gateway: Gateway | None = getattr(self.app, "gateway", None)
        if gateway is None:
            self.notify("Saving needs the application's gateway.", severity="error")
            return
        count = f"{len(lines):,} shown line{'s' if len(lines) != 1 else ''}"
        path = await self.app.push_screen_wait(
            PromptDialog(
                f"Save the {count} to (a new file, or one of yours; mode 0600):",
                value=self.default_save_path(),
                validate=lambda value: None if value.strip() else "a path, please",
            )
        )
        if not path:
            return
        path = path.strip()
        result = await gateway.execute(
            "log.save",
            "local file",
            [ActionObject(id=path, name=path)],
            lambda target: self._write(target.id, lines),
            details={"command": f"save {len(lines)} log lines to {path}"},
        )
        if result.outcome is Outcome.DONE:
            self.notify(f"Saved {count} to {path}.")
        elif result.outcome is not Outcome.DECLINED:
            self.notify(result.message, severity="error")

    @staticmethod
    def _write(path: str, lines: list[str]) -> None:
        save_lines(path, lines)


def container_log_screen(engine: DockerEngine, container: ContainerInfo) -> LogScreen:
    """The followed log of one container: its last 1,000 lines (or another window), then what it writes."""
    title = f"Logs: {container.name} ({container.image}) · {container.id[:12]}"
    cid = container.id
    return LogScreen(
        title, open_window=lambda window: engine.container_logs(cid, tail=window.tail, since=window.since())
    )


def pod_log_screen(
    cluster: KubeCluster, namespace: str, pod: str, container: str, *, previous: bool = False
) -> LogScreen:
    """The followed log of a pod's container (or of its previous instance)."""
    label = "previous instance of " if previous else ""
    title = f"Logs: {label}{namespace}/{pod} · {container}"

    def open_window(window: LogWindow) -> LogStream:
        return pod_logs(
            cluster,
            namespace,
            pod,
            container,
            previous=previous,
            tail=window.tail,
            since_seconds=window.since_seconds,
        )

    return LogScreen(title, open_window=open_window)
