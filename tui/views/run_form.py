"""RunForm: the options of ``docker run --detach`` in a form, checked as the user types, with the equivalent
command line shown before anything runs; and ``run_from_form``, which sends the result through the gateway.
"""

from __future__ import annotations

import re
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, TextArea
from textual.worker import get_current_worker

from tui.actions import ActionObject, Outcome
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.docker_run import RunSpec, docker_run_command, problems
from tui.adapters.errors import BackendError, InvalidInput
from tui.views.live_view import LiveView

FIELDS = ("image", "name", "hostname", "command", "publish", "volumes", "env", "restart")
RESTART_CHOICES = [
    ("no", "no"),
    ("always", "always"),
    ("unless-stopped", "unless-stopped"),
    ("on-failure", "on-failure"),
]
ENGINE_CHECK_DELAY = 0.3  # seconds of quiet typing before asking the engine about the image and the name


def split_list(text: str) -> tuple[str, ...]:
    """Publish and volume entries: separated by commas, spaces or newlines."""
    return tuple(item for item in re.split(r"[,\s]+", text) if item)


def env_lines(text: str) -> tuple[str, ...]:
    """One KEY=VALUE per line, as in a docker env file: leading blanks dropped, blank and # lines skipped."""
    lines = (line.lstrip() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


class RunForm(ModalScreen[RunSpec | None]):
    """Ask for a RunSpec. Each field shows its problems as the user types; Run is enabled only when none remain.

    With an ``engine``, the image and the name are also checked against it (in a thread, after a pause in the
    typing): a missing image or a name in use is shown under its field before anything is created.
    """

    DEFAULT_CSS = """
    RunForm { align: center middle; }
    RunForm > Vertical {
        width: 100%; max-width: 110; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    RunForm .form-title { text-style: bold; height: 1; margin-bottom: 1; }
    RunForm VerticalScroll { height: auto; max-height: 55vh; }
    RunForm .field-row { height: auto; }
    RunForm .field-label { width: 10; color: $text-muted; }
    RunForm .field-row Input, RunForm .field-row Select, RunForm #env { width: 1fr; background: $panel; }
    RunForm .field-row Input:focus, RunForm #env:focus { background: $panel-lighten-2; }
    RunForm #env { height: 4; }
    RunForm #retries { width: 14; margin-left: 1; display: none; }
    RunForm #retries.-shown { display: block; }
    RunForm .field-error { color: $error; height: auto; padding-left: 10; display: none; }
    RunForm .field-error.-shown { display: block; }
    RunForm #preview { color: $text-muted; height: auto; max-height: 4; margin-top: 1; }
    RunForm .buttons { height: auto; align-horizontal: right; }
    RunForm .buttons Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Run", priority=True),
    ]

    def __init__(self, image: str = "", *, engine: DockerEngine | None = None) -> None:
        super().__init__()
        self.initial_image = image
        self.engine = engine
        # field -> (the value the engine was asked about, what it said); shown while the field keeps that value
        self.engine_problems: dict[str, tuple[str, str]] = {}
        self._check_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Run a container  (ctrl+s runs, escape cancels)"), classes="form-title")
            with VerticalScroll():
                yield from self._row(
                    "image", Input(self.initial_image, placeholder="repository:tag", compact=True)
                )
                yield from self._row("name", Input(placeholder="a name, or empty for a random one", compact=True))
                yield from self._row("hostname", Input(placeholder="defaults to the container id", compact=True))
                yield from self._row("command", Input(placeholder="the image's default command", compact=True))
                yield from self._row(
                    "publish", Input(placeholder="127.0.0.1:8080:80, 127.0.0.1:8443:443", compact=True)
                )
                yield from self._row(
                    "volumes", Input(placeholder="data:/var/lib/data, /srv/www:/www:ro", compact=True)
                )
                yield from self._row(
                    "env", TextArea(soft_wrap=False, compact=True, placeholder="KEY=VALUE, one a line")
                )
                with Horizontal(classes="field-row"):
                    yield Label("restart", classes="field-label")
                    yield Select(RESTART_CHOICES, value="no", allow_blank=False, compact=True, id="restart")
                    yield Input(placeholder="max retries", compact=True, id="retries", restrict=r"\d*")
                yield Static("", id="restart-error", classes="field-error")
            yield Static("", id="preview")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Run", id="run", variant="primary", compact=True)

    def _row(self, field: str, control: Widget) -> ComposeResult:
        control.id = field
        with Horizontal(classes="field-row"):
            yield Label(field, classes="field-label")
            yield control
        yield Static("", id=f"{field}-error", classes="field-error")

    def on_mount(self) -> None:
        self.query_one("#name" if self.initial_image else "#image").focus()
        self.refresh_checks()
        self._schedule_engine_check()

    # ---- reading the form

    def _value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()

    def spec(self) -> RunSpec:
        restart = str(self.query_one("#restart", Select).value)
        retries = self._value("retries")
        if restart == "on-failure" and retries:
            restart = f"on-failure:{retries}"
        return RunSpec(
            image=self._value("image"),
            name=self._value("name"),
            hostname=self._value("hostname"),
            command=self._value("command"),
            env=env_lines(self.query_one("#env", TextArea).text),
            publish=split_list(self._value("publish")),
            volumes=split_list(self._value("volumes")),
            restart=restart,
        )

    def field_problems(self, spec: RunSpec) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for problem in problems(spec):
            found.setdefault(problem.field, []).append(problem.message)
        current = {"image": spec.image, "name": spec.name}
        for field, (value, message) in self.engine_problems.items():
            if current[field] == value and field not in found:
                found[field] = [message]
        return found

    # ---- inline validation and the preview

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _edited(self, event: Input.Changed | TextArea.Changed) -> None:
        self.refresh_checks()
        if event.control.id in ("image", "name"):
            self._schedule_engine_check()

    @on(Select.Changed, "#restart")
    def _restart_changed(self, event: Select.Changed) -> None:
        self.query_one("#retries").set_class(event.value == "on-failure", "-shown")
        self.refresh_checks()

    def refresh_checks(self) -> bool:
        """Show each field's problems and the equivalent command; return whether the form can be run."""
        spec = self.spec()
        found = self.field_problems(spec)
        for field in FIELDS:
            error = self.query_one(f"#{field}-error", Static)
            error.update(Text("\n".join(found.get(field, []))))
            error.set_class(field in found, "-shown")
        self.query_one("#preview", Static).update(Text(f"$ {docker_run_command(spec)}"))
        self.query_one("#run", Button).disabled = bool(found)
        return not found

    # ---- what only the engine knows: is the image here, is the name free

    def _schedule_engine_check(self) -> None:
        if self.engine is None:
            return
        if self._check_timer is not None:
            self._check_timer.stop()
        self._check_timer = self.set_timer(ENGINE_CHECK_DELAY, self._start_engine_check)

    def _start_engine_check(self) -> None:
        spec = self.spec()
        invalid = {p.field for p in problems(spec)}
        self.check_engine("" if "image" in invalid else spec.image, "" if "name" in invalid else spec.name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="run-form-check")
    def check_engine(self, image: str, name: str) -> None:
        engine = self.engine
        assert engine is not None
        found: dict[str, tuple[str, str]] = {}
        try:
            if image and not engine.image_exists(image):
                found["image"] = (image, "image not found locally: pull it first")
        except InvalidInput as error:  # a malformed reference: the engine says what is wrong with it
            found["image"] = (image, str(error))
        except BackendError:
            return  # the engine is unreachable: the run itself checks again and reports it
        try:
            holder = engine.container_using_name(name) if name else None
        except BackendError:
            return
        if holder is not None:
            found["name"] = (name, f"already used by container {holder[:12]}")
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._engine_checked, found)

    def _engine_checked(self, found: dict[str, tuple[str, str]]) -> None:
        if self.is_attached:
            self.engine_problems = found
            self.refresh_checks()

    # ---- leaving

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next()  # Enter moves on: running takes ctrl+s or the Run button, never a stray Enter

    @on(Button.Pressed, "#run")
    def action_submit(self) -> None:
        if not self.refresh_checks():
            self.app.bell()
            return
        self.dismiss(self.spec())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


async def run_from_form(view: LiveView, engine: DockerEngine, image: str | None) -> None:
    """Ask for the options, then run through the gateway (read-only refuses, the audit names the image).

    Call it inside an async worker of ``view``: the form is awaited with push_screen_wait.
    """
    if view.gateway.is_readonly(view.target()):
        # Refused before the form, so nothing typed is lost; the gateway still records the refusal.
        objects = [ActionObject(id=image, name=image)] if image else []
        refused = await view.gateway.execute("image.run", view.target(), objects, _never_called)
        view.notify(refused.message, severity="error", markup=False)
        return
    spec = await view.app.push_screen_wait(RunForm(image or "", engine=engine))
    if spec is None:
        return
    started: list[str] = []

    def perform(_: ActionObject) -> None:
        started.append(engine.run_container(spec))

    result = await view.gateway.execute(
        "image.run",
        view.target(),
        [ActionObject(id=spec.image, name=spec.image)],
        perform,
        details={"command": docker_run_command(spec)},  # masked: safe for a confirmation dialog
    )
    if result.outcome is Outcome.DONE and started:
        view.notify(f"Started {spec.name or started[0][:12]} from {spec.image}", markup=False)
    else:
        severity: SeverityLevel = "information" if result.outcome is Outcome.DECLINED else "error"
        view.notify(result.message, severity=severity, markup=False)


def _never_called(_: ActionObject) -> None:
    raise AssertionError("read-only mode performs nothing")
