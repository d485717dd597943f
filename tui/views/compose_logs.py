"""Merged logs of a compose stack: one LogScreen over every container, each line prefixed by its service in the
service's own theme colour (replicas of a service share it); ``1``-``9`` hide or show a source, ``W`` re-opens
every container's log with another time window."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from tui.adapters.compose_logs import log_sources, merged_logs
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.log_lines import LogStream, LogWindow
from tui.adapters.models import ContainerInfo
from tui.views.log_screen import LogScreen, WindowOpener
from widgets.key_bar import KeyBar
from widgets.log_buffer import LogBuffer
from widgets.log_view import LogLines, LogView


class ServiceLogLines(LogLines):
    """LogLines whose source prefix takes the colour of its service (theme colours, by the service's place)."""


class ServiceLogView(LogView):
    def __init__(self, colours: Mapping[str, int], max_lines: int) -> None:
        super().__init__(max_lines, show_source=True, colours=colours)

    def make_lines(
        self, buffer: LogBuffer, show_source: bool, show_timestamps: bool, colours: Mapping[str, int]
    ) -> LogLines:
        return ServiceLogLines(buffer, show_source=show_source, show_timestamps=show_timestamps, colours=colours)


class StackLogScreen(LogScreen):
    """The logs of every container of a stack, merged, each line prefixed by its service in its colour."""

    def __init__(
        self,
        title: str,
        open_stream: Callable[[], LogStream] | None = None,
        colours: Mapping[str, int] | None = None,
        *,
        open_window: WindowOpener | None = None,
    ) -> None:
        super().__init__(title, open_stream, open_window=open_window, show_source=True, colours=colours)

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title_text), classes="log-title")
        yield ServiceLogView(self.colours, self.buffer_lines)
        yield KeyBar()


def stack_log_screen(engine: DockerEngine, stack: str, containers: list[ContainerInfo]) -> StackLogScreen:
    sources = log_sources(containers)
    services = sorted({service for _, service in sources.values()})
    colours = {source: services.index(service) for source, service in sources.values()}
    count = len(sources)
    title = f"Logs: stack {stack} · {len(services)} services, {count} container{'s' if count > 1 else ''}"

    def open_window(window: LogWindow) -> LogStream:
        return merged_logs(
            lambda cid: engine.container_logs(cid, tail=window.tail, since=window.since()), containers
        )

    return StackLogScreen(title, colours=colours, open_window=open_window)
