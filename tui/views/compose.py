"""Compose area: every compose stack on the engine (found by the labels on its containers, whichever directory
started it) and the files opened here (listed even when nothing runs), live from the engine's container events.

A stack's compose file (opened, or named by its containers' labels) is loaded in a thread worker and checked
again every few seconds, so drift follows edits of the file. Up and scale show their steps in an
OperationScreen and can be cancelled; every mutation goes through the gateway with the project as its object.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.worker import Worker, get_current_worker

from tui.actions import ActionObject, Gateway, Outcome
from tui.adapters.compose_container import CONFIG_FILES, WORKING_DIR
from tui.adapters.compose_engine import ComposeEngine
from tui.adapters.compose_errors import ComposeError
from tui.adapters.compose_model import default_files, load_project
from tui.adapters.compose_records import ComposeProject
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import InvalidInput
from tui.adapters.live import LiveFeed
from tui.adapters.models import ContainerInfo, Deleted, Snapshot, Upserted
from tui.views.compose_detail import (
    OperationScreen,
    StackRow,
    StackScreen,
    drift_cell,
    is_service_container,
    run_with_progress,
    stack_row,
    state_cell,
)
from tui.views.compose_logs import stack_log_screen
from tui.views.live_view import DockerView, action_bindings
from widgets.detail_screen import DetailScreen, Section
from widgets.prompt import PromptDialog
from widgets.resource_table import Column, ResourceTable

MODEL_POLL_SECONDS = 3.0  # how often the stacks' compose files are checked for edits (a stat per file)
MAX_REPLICAS = 100

Stamp = tuple[int | None, ...]


# ---- compose files


def compose_files(value: str) -> list[Path]:
    """The files a path names: the file itself, or the compose file (and override) a directory holds.
    Relative paths are taken from the current directory."""
    path = Path(os.path.abspath(os.path.expanduser(value)))
    if path.is_dir():
        return default_files(path)
    return [path] if path.is_file() else []


def file_problem(value: str) -> str | None:
    path = os.path.abspath(os.path.expanduser(value))
    if compose_files(value):
        return None
    if os.path.isdir(path):
        return f"{path} holds no compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml"
    return f"{path}: no such file"


def file_stamp(files: tuple[str, ...]) -> Stamp:
    """The files' modification times: a change means the model must be loaded again."""
    stamps: list[int | None] = []
    for name in files:
        try:
            stamps.append(os.stat(name).st_mtime_ns)
        except OSError:
            stamps.append(None)
    return tuple(stamps)


def load_model(name: str, files: tuple[str, ...]) -> tuple[ComposeProject | None, str, str]:
    """(model, state, problem) of a stack's files: state is "loaded", "no file" or "file error"."""
    missing = [f for f in files if not os.path.isfile(f)]
    if missing:
        return None, "no file", f"{', '.join(missing)} is not on this host"
    try:
        return load_project(files, project_name=name), "loaded", ""
    except ComposeError as error:
        return None, "file error", str(error)


def label_files(container: ContainerInfo) -> tuple[str, ...]:
    """The compose files a container's labels name (relative ones from its working directory)."""
    raw = container.label(CONFIG_FILES) or ""
    base = container.label(WORKING_DIR) or ""
    return tuple(os.path.join(base, f) if base and not os.path.isabs(f) else f for f in raw.split(",") if f)


def problems_screen(error: ComposeError, title: str) -> DetailScreen:
    """Every problem of a compose file as ``file:line: message``; the table has them column by column."""
    count = len(error.problems)
    heading = f"{title}: {count} problem{'s' if count > 1 else ''}, nothing was created"
    rows = tuple((p.file, str(p.line or ""), p.message) for p in error.problems)
    return DetailScreen(
        heading,
        [
            Section("Problems", text="\n".join(str(p) for p in error.problems)),
            Section("By line", columns=("FILE", "LINE", "PROBLEM"), rows=rows),
        ],
    )


# ---- the area


class ComposeView(DockerView):
    """Compose stacks: records are the engine's containers, rows the stacks they form with the opened files."""

    BINDINGS = [
        *action_bindings("compose"),
        Binding("f", "open_file", "Open file", id="compose.open"),
        Binding("l", "logs", "Logs", id="compose.logs"),
        Binding("d,enter", "detail", "Services", id="compose.detail"),  # the table turns enter into RowSelected
    ]
    COLUMNS = [
        Column("name", "PROJECT", lambda s: s.name),
        Column("state", "STATE", state_cell),
        Column("running", "RUNNING", lambda s: f"{s.running}/{s.wanted}"),
        Column("services", "SERVICES", lambda s: ", ".join(s.start_order or (x.name for x in s.services))),
        Column("drift", "DRIFT", drift_cell),
        Column("file", "FILE", lambda s: ", ".join(s.files) or s.working_dir),
    ]
    NOUN = "compose stacks"

    class ModelsLoaded(Message):
        """Stack name -> (its files, their stamp, model or None, state, problem), from the loading worker."""

        def __init__(
            self, loaded: dict[str, tuple[tuple[str, ...], Stamp, ComposeProject | None, str, str]]
        ) -> None:
            super().__init__()
            self.loaded = loaded

    def __init__(self, engine: DockerEngine, gateway: Gateway, **kwargs: Any) -> None:
        super().__init__(engine, gateway, **kwargs)
        self.opened: dict[str, tuple[str, ...]] = {}  # stacks opened from a file: listed even when down
        self.sources: dict[str, tuple[str, ...]] = {}  # every stack's compose files, opened or from labels
        self.models: dict[str, ComposeProject] = {}
        self.model_state: dict[str, tuple[str, str]] = {}  # stack -> (state, problem) when there is no model
        self.stamps: dict[str, Stamp] = {}
        self.scales: dict[str, dict[str, int]] = {}  # replicas chosen by a scale, until the next up
        self.detail: StackScreen | None = None
        self._engines: tuple[DockerEngine, ComposeEngine] | None = None
        self._loading: Worker[None] | None = None
        self._regroup_pending = False

    def engine_feed(self, engine: DockerEngine) -> LiveFeed[Any]:
        return engine.watch_containers()

    @property
    def compose_engine(self) -> ComposeEngine:
        if self._engines is None or self._engines[0] is not self.engine:
            self._engines = (self.engine, ComposeEngine(self.engine))
        return self._engines[1]

    def on_mount(self) -> None:
        self.set_interval(MODEL_POLL_SECONDS, self.check_files)

    # ---- rows: the stacks the containers form, and the opened ones

    def apply_delta(self, delta: Snapshot[Any] | Upserted[Any] | Deleted) -> None:
        if isinstance(delta, Snapshot):
            self.records = {c.key: c for c in delta.items}
        elif isinstance(delta, Upserted):
            self.records[delta.item.key] = delta.item
        else:
            self.records.pop(delta.key, None)
        if not self._regroup_pending:  # a burst of events queued together is grouped once, after the last
            self._regroup_pending = True
            self.call_later(self._regroup)

    def _regroup(self) -> None:
        self._regroup_pending = False
        self._discover()
        self.refilter()
        self._show_status(self.summary())

    def refilter(self) -> None:
        self.table.apply_snapshot([s for s in self.stack_rows() if self.shows(s)])
        if self.detail is not None and self.detail.is_attached:
            self.detail.show(self.row(self.detail.stack.name))

    def stack_rows(self) -> list[StackRow]:
        groups: dict[str, list[ContainerInfo]] = {name: [] for name in self.opened}
        for c in self.records.values():
            if is_service_container(c):
                groups.setdefault(c.compose_project or "", []).append(c)
        return [self.row(name, members) for name, members in sorted(groups.items())]

    def row(self, name: str, containers: list[ContainerInfo] | None = None) -> StackRow:
        if containers is None:
            containers = [
                c for c in self.records.values() if c.compose_project == name and is_service_container(c)
            ]
        state, problem = self.model_state.get(name, ("loading" if name in self.sources else "no file", ""))
        return stack_row(
            name,
            containers,
            self.models.get(name),
            files=self.sources.get(name, ()),
            model=state,
            problem=problem,
            scales=self.scales.get(name),
        )

    def summary(self) -> str:
        text = f"{self.table.row_count} compose stacks"
        if self.filter_text:
            text += f" matching {self.filter_text!r}"
        if self.table.marked:
            text += f" · {len(self.table.marked)} marked (space toggles, escape clears)"
        return text + " · f opens a compose file"

    # ---- compose files: found by labels or opened, loaded in a thread, checked again for edits

    def _discover(self) -> None:
        running: dict[str, ContainerInfo] = {}
        for c in self.records.values():
            if is_service_container(c):
                running.setdefault(c.compose_project or "", c)
        new = False
        for name, container in running.items():
            if name not in self.sources and (files := label_files(container)):
                self.sources[name] = files
                new = True
        for name in [n for n in self.sources if n not in running and n not in self.opened]:
            del self.sources[name]  # taken down and never opened here: forget it
            self.models.pop(name, None)
            self.model_state.pop(name, None)
            self.stamps.pop(name, None)
            self.scales.pop(name, None)
        if new:
            self.check_files()

    def check_files(self) -> None:
        """Load the files of new stacks and those edited since they were loaded (one round at a time: a
        round still running picks nothing new up, the next tick does)."""
        if self.sources and (self._loading is None or self._loading.is_finished):
            self._loading = self.load_models(dict(self.sources), dict(self.stamps))

    @work(thread=True, exit_on_error=False, group="compose-models")
    def load_models(self, sources: dict[str, tuple[str, ...]], stamps: dict[str, Stamp]) -> None:
        worker = get_current_worker()
        loaded = {}
        for name, files in sources.items():
            stamp = file_stamp(files)
            if stamps.get(name) == stamp:
                continue
            loaded[name] = (files, stamp, *load_model(name, files))
            if worker.is_cancelled:
                return
        if loaded and not worker.is_cancelled:
            self.post_message(self.ModelsLoaded(loaded))

    @on(ModelsLoaded)
    def _models_loaded(self, message: ModelsLoaded) -> None:
        message.stop()
        for name, (files, stamp, model, state, problem) in message.loaded.items():
            if self.sources.get(name) != files:
                continue  # gone, or another file opened for it, while this one loaded
            self.stamps[name] = stamp
            self.remember(name, model, state, problem)
        self.refilter()

    def remember(self, name: str, model: ComposeProject | None, state: str = "loaded", problem: str = "") -> None:
        if model is not None:
            self.models[name] = model
            self.model_state.pop(name, None)
        else:
            self.models.pop(name, None)
            self.model_state[name] = (state, problem)

    def add_project(self, project: ComposeProject, stamp: Stamp | None = None) -> None:
        """List a stack opened from its file (even when nothing of it runs) and select it."""
        self.opened[project.name] = self.sources[project.name] = project.config_files
        self.stamps[project.name] = stamp if stamp is not None else ()
        self.remember(project.name, project)
        self.refilter()
        self.table.select_key(project.name)
        self._show_status(self.summary())

    @work(exit_on_error=False, group="actions")
    async def action_open_file(self) -> None:
        answer = await self.app.push_screen_wait(
            PromptDialog(
                "Open a compose file (or a directory holding one):",
                placeholder="docker-compose.yml",
                validate=file_problem,
                hint=f"relative paths start at {os.getcwd()}",
            )
        )
        if not answer:
            return
        files = tuple(str(f) for f in compose_files(answer))
        if not files:  # removed since the prompt checked it
            self.notify(file_problem(answer) or f"{answer}: no compose file", severity="error")
            return

        def load() -> tuple[ComposeProject, Stamp]:
            return load_project(files), file_stamp(files)

        try:
            project, stamp = await asyncio.to_thread(load)
        except ComposeError as error:
            self.app.push_screen(problems_screen(error, os.path.basename(files[0])))
            return
        self.add_project(project, stamp)
        count = len(project.services)
        text = f"Opened {project.name}: {count} service{'s' if count > 1 else ''}"
        if project.warnings:
            text += "\n" + "\n".join(str(w) for w in project.warnings[:5])
        self.notify(text, severity="warning" if project.warnings else "information")

    # ---- reading

    def action_detail(self) -> None:
        stack = self.table.selected
        if stack is not None:
            self.detail = StackScreen(self, stack)
            self.app.push_screen(self.detail)

    @on(ResourceTable.RowSelected)
    def _row_selected(self, event: ResourceTable.RowSelected) -> None:
        event.stop()
        self.action_detail()

    def action_logs(self) -> None:
        stack = self.table.selected
        if stack is not None:
            self.show_logs(stack)

    def show_logs(self, stack: StackRow, service: str | None = None) -> None:
        """The merged logs of a stack, or of one of its services (its replicas)."""
        containers = [c for s in stack.services if service in (None, s.name) for c in s.containers]
        what = stack.name if service is None else f"{stack.name}/{service}"
        if not containers:
            self.notify(f"{what} has no containers: nothing has logged yet", severity="warning")
            return
        self.app.push_screen(stack_log_screen(self.engine, what, containers))

    # ---- actions: the object is the project; up and scale show their progress

    def action_act(self, action_id: str) -> None:
        stack = self.table.selected
        if action_id == "compose.scale":
            if stack is None:
                self.notify("Nothing selected", severity="warning")
            else:
                self.scale_service(stack, None)
            return
        if action_id == "compose.up" and not self.gateway.is_readonly(self.target()):
            unknown = [s.name for s in self.targets() if s.name not in self.sources]
            if unknown:
                self.notify(f"No compose file known for {', '.join(unknown)}: open it with f", severity="error")
                return
        super().action_act(action_id)

    def stack_action(self, action_id: str, stack: StackRow, service: str | None = None) -> None:
        """An action asked from the stack's detail screen (scale acts on ``service``)."""
        if action_id == "compose.scale":
            self.scale_service(stack, service)
        elif (
            action_id == "compose.up"
            and stack.name not in self.sources
            and not self.gateway.is_readonly(self.target())
        ):
            self.notify(f"No compose file known for {stack.name}: open it with f", severity="error")
        else:
            self.perform_action(action_id, [stack])

    def performers(self) -> dict[str, Callable[[ActionObject], None]]:
        compose = self.compose_engine
        models, sources = dict(self.models), dict(self.sources)

        def each(call: Callable[[ComposeProject | str], object]) -> Callable[[ActionObject], None]:
            def perform(obj: ActionObject) -> None:
                call(models.get(obj.id, obj.id))  # with the model, dependency order; without, all at once

            return perform

        return {
            "compose.up": lambda obj: self._up(obj, sources.get(obj.id, ())),
            "compose.start": each(compose.start),
            "compose.stop": each(compose.stop),
            "compose.restart": each(compose.restart),
            "compose.down": each(compose.down),
            "compose.down_volumes": each(lambda project: compose.down(project, volumes=True)),
        }

    def _fresh_model(self, name: str, files: tuple[str, ...]) -> ComposeProject:
        """The stack's file as it is now (in the action's thread); a bad file is shown and nothing is done."""
        if not files:
            raise InvalidInput(f"no compose file known for {name}: open it with f")
        try:
            return load_project(files, project_name=name)
        except ComposeError as error:
            self.app.call_from_thread(self.app.push_screen, problems_screen(error, name))
            raise

    def _push_from_thread(self, screen: OperationScreen) -> None:
        self.app.call_from_thread(self.app.push_screen, screen)

    def _up(self, obj: ActionObject, files: tuple[str, ...]) -> None:
        project = self._fresh_model(obj.id, files)
        verb = f"Up {obj.name}"
        run_with_progress(
            self._push_from_thread,
            OperationScreen(verb),
            verb,
            lambda progress, cancel: self.compose_engine.up(project, progress=progress, cancel=cancel),
        )
        self.app.call_from_thread(self._after_up, project)

    def _after_up(self, project: ComposeProject) -> None:
        self.scales.pop(project.name, None)  # up brings every service back to the file's replicas
        if project.name in self.sources:
            self.remember(project.name, project)
        self.refilter()

    @work(exit_on_error=False, group="actions")
    async def scale_service(self, stack: StackRow, service: str | None) -> None:
        """Ask how many containers (and of which service) then scale; 0 needs the typed confirmation."""
        if self.gateway.is_readonly(self.target()):  # refused (and audited) before any question
            await self.execute("compose.scale", [stack], lambda _: None, details={"service": service or ""})
            return
        model = self.models.get(stack.name)
        if model is None:
            self.notify(f"Scaling needs the compose file of {stack.name}: open it with f", severity="error")
            return
        choice = await self._ask_scale(model, service)
        if choice is None:
            return
        name, replicas = choice
        files = self.sources.get(stack.name, ())

        def perform(obj: ActionObject) -> None:
            project = self._fresh_model(obj.id, files)
            verb = f"Scale {obj.name} {name}={replicas}"
            run_with_progress(
                self._push_from_thread,
                OperationScreen(verb),
                verb,
                lambda progress, cancel: self.compose_engine.scale(
                    project, name, replicas, progress=progress, cancel=cancel
                ),
            )

        outcome = await self.execute(
            "compose.scale",
            [stack],
            perform,
            details={"service": name, "replicas": str(replicas)},
            protected=replicas == 0,  # scaling to nothing is the typed confirmation
        )
        if outcome is Outcome.DONE:
            self.scales.setdefault(stack.name, {})[name] = replicas
            self.refilter()

    async def _ask_scale(self, model: ComposeProject, service: str | None) -> tuple[str, int] | None:
        names = [s.name for s in model.services]
        if service is None and len(names) == 1:
            service = names[0]

        def parse(value: str) -> tuple[str, int]:
            name, _, count = value.rpartition("=") if service is None else (service, "=", value)
            name = name.strip()
            if name not in names:
                raise ValueError(f"no service {name!r} in {model.name} (it has {', '.join(names)})")
            if not count.strip().isdigit():
                raise ValueError(f"{count.strip()!r} is not a number of containers")
            replicas = int(count)
            if replicas > MAX_REPLICAS:
                raise ValueError(f"at most {MAX_REPLICAS} containers")
            if replicas > 1 and model.service(name).container_name:
                raise ValueError(f"{name} has a fixed container_name: it can run one container")
            return name, replicas

        def problem(value: str) -> str | None:
            try:
                parse(value)
            except ValueError as error:
                return str(error)
            return None

        if service is None:
            question = f"Scale a service of {model.name} (service=containers):"
            placeholder, suggestions = f"{names[0]}=2", [f"{n}=" for n in names]
        else:
            question = f"How many containers of {service} ({model.name})? 0 removes them all."
            placeholder, suggestions = "2", None
        answer = await self.app.push_screen_wait(
            PromptDialog(question, placeholder=placeholder, validate=problem, suggestions=suggestions)
        )
        return parse(answer) if answer else None
