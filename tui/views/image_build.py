"""Screens of the Images area: the build form, the live progress of a build/pull/push, the prune preview."""

from __future__ import annotations

import os
import re
import shlex
from collections import deque
from dataclasses import dataclass, field

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Label, Static, TextArea

from tui.adapters.docker_images import (
    DanglingImages,
    Progress,
    ProgressStream,
    build_input_error,
    dockerfile_path,
    reference_error,
)
from tui.adapters.secrets import MASK, is_secret_name
from tui.format import age, human_size, short_id
from widgets.key_bar import KeyBar
from widgets.log_view import LogView

_ARG_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DRAIN_SECONDS = 0.05


def parse_build_args(text: str) -> dict[str, str]:
    """``KEY=VALUE`` per line (spaces around both are dropped); blank lines and ``#`` comments are skipped.

    ValueError names the bad line.
    """
    args: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        if not equals or not _ARG_NAME.match(name.strip()):
            raise ValueError(f"build args, line {number}: {line!r} is not KEY=VALUE")
        args[name.strip()] = value.strip()
    return args


@dataclass(frozen=True)
class BuildSpec:
    """What the build form asks: the context directory, the Dockerfile in it, the tag and the build args."""

    context_dir: str
    dockerfile: str = "Dockerfile"
    tag: str = ""
    buildargs: dict[str, str] = field(default_factory=dict)

    def cli_args(self) -> str:
        """The arguments of the equivalent ``docker build``; values of secret-looking args are masked."""
        parts: list[str] = []
        if self.tag:
            parts += ["--tag", self.tag]
        if self.dockerfile != "Dockerfile":
            parts += ["--file", dockerfile_path(self.context_dir, self.dockerfile)]
        for name, value in self.buildargs.items():
            parts += ["--build-arg", f"{name}={MASK if is_secret_name(name) else value}"]
        return shlex.join([*parts, self.context_dir])


class BuildForm(ModalScreen[BuildSpec | None]):
    """Ask for a build; the paths, the tag and the build args are checked before the form closes.

    The equivalent ``docker build`` line is shown as the user types (secret-looking build args masked).
    """

    DEFAULT_CSS = """
    BuildForm { align: center middle; }
    BuildForm > Vertical {
        width: 100%; max-width: 110; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    BuildForm .form-title { text-style: bold; height: 1; margin-bottom: 1; }
    BuildForm .field-row { height: auto; margin-bottom: 1; }
    BuildForm .field-label { width: 12; color: $text-muted; }
    BuildForm .field-row Input, BuildForm #buildargs { width: 1fr; background: $panel; }
    BuildForm .field-row Input:focus, BuildForm #buildargs:focus { background: $panel-lighten-2; }
    BuildForm #buildargs { height: 4; }
    BuildForm .form-error { color: $error; height: auto; }
    BuildForm #preview { color: $text-muted; height: auto; max-height: 4; margin-top: 1; }
    BuildForm .buttons { height: auto; align-horizontal: right; }
    BuildForm .buttons Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Build", priority=True),
    ]

    def __init__(self, context_dir: str = "", tag: str = "") -> None:
        super().__init__()
        self.context_dir = context_dir
        self.tag = tag

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Build an image  (ctrl+s or enter builds, escape cancels)"), classes="form-title")
            yield from self._row("context", Input(self.context_dir, placeholder="/path/to/project", compact=True))
            yield from self._row(
                "dockerfile", Input("Dockerfile", placeholder="relative to the context", compact=True)
            )
            yield from self._row("tag", Input(self.tag, placeholder="repository:tag (optional)", compact=True))
            yield from self._row(
                "buildargs", TextArea(soft_wrap=False, compact=True, placeholder="KEY=VALUE, one a line")
            )
            yield Static("", classes="form-error")
            yield Static("", id="preview")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Build", id="build", variant="primary", compact=True)

    def _row(self, field: str, control: Widget) -> ComposeResult:
        control.id = field
        with Horizontal(classes="field-row"):
            yield Label("build args" if field == "buildargs" else field, classes="field-label")
            yield control

    def on_mount(self) -> None:
        self.query_one("#context" if not self.context_dir else "#tag", Input).focus()
        self._show_preview()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _values(self) -> tuple[str, str, str, str]:
        context = os.path.abspath(os.path.expanduser(self.query_one("#context", Input).value.strip() or "."))
        dockerfile = self.query_one("#dockerfile", Input).value.strip() or "Dockerfile"
        return context, dockerfile, self.query_one("#tag", Input).value.strip(), self.query_one(TextArea).text

    def spec(self) -> BuildSpec:
        """The form's values as a BuildSpec; ValueError says what is wrong."""
        context, dockerfile, tag, args = self._values()
        problem = build_input_error(context, dockerfile) or (reference_error(tag) if tag else None)
        if problem:
            raise ValueError(problem)
        return BuildSpec(context, dockerfile, tag, parse_build_args(args))

    def _show_preview(self) -> None:
        context, dockerfile, tag, args = self._values()
        try:
            buildargs = parse_build_args(args)
        except ValueError:
            buildargs = {}
        line = BuildSpec(context, dockerfile, tag, buildargs).cli_args()
        self.query_one("#preview", Static).update(Text(f"$ docker build {line}"))

    @on(Input.Submitted)
    @on(Button.Pressed, "#build")
    def action_submit(self) -> None:
        try:
            spec = self.spec()
        except ValueError as error:
            self.query_one(".form-error", Static).update(Text(str(error)))
            return
        self.dismiss(spec)

    @on(Button.Pressed, "#cancel")
    def _cancelled(self) -> None:
        self.dismiss(None)

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _edited(self) -> None:
        self.query_one(".form-error", Static).update("")
        self._show_preview()


@dataclass(frozen=True)
class _Finished:
    error: str | None
    summary: str


class ProgressScreen(Screen[None]):
    """The live output of a build, pull or push: one row per layer, the other lines in a LogView.

    ``feed`` and ``finish`` may be called from any thread: they only queue, and a timer on the event loop
    drains the queue in batches (a pull reports progress many times a second per layer). Escape cancels a
    running operation (the stream is closed) and goes back.
    """

    DEFAULT_CSS = """
    ProgressScreen > .progress-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    ProgressScreen > .progress-status { height: auto; padding: 0 1; color: $text-muted; }
    ProgressScreen > .progress-status.-failed { color: $error; text-style: bold; }
    ProgressScreen > .progress-status.-done { color: $success; text-style: bold; }
    ProgressScreen > DataTable { height: auto; max-height: 12; display: none; }
    ProgressScreen > DataTable.-shown { display: block; }
    """
    BINDINGS = [Binding("escape", "close", "Cancel / back")]

    def __init__(self, title: str, stream: ProgressStream) -> None:
        super().__init__()
        self.title_text = title
        self.stream = stream
        self.running = True
        self.error: str | None = None
        self._queue: deque[Progress | _Finished] = deque()
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title_text), classes="progress-title")
        yield Static(Text("running…"), classes="progress-status")
        table: DataTable[Text] = DataTable(cursor_type="none", id="layers")
        yield table
        yield LogView(id="progress-log")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#layers", DataTable)
        table.add_column("LAYER", key="layer", width=14)
        table.add_column("STATUS", key="status")
        self._timer = self.set_interval(DRAIN_SECONDS, self._drain)

    def on_unmount(self) -> None:
        if self.running:
            self.stream.close()  # the app is closing, or the screen was popped: stop the engine's work

    # ---- any thread

    def feed(self, progress: Progress) -> None:
        self._queue.append(progress)

    def finish(self, error: str | None, summary: str = "done") -> None:
        self._queue.append(_Finished(error, summary))

    # ---- event loop

    def _drain(self) -> None:
        lines: list[str] = []
        layers: dict[str, str] = {}
        finished: _Finished | None = None
        while self._queue:
            item = self._queue.popleft()
            if isinstance(item, _Finished):
                finished = item
            elif item.layer is not None:
                layers[item.layer] = item.line  # only the latest state of each layer is drawn
            else:
                lines.append(item.line)
        if lines:
            self.query_one(LogView).write_lines(lines)
        if layers:
            self._show_layers(layers)
        if finished is not None:
            self._finished(finished)

    def _show_layers(self, layers: dict[str, str]) -> None:
        table = self.query_one("#layers", DataTable)
        table.add_class("-shown")
        for layer, line in layers.items():
            if layer in table.rows:
                table.update_cell(layer, "status", Text(line))
            else:
                table.add_row(Text(layer), Text(line), key=layer)

    def _finished(self, finished: _Finished) -> None:
        self.query_one(LogView).flush()  # "done" shows with the stream's last lines, not 50 ms before them
        self.running = False
        self.error = finished.error
        if self._timer is not None:
            self._timer.stop()
        status = self.query_one(".progress-status", Static)
        status.update(Text(f"Error: {finished.error}" if finished.error else finished.summary))
        status.set_class(finished.error is not None, "-failed")
        status.set_class(finished.error is None, "-done")

    def action_close(self) -> None:
        if self.running:
            self.stream.close()
        self.dismiss()


class PrunePreview(ModalScreen[bool]):
    """The dangling images a prune would delete and their total size, before the typed confirmation."""

    DEFAULT_CSS = """
    PrunePreview { align: center middle; }
    PrunePreview > Vertical {
        width: 80%; max-width: 90; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    PrunePreview .title { text-style: bold; margin-bottom: 1; }
    PrunePreview DataTable { height: auto; max-height: 14; }
    PrunePreview .total { margin-top: 1; }
    PrunePreview Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    PrunePreview Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "answer(False)", "Cancel")]

    def __init__(self, preview: DanglingImages) -> None:
        super().__init__()
        self.preview = preview

    def compose(self) -> ComposeResult:
        count = len(self.preview.images)
        with Vertical():
            yield Static(Text(f"Prune {count} dangling image{'s' if count != 1 else ''}?"), classes="title")
            table: DataTable[Text] = DataTable(cursor_type="none")
            table.add_columns("ID", "CREATED", "SIZE")
            for image in self.preview.images:
                table.add_row(Text(short_id(image.id)), Text(age(image.created)), Text(human_size(image.size)))
            yield table
            total = human_size(self.preview.total_size)
            yield Static(
                Text(f"Total: {total} (layers shared with other images are kept, so less may be freed)"),
                classes="total",
            )
            with Horizontal():
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button("Continue…", id="continue", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "continue")
