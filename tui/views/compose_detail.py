"""Compose stacks as rows: a stack (the area's list) and its services (the detail screen), with drift.

Rows are computed on the event loop from the containers the area's feed holds and the compose model (when the
stack's file is known), without asking the engine: drift is what the labels say against the file (the config
hash, the container count), so it follows every container event at no cost.
"""

from __future__ import annotations

import os
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from tui.adapters.compose_container import CONFIG_HASH, DEPENDS_ON, ONEOFF, VERSION
from tui.adapters.compose_records import ComposeProject, find_cycle
from tui.adapters.compose_status import ComposeEvent
from tui.adapters.compose_status import ComposeResult as OperationResult
from tui.adapters.errors import BackendError
from tui.adapters.models import ContainerInfo
from tui.views.live_view import LiveView, action_bindings
from widgets.key_bar import KeyBar
from widgets.log_view import LogView
from widgets.resource_table import Column, ResourceTable

if TYPE_CHECKING:
    from tui.views.compose import ComposeView

STATE_STYLE = {"running": "bold", "partial": "italic", "outdated": "italic", "stopped": "dim", "down": "dim"}
DRAIN_SECONDS = 0.05


# ---- rows


@dataclass(frozen=True)
class ServiceRow:
    """One service of a stack: what runs of it, against what the file wants."""

    name: str
    order: int  # its place in the start order (1 first), 0 when unknown
    state: str  # running, partial, stopped, outdated, missing, down, orphan
    running: int
    wanted: int
    ports: str
    health: str
    drift: tuple[str, ...]
    depends_on: tuple[str, ...] = ()
    containers: tuple[ContainerInfo, ...] = ()

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True)
class StackRow:
    """One compose project: found on the engine by its labels, opened from a file, or both."""

    name: str
    state: str  # running, partial, stopped, down
    running: int
    wanted: int
    services: tuple[ServiceRow, ...]
    files: tuple[str, ...]
    working_dir: str
    model: str  # "loaded", "loading", "no file", "file error"
    problem: str = ""  # why the file could not be used
    drift: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        return self.name

    @property
    def start_order(self) -> tuple[str, ...]:
        return tuple(s.name for s in sorted(self.services, key=lambda s: s.order) if s.order)


def is_service_container(c: ContainerInfo) -> bool:
    return bool(c.compose_project) and c.label(ONEOFF) != "True"


def stack_row(
    name: str,
    containers: Iterable[ContainerInfo],
    project: ComposeProject | None,
    *,
    files: tuple[str, ...] = (),
    model: str = "loaded",
    problem: str = "",
    scales: Mapping[str, int] | None = None,
) -> StackRow:
    """The row of stack ``name`` from its containers and, when known, its model (``scales`` overrides the
    file's replicas after a scale)."""
    mine = [c for c in containers if c.compose_project == name and is_service_container(c)]
    services = service_rows(project, mine, scales or {})
    running = sum(s.running for s in services)
    wanted = sum(s.wanted for s in services if s.state != "orphan")
    if not mine:
        state = "down"
    elif running == 0:
        state = "stopped"
    elif running == wanted == len(mine):
        state = "running"
    else:
        state = "partial"
    label_files = next((c.label("com.docker.compose.project.config_files") for c in mine), None) or ""
    working_dir = (
        project.working_dir
        if project
        else next((c.label("com.docker.compose.project.working_dir") or "" for c in mine), "")
    )
    return StackRow(
        name=name,
        state=state,
        running=running,
        wanted=wanted,
        services=tuple(services),
        files=files or tuple(f for f in label_files.split(",") if f),
        working_dir=working_dir,
        model=model if project is None else "loaded",
        problem=problem,
        drift=tuple(d for s in services for d in s.drift) if mine else (),
    )


def service_rows(
    project: ComposeProject | None, containers: list[ContainerInfo], scales: Mapping[str, int]
) -> list[ServiceRow]:
    """The services of a stack in start order: the file's, then containers of services it does not have."""
    by_service: dict[str, list[ContainerInfo]] = {}
    for c in containers:
        by_service.setdefault(c.compose_service or "?", []).append(c)
    rows = _file_rows(project, by_service, scales, stack_down=not containers) if project is not None else []
    order_of = {} if project is not None else _label_order(by_service)
    for name, mine in sorted(by_service.items()):
        running = sum(c.state == "running" for c in mine)
        drift: tuple[str, ...] = ()
        if project is not None:
            state = "orphan"
            drift = (f"{name}: not in the file ({', '.join(c.name for c in mine)})",)
        else:
            state = "running" if running == len(mine) else "stopped" if running == 0 else "partial"
        depends = _label_dependencies(mine)
        row = ServiceRow(
            name, order_of.get(name, 0), state, running, len(mine), _ports(mine), _health(mine), drift
        )
        rows.append(replace(row, depends_on=depends, containers=tuple(mine)))
    return sorted(rows, key=lambda r: (r.order == 0, r.order, r.name))


def _file_rows(
    project: ComposeProject,
    by_service: dict[str, list[ContainerInfo]],
    scales: Mapping[str, int],
    *,
    stack_down: bool,
) -> list[ServiceRow]:
    """The file's services (taken out of ``by_service``) against their containers."""
    rows = []
    for order, name in enumerate(project.start_order(), start=1):
        service = project.service(name)
        mine = by_service.pop(name, [])
        wanted = scales.get(name, service.scale)
        running = sum(c.state == "running" for c in mine)
        outdated = [c for c in mine if c.label(CONFIG_HASH) != service.config_hash]
        if stack_down:
            state = "down"
        elif not mine:
            state = "missing" if wanted else "running"
        elif outdated:
            state = "outdated"
        elif running == wanted == len(mine):
            state = "running"
        else:
            state = "stopped" if running == 0 else "partial"
        rows.append(
            ServiceRow(
                name,
                order,
                state,
                running,
                wanted,
                _ports(mine) or ", ".join(str(p) for p in service.ports),
                _health(mine),
                _drift(name, mine, outdated, wanted, scaled=name in scales),
                service.dependencies,
                tuple(mine),
            )
        )
    return rows


def _drift(
    name: str, mine: list[ContainerInfo], outdated: list[ContainerInfo], wanted: int, *, scaled: bool
) -> tuple[str, ...]:
    """How the running containers differ from the file (a stopped container is a state, not drift)."""
    found = []
    if outdated:
        versions = {c.label(VERSION) or "" for c in outdated}
        names = ", ".join(c.name for c in outdated)
        if len(versions) == 1 and (made_by := versions.pop()) and not made_by.startswith("2."):
            found.append(f"{name}: {names} made by docker-compose {made_by}: up would recreate")
        else:
            found.append(f"{name}: {names} made from another configuration: up would recreate")
    if mine and len(mine) != wanted:
        why = "it was scaled to" if scaled else "the file wants"
        found.append(f"{name}: {len(mine)} containers, {why} {wanted}")
    return tuple(found)


def _ports(containers: list[ContainerInfo]) -> str:
    return ", ".join(dict.fromkeys(str(p) for c in containers for p in c.ports))


def _health(containers: list[ContainerInfo]) -> str:
    counts: Counter[str] = Counter()
    for c in containers:
        for marker, word in (("(healthy)", "healthy"), ("(unhealthy)", "unhealthy"), ("(health: ", "starting")):
            if marker in c.status:
                counts[word] += 1
    if not counts:
        return ""
    if counts["unhealthy"]:
        return f"unhealthy {counts['unhealthy']}/{len(containers)}"
    if counts["starting"]:
        return f"starting {counts['starting']}/{len(containers)}"
    return "healthy" if counts["healthy"] == len(containers) else f"healthy {counts['healthy']}/{len(containers)}"


def _label_dependencies(containers: list[ContainerInfo]) -> tuple[str, ...]:
    """What compose v2 wrote in the depends_on label ("svc:condition:restart,..."); v1 writes nothing."""
    raw = next((c.label(DEPENDS_ON) for c in containers if c.label(DEPENDS_ON)), "") or ""
    return tuple(part.split(":", 1)[0] for part in raw.split(",") if part)


def _label_order(by_service: Mapping[str, list[ContainerInfo]]) -> dict[str, int]:
    """A start order from the depends_on labels, when they say something (and hold no cycle)."""
    graph = {
        name: tuple(d for d in _label_dependencies(mine) if d in by_service) for name, mine in by_service.items()
    }
    if not any(graph.values()) or find_cycle(graph):
        return {}
    order: list[str] = []

    def visit(name: str) -> None:
        if name not in order:
            for dependency in graph[name]:
                visit(dependency)
            order.append(name)

    for name in sorted(graph):
        visit(name)
    return {name: n for n, name in enumerate(order, start=1)}


# ---- cells


def state_cell(row: StackRow | ServiceRow) -> Text:
    return Text(row.state, style=STATE_STYLE.get(row.state, ""))


def drift_cell(row: StackRow | ServiceRow) -> Text:
    if isinstance(row, StackRow) and row.model != "loaded" and row.state != "down":
        return Text(row.model, style="italic")
    if not row.drift:
        return Text("")
    count = len(row.drift)
    return Text(f"≠ {count} difference{'s' if count > 1 else ''}", style="bold reverse")


SERVICE_COLUMNS = [
    Column("order", "#", lambda s: str(s.order) if s.order else "-", width=3),
    Column("name", "SERVICE", lambda s: s.name),
    Column("state", "STATE", state_cell),
    Column("running", "RUNNING", lambda s: f"{s.running}/{s.wanted}"),
    Column("ports", "PORTS", lambda s: s.ports),
    Column("health", "HEALTH", lambda s: s.health),
    Column("drift", "DRIFT", drift_cell),
    Column("depends", "DEPENDS ON", lambda s: ", ".join(s.depends_on)),
]


def containers_filter(stack: str, service: ServiceRow) -> str:
    """Text for the Containers area's filter that shows this service's containers (their common name part)."""
    names = [c.name for c in service.containers]
    if len(names) == 1:
        return names[0]
    prefix = os.path.commonprefix(names)  # noqa: RUF071 (container names, not paths)
    return prefix if len(prefix) > len(stack) + 1 else stack


# ---- the detail screen


class StackScreen(Screen[None]):
    """One stack: its services in start order with state, replicas, ports, health and drift; kept live by the
    Compose area, whose actions the keys run (on the stack, or on the service under the cursor for scale)."""

    DEFAULT_CSS = """
    StackScreen > .stack-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    StackScreen > .stack-info { height: auto; padding: 0 1; color: $text-muted; }
    StackScreen > .stack-drift { height: auto; max-height: 8; padding: 0 1; color: $warning; display: none; }
    StackScreen > .stack-drift.-shown { display: block; }
    StackScreen > ResourceTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="compose.detail.back"),
        *action_bindings("compose"),
        Binding("l", "logs", "Logs", id="compose.detail.logs"),
        Binding("enter", "containers", "Containers", id="compose.detail.containers"),  # the table's RowSelected
    ]

    def __init__(self, view: ComposeView, stack: StackRow) -> None:
        super().__init__()
        self.view = view
        self.stack = stack

    def compose(self) -> ComposeResult:
        yield Static("", classes="stack-title")
        yield Static("", classes="stack-info")
        yield Static("", classes="stack-drift")
        yield ResourceTable(SERVICE_COLUMNS, sort_column="order")
        yield KeyBar()

    @property
    def table(self) -> ResourceTable:
        return self.query_one(ResourceTable)

    def on_mount(self) -> None:
        self.show(self.stack)
        self.table.focus()

    def show(self, stack: StackRow) -> None:
        """Redraw from a fresh row (called by the area on every change of the stack)."""
        self.stack = stack
        if not self.query(".stack-title"):  # pushed but not composed yet: on_mount shows the latest row
            return
        title = f"Stack {stack.name} · {stack.state} · {stack.running}/{stack.wanted} running"
        self.query_one(".stack-title", Static).update(Text(title))
        order = " → ".join(stack.start_order) or "unknown (no compose file)"
        where = ", ".join(stack.files) or stack.working_dir or "-"
        info = f"file: {where}\nstart order: {order}"
        if stack.problem:
            info += f"\n{stack.model}: {stack.problem}"
        self.query_one(".stack-info", Static).update(Text(info))
        drift = self.query_one(".stack-drift", Static)
        drift.update(Text("\n".join(f"≠ {d}" for d in stack.drift)))
        drift.set_class(bool(stack.drift), "-shown")
        self.table.apply_snapshot(stack.services)

    def action_act(self, action_id: str) -> None:
        service = self.table.selected
        self.view.stack_action(action_id, self.stack, service.name if service is not None else None)

    def action_logs(self) -> None:
        """``l``: the selected service's logs (as on a container or a pod); the stack's from the stack list."""
        service = self.table.selected
        self.view.show_logs(self.stack, service.name if service is not None else None)

    @on(ResourceTable.RowSelected)
    def _row_selected(self, event: ResourceTable.RowSelected) -> None:
        event.stop()
        self.action_containers()

    def action_containers(self) -> None:
        service = self.table.selected
        if service is None:
            return
        if not service.containers:
            self.notify(f"{service.name} has no containers", severity="warning")
            return
        text = containers_filter(self.stack.name, service)
        self.app.pop_screen()
        self.app.call_later(self._show_containers, text)

    async def _show_containers(self, text: str) -> None:
        await self.app.run_action("area('containers')")
        self.app.query_one("#containers-view", LiveView).set_filter(text)


# ---- the progress of up and scale


@dataclass(frozen=True)
class _Finished:
    error: str | None
    summary: str


class OperationScreen(Screen[None]):
    """The live steps of an up or a scale (pulls, builds, waits for health). Escape cancels a running
    operation (it stops between steps) and goes back. ``feed`` and ``finish`` may be called from any thread."""

    DEFAULT_CSS = """
    OperationScreen > .op-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    OperationScreen > .op-status { height: auto; padding: 0 1; color: $text-muted; }
    OperationScreen > .op-status.-failed { color: $error; text-style: bold; }
    OperationScreen > .op-status.-done { color: $success; text-style: bold; }
    """
    BINDINGS = [Binding("escape", "close", "Cancel / back", id="compose.progress.close")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title
        self.cancel = threading.Event()
        self.running = True
        self.error: str | None = None
        self.summary = ""
        self._queue: deque[ComposeEvent | _Finished] = deque()

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title_text), classes="op-title")
        yield Static(Text("running… (escape cancels)"), classes="op-status")
        yield LogView(id="op-log")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_interval(DRAIN_SECONDS, self._drain)

    def on_unmount(self) -> None:
        if self.running:
            self.cancel.set()  # the app is closing or the screen was popped: stop between steps

    # ---- any thread

    def feed(self, event: ComposeEvent) -> None:
        self._queue.append(event)

    def finish(self, error: str | None, summary: str = "done") -> None:
        self._queue.append(_Finished(error, summary))

    # ---- event loop

    def _drain(self) -> None:
        lines: list[str] = []
        finished: _Finished | None = None
        while self._queue:
            item = self._queue.popleft()
            if isinstance(item, _Finished):
                finished = item
            else:
                lines.append(str(item))
        if lines:
            self.query_one(LogView).write_lines(lines)
        if finished is not None and self.running:
            self.running = False
            self.error, self.summary = finished.error, finished.summary
            status = self.query_one(".op-status", Static)
            status.update(
                Text(f"Error: {finished.error}" if finished.error else f"{finished.summary} (escape: back)")
            )
            status.set_class(finished.error is not None, "-failed")
            status.set_class(finished.error is None, "-done")

    def action_close(self) -> None:
        if self.running:
            self.cancel.set()
        self.dismiss()


def outcome_summary(verb: str, result: OperationResult) -> str:
    """ "Up shop: 3 created, 1 running" from what the operation did to containers."""
    counts = Counter(e.action for e in result.events if e.kind == "container")
    done = ", ".join(f"{n} {action}" for action, n in counts.items()) or "nothing to do"
    return f"{verb}: {done}"


def run_with_progress(
    show: Callable[[OperationScreen], object],
    screen: OperationScreen,
    verb: str,
    operation: Callable[[Callable[[ComposeEvent], None], threading.Event], OperationResult],
) -> OperationResult:
    """Run ``operation(progress, cancel)`` in this (worker) thread, shown on ``screen`` (``show`` pushes it
    from the thread); a cancelled operation raises, so the audit record says so."""
    show(screen)
    try:
        result = operation(screen.feed, screen.cancel)
    except BackendError as error:
        screen.finish(str(error))
        raise
    if result.cancelled:
        screen.finish("cancelled")
        raise BackendError(f"{verb}: cancelled")
    screen.finish(None, outcome_summary(verb, result))
    return result
