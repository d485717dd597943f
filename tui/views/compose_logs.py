"""Merged logs of a compose stack: one LogScreen over every container, each line prefixed by its service in the
service's own theme colour (replicas of a service share it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.strip import Strip
from textual.widgets import Footer, Static

from tui.adapters.compose_logs import log_sources, merged_logs
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.log_lines import LogStream
from tui.adapters.models import ContainerInfo
from tui.views.log_screen import LogScreen
from widgets.log_buffer import LineLike, LogBuffer
from widgets.log_view import LogLines, LogView

LOG_TAIL = 500  # lines of each container's past shown before following
PALETTE = ("primary", "secondary", "accent", "success", "warning", "error")  # theme colours of service prefixes


class ServiceLogLines(LogLines):
    """LogLines whose source prefix takes the colour of its service (theme colours, by the service's place)."""

    COMPONENT_CLASSES = LogLines.COMPONENT_CLASSES | {f"log-lines--service-{n}" for n in range(len(PALETTE))}
    DEFAULT_CSS = "\n".join(
        f"ServiceLogLines > .log-lines--service-{n} {{ color: $text-{name}; text-style: bold; }}"
        for n, name in enumerate(PALETTE)
    )

    def __init__(self, buffer: LogBuffer, colours: Mapping[str, int]) -> None:
        super().__init__(buffer, show_source=True, show_timestamps=False)
        self.colours = colours
        self._row_source: str | None = None

    def _render_row(self, line: LineLike, style: Style) -> Strip:
        self._row_source = line.source
        try:
            return super()._render_row(line, style)
        finally:
            self._row_source = None

    def get_component_rich_style(self, *names: str, partial: bool = False, default: Style | None = None) -> Style:
        if names == ("log-lines--source",) and self._row_source is not None:
            names = (f"log-lines--service-{self.colours.get(self._row_source, 0) % len(PALETTE)}",)
        return super().get_component_rich_style(*names, partial=partial, default=default)


class ServiceLogView(LogView):
    def __init__(self, colours: Mapping[str, int], max_lines: int) -> None:
        super().__init__(max_lines, show_source=True)
        self._lines = ServiceLogLines(self._buffer, colours)


class StackLogScreen(LogScreen):
    """The logs of every container of a stack, merged, each line prefixed by its service in its colour."""

    def __init__(self, title: str, open_stream: Callable[[], LogStream], colours: Mapping[str, int]) -> None:
        super().__init__(title, open_stream, show_source=True)
        self.colours = colours

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title_text), classes="log-title")
        yield ServiceLogView(self.colours, self.max_lines)
        yield Footer()


def stack_log_screen(engine: DockerEngine, stack: str, containers: list[ContainerInfo]) -> StackLogScreen:
    sources = log_sources(containers)
    services = sorted({service for _, service in sources.values()})
    colours = {source: services.index(service) for source, service in sources.values()}
    count = len(sources)
    title = f"Logs: stack {stack} · {len(services)} services, {count} container{'s' if count > 1 else ''}"
    return StackLogScreen(
        title, lambda: merged_logs(lambda cid: engine.container_logs(cid, tail=LOG_TAIL), containers), colours
    )
