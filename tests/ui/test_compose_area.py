"""The Compose area driven by Pilot against the sandbox's real engine: open a file, up, scale, down, bad files,
merged logs, the stack's services and read-only. Rows themselves are checked on fixed containers first.

Every stack a test brings up is a copy of the seed-shaped example (or a small file) in a temporary directory
whose unique name is the project name; it is taken down with its volumes after the test.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from textual.pilot import Pilot
from textual.widgets import Input, Static, TabbedContent

from tests.conftest import unique
from tests.integration.test_compose_engine import EXAMPLE, FIXTURES, project_resources, take_down
from tests.ui.test_app_live import until
from tui.adapters.compose_container import CONFIG_HASH, PROJECT, SERVICE, VERSION
from tui.adapters.compose_engine import ComposeEngine
from tui.adapters.compose_model import load_project
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.models import ContainerInfo, PortBinding
from tui.app import PortsideApp, make_app
from tui.audit import AuditLog
from tui.views.compose import ComposeView
from tui.views.compose_detail import OperationScreen, StackRow, StackScreen, service_rows, stack_row
from tui.views.compose_logs import ServiceLogLines, StackLogScreen
from tui.views.live_view import LiveView
from widgets.detail_screen import DetailScreen
from widgets.dialogs import ConfirmDialog
from widgets.log_view import LogView
from widgets.prompt import PromptDialog
from widgets.resource_table import ResourceTable

SERVICES = ("es01", "es02", "es03", "kib01")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


# ---- rows from fixed containers (no engine)


def _container(name: str, service: str, state: str = "running", **labels: str) -> ContainerInfo:
    all_labels = {PROJECT: "shop", SERVICE: service, **labels}
    return ContainerInfo(
        f"id-{name}", name, "portside/busybox:latest", "sha256:d6", state, "Up 1 minute", EPOCH,
        labels=tuple(all_labels.items()),
    )  # fmt: skip


def _shop(tmp_path: Path) -> Any:
    (tmp_path / "compose.yaml").write_text(
        "name: shop\nservices:\n"
        "  db: {image: portside/busybox:latest}\n"
        "  web: {image: portside/busybox:latest, depends_on: [db], ports: ['127.0.0.1:8080:80']}\n"
    )
    return load_project([tmp_path / "compose.yaml"], environment={})


def test_stack_in_sync_with_its_file_shows_running_and_no_drift(tmp_path: Path) -> None:
    project = _shop(tmp_path)
    containers = [_container(f"shop-{s.name}-1", s.name, **{CONFIG_HASH: s.config_hash}) for s in project.services]
    row = stack_row("shop", containers, project)
    assert (row.state, row.running, row.wanted, row.drift) == ("running", 2, 2, ())
    assert row.start_order == ("db", "web")
    assert [s.depends_on for s in row.services] == [(), ("db",)]


def test_outdated_extra_and_orphan_containers_are_drift_but_a_stopped_one_is_not(tmp_path: Path) -> None:
    project = _shop(tmp_path)
    db, web = project.service("db"), project.service("web")
    containers = [
        _container("shop-db-1", "db", "exited", **{CONFIG_HASH: db.config_hash}),
        _container("shop-web-1", "web", **{CONFIG_HASH: "old", VERSION: "1.29.2"}),
        _container("shop-web-2", "web", **{CONFIG_HASH: web.config_hash}),
        _container("shop-cache-1", "cache"),
    ]
    rows = {r.name: r for r in service_rows(project, containers, {})}
    assert rows["db"].state == "stopped" and rows["db"].drift == ()
    assert rows["web"].state == "outdated"
    assert rows["web"].drift == (
        "web: shop-web-1 made by docker-compose 1.29.2: up would recreate",
        "web: 2 containers, the file wants 1",
    )
    assert rows["cache"].state == "orphan" and rows["cache"].order == 0
    assert rows["web"].ports == "127.0.0.1:8080:80/tcp"  # from the file: the containers publish nothing here
    assert not service_rows(project, containers[1:3], {"web": 2})[1].drift[1:]  # scaled to 2: no count drift


def test_without_a_file_the_order_comes_from_the_depends_on_labels() -> None:
    containers = [
        _container("shop-web-1", "web", **{"com.docker.compose.depends_on": "db:service_started:false"}),
        _container("shop-db-1", "db"),
    ]
    row = stack_row("shop", containers, None, model="no file")
    assert row.start_order == ("db", "web")
    assert row.drift == () and row.model == "no file"


def test_health_and_ports_are_summed_up_per_service() -> None:
    healthy = ContainerInfo(
        "a", "shop-web-1", "i", "sha256:1", "running", "Up 2 minutes (healthy)", EPOCH,
        (PortBinding(80, "tcp", "127.0.0.1", 8080),), ((PROJECT, "shop"), (SERVICE, "web")),
    )  # fmt: skip
    sick = ContainerInfo(
        "b", "shop-web-2", "i", "sha256:1", "running", "Up 2 minutes (unhealthy)", EPOCH,
        (PortBinding(80, "tcp", "127.0.0.1", 8081),), ((PROJECT, "shop"), (SERVICE, "web")),
    )  # fmt: skip
    (row,) = service_rows(None, [healthy, sick], {})
    assert row.health == "unhealthy 1/2"
    assert row.ports == "127.0.0.1:8080->80/tcp, 127.0.0.1:8081->80/tcp"
    assert service_rows(None, [healthy], {})[0].health == "healthy"


# ---- against the engine


@dataclass
class Stack:
    name: str
    file: Path


def seed_copy(directory: Path) -> Path:
    """The example without container_name and host ports, labelled, with an init that stops promptly."""
    data = yaml.safe_load(EXAMPLE.read_text())
    for service in data["services"].values():
        service.pop("container_name", None)
        service.pop("ports", None)
        service["labels"] = {"portside-test": "1"}
        service["init"] = True
    directory.mkdir()
    path = directory / "docker-compose.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def compose(docker_engine: DockerEngine) -> ComposeEngine:
    return ComposeEngine(docker_engine)


@pytest.fixture
def stack(compose: ComposeEngine, tmp_path: Path) -> Iterator[Stack]:
    name = unique("ptui")
    made = Stack(name, seed_copy(tmp_path / name))
    yield made
    take_down(compose, name)


def make(audit: AuditLog, *, readonly: bool = False) -> PortsideApp:
    return make_app(
        DockerEngine(), KubeCluster(context="sandbox-admin", namespace="default"), audit, readonly=readonly
    )


def view(app: PortsideApp) -> ComposeView:
    return app.query_one("#compose-view", ComposeView)


def stacks(app: PortsideApp) -> ResourceTable:
    return view(app).table


def row(app: PortsideApp, name: str) -> StackRow | None:
    return stacks(app).records.get(name)


async def open_file(pilot: Pilot[Any], app: PortsideApp, path: Path | str) -> None:
    await pilot.press("3")
    await pilot.press("f")
    await until(
        pilot, lambda: isinstance(app.screen, PromptDialog) and app.screen.query(Input), what="the file prompt"
    )
    app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")


def select(app: PortsideApp, name: str) -> None:
    stacks(app).move_cursor(row=stacks(app).get_row_index(name))


async def confirm(pilot: Pilot[Any], app: PortsideApp, typed: str | None = None) -> ConfirmDialog:
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the confirmation")
    dialog = app.screen
    assert isinstance(dialog, ConfirmDialog)
    assert dialog.typed_word == typed
    return dialog


async def operation(pilot: Pilot[Any], app: PortsideApp) -> OperationScreen:
    """Wait for an up or scale to finish on its progress screen, then go back."""
    await until(pilot, lambda: isinstance(app.screen, OperationScreen), what="the progress screen")
    screen = app.screen
    assert isinstance(screen, OperationScreen)
    await until(pilot, lambda: not screen.running, 120, "the operation to finish")
    assert screen.error is None, screen.error
    await pilot.press("escape")
    await until(pilot, lambda: app.screen is app.screen_stack[0], what="back to the area")
    return screen


async def scale(pilot: Pilot[Any], app: PortsideApp, answer: str) -> None:
    await pilot.press("s")
    await until(
        pilot, lambda: isinstance(app.screen, PromptDialog) and app.screen.query(Input), what="the scale prompt"
    )
    app.screen.query_one(Input).value = answer
    await pilot.press("enter")


def running_of(compose: ComposeEngine, name: str, service: str) -> list[str]:
    return [c.name for c in compose.containers(name, [service]) if c.state == "running"]


async def test_open_up_scale_and_down_a_stack_through_the_app(
    stack: Stack, compose: ComposeEngine, audit: AuditLog
) -> None:
    app = make(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_file(pilot, app, stack.file)
        await until(pilot, lambda: row(app, stack.name) is not None, what="the opened stack's row")
        opened = row(app, stack.name)
        assert opened is not None and (opened.state, opened.running, opened.wanted) == ("down", 0, 4)
        assert project_resources(compose, stack.name) == ([], [], [])  # opening creates nothing

        select(app, stack.name)
        await pilot.press("u")
        dialog = await confirm(pilot, app)
        assert dialog.cli == f"docker compose -p {stack.name} up -d"
        await pilot.press("y")
        done = await operation(pilot, app)
        assert "4 created" in done.summary
        await until(
            pilot, lambda: (r := row(app, stack.name)) and (r.state, r.running, r.wanted) == ("running", 4, 4),
            30, "running 4/4",
        )  # fmt: skip
        assert stacks(app).get_row(stack.name)[2].plain == "4/4"

        await scale(pilot, app, "es02=2")
        dialog = await confirm(pilot, app)
        assert dialog.cli == f"docker compose -p {stack.name} up -d --scale es02=2"
        await pilot.press("y")
        await operation(pilot, app)
        await until(pilot, lambda: (r := row(app, stack.name)) and r.running == r.wanted == 5, 30, "5/5")
        assert row(app, stack.name).drift == ()  # type: ignore[union-attr]
        assert len(running_of(compose, stack.name, "es02")) == 2

        await scale(pilot, app, "es02=1")
        await confirm(pilot, app)
        await pilot.press("y")
        await operation(pilot, app)
        await until(pilot, lambda: (r := row(app, stack.name)) and r.running == r.wanted == 4, 30, "4/4 again")
        assert running_of(compose, stack.name, "es02") == [f"{stack.name}-es02-1"]

        await scale(pilot, app, "kib01=0")  # scaling to nothing asks for the project's name
        await confirm(pilot, app, typed=stack.name)
        await pilot.press("escape")

        await pilot.press("ctrl+d")
        dialog = await confirm(pilot, app)
        assert dialog.cli == f"docker compose -p {stack.name} down"
        await pilot.press("y")
        await until(pilot, lambda: (r := row(app, stack.name)) and r.state == "down", 60, "the stack down")
        await until(pilot, lambda: len(audit.read()) == 5, 60, "the down to finish (networks too)")
    containers, networks, volumes = project_resources(compose, stack.name)
    assert (containers, networks) == ([], [])
    assert volumes == [f"{stack.name}_data0{n}" for n in (1, 2, 3)]  # down keeps the volumes
    records = [(r["action"], r["objects"], r["confirmation"], r["result"]) for r in audit.read()]
    assert records == [
        ("compose.up", [stack.name], "yes_no", "ok"),
        ("compose.scale", [stack.name], "yes_no", "ok"),
        ("compose.scale", [stack.name], "yes_no", "ok"),
        ("compose.scale", [stack.name], "declined", "declined"),
        ("compose.down", [stack.name], "yes_no", "ok"),
    ]


def _expected(fixture: Path) -> tuple[int, str]:
    """The line and message a fixture announces in its first line: ``# expect N: message``."""
    match = re.match(r"# expect (\d+): (.*)", fixture.read_text().splitlines()[0])
    assert match, fixture
    return int(match.group(1)), match.group(2)


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.yml")), ids=lambda p: p.stem)
async def test_bad_file_opened_in_the_app_shows_its_located_problems_and_creates_nothing(
    fixture: Path, tmp_path: Path, compose: ComposeEngine, audit: AuditLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PORTSIDE_TEST_TOKEN", raising=False)
    name = unique("ptbad")
    (tmp_path / name).mkdir()
    copy = tmp_path / name / fixture.name
    shutil.copy(fixture, copy)
    line, message = _expected(fixture)
    app = make(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_file(pilot, app, copy)
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), 30, "the problems screen")
        screen = app.screen
        title = str(screen.query_one(".detail-title", Static).content)
        assert title.startswith(f"{fixture.name}: ") and title.endswith("nothing was created")
        problems = str(screen.query(Static).last().content)
        assert f"{copy}:{line}: " in problems
        assert message in problems
        await pilot.press("escape")
        assert row(app, name) is None
    assert project_resources(compose, name) == ([], [], [])
    assert audit.read() == []


async def test_merged_logs_prefix_each_line_with_its_service_in_a_colour(
    compose: ComposeEngine, tmp_path: Path, audit: AuditLog
) -> None:
    name = unique("ptlogs")
    (tmp_path / name).mkdir()
    file = tmp_path / name / "compose.yaml"
    services = {
        service: {
            "image": "portside/busybox:latest",
            "init": True,
            "labels": {"portside-test": "1"},
            "command": ["sh", "-c", f"echo hello from {service}; exec sleep 3600"],
        }
        for service in ("api", "worker")
    }
    file.write_text(yaml.safe_dump({"services": services}))
    try:
        compose.up(load_project([file], environment={}), timeout=0)
        app = make(audit)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("3")
            await until(pilot, lambda: row(app, name) is not None, 30, "the stack's row")
            select(app, name)
            await pilot.press("l")
            await until(pilot, lambda: isinstance(app.screen, StackLogScreen), what="the log screen")
            log = app.screen.query_one(LogView)
            await until(pilot, lambda: log.line_count >= 2, 30, "a line of each service")
            await pilot.pause()
            assert {(line.source, line.text) for line in log.buffer.tail(2)} == {
                ("api", "hello from api"),
                ("worker", "hello from worker"),
            }
            assert sorted(log.visible_text()) == ["api    hello from api", "worker hello from worker"]
            lines = app.screen.query_one(ServiceLogLines)
            colours = {}
            for y in range(2):
                prefix = next(s for s in lines.render_line(y) if s.text.strip())
                colours[prefix.text.strip()] = prefix.style.color if prefix.style else None
            assert colours["api"] is not None and colours["worker"] is not None
            assert colours["api"] != colours["worker"]
    finally:
        take_down(compose, name)


async def test_stack_detail_shows_services_in_start_order_drift_after_an_edit_and_jumps_to_containers(
    stack: Stack, compose: ComposeEngine, audit: AuditLog
) -> None:
    compose.up(load_project([stack.file], project_name=stack.name), timeout=0)
    app = make(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_file(pilot, app, stack.file)
        await until(pilot, lambda: (r := row(app, stack.name)) and r.running == 4, 30, "the running stack")
        select(app, stack.name)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, StackScreen), what="the stack's services")
        detail = app.screen
        assert isinstance(detail, StackScreen)
        await until(pilot, lambda: detail.table.row_count == 4, what="four services")
        services = [detail.table.records[str(detail.table.get_row_at(n)[1])] for n in range(4)]
        assert services[-1].name == "kib01" and services[-1].depends_on == ("es01",)
        assert all((s.state, s.running, s.wanted) == ("running", 1, 1) for s in services)
        assert "start order: " in str(detail.query_one(".stack-info", Static).content)

        data = yaml.safe_load(stack.file.read_text())
        data["services"]["es03"]["environment"].append("EXTRA=1")
        stack.file.write_text(yaml.safe_dump(data, sort_keys=False))
        await until(pilot, lambda: detail.stack.drift, 30, "drift after the edit")
        assert detail.stack.drift == (
            f"es03: {stack.name}-es03-1 made from another configuration: up would recreate",
        )
        assert str(stacks(app).get_row(stack.name)[4].plain) == "≠ 1 difference"

        detail.table.move_cursor(row=detail.table.get_row_index("es02"))
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is app.screen_stack[0], what="back on the main screen")
        containers = app.query_one("#containers-view", LiveView)
        await until(pilot, lambda: containers.filter_text == f"{stack.name}-es02-1", what="the filter")
        assert [c.name for c in containers.table.records.values()] == [f"{stack.name}-es02-1"]
        assert app.query_one("#areas", TabbedContent).active == "containers"


async def test_readonly_refuses_up_scale_and_down_before_any_question(
    stack: Stack, compose: ComposeEngine, audit: AuditLog
) -> None:
    app = make(audit, readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_file(pilot, app, stack.file)  # reading a file is not a mutation
        await until(pilot, lambda: row(app, stack.name) is not None, what="the opened stack")
        select(app, stack.name)
        keys = {
            "u": "compose.up",
            "s": "compose.scale",
            "ctrl+d": "compose.down",
            "ctrl+x": "compose.down_volumes",
        }
        for n, key in enumerate(keys, start=1):
            await pilot.press(key)
            await until(pilot, lambda n=n: len(audit.read()) == n, what=f"the refusal of {key}")  # type: ignore[misc]
            assert app.screen is app.screen_stack[0]  # no prompt, dialog or progress screen
    assert [(r["action"], r["objects"], r["confirmation"]) for r in audit.read()] == [
        (action, [stack.name], "refused") for action in keys.values()
    ]
    assert project_resources(compose, stack.name) == ([], [], [])


async def test_escape_cancels_an_up_that_waits_for_a_healthy_dependency(
    compose: ComposeEngine, tmp_path: Path, audit: AuditLog
) -> None:
    name = unique("ptcancel")
    (tmp_path / name).mkdir()
    file = tmp_path / name / "compose.yaml"
    base = {"image": "portside/busybox:latest", "init": True, "labels": {"portside-test": "1"}}
    services = {
        # The first check is an hour away: the health stays "starting", so the up waits until cancelled.
        "db": {**base, "command": ["sleep", "3600"], "healthcheck": {"test": ["CMD", "true"], "interval": "1h"}},
        "web": {**base, "command": ["sleep", "3600"], "depends_on": {"db": {"condition": "service_healthy"}}},
    }
    file.write_text(yaml.safe_dump({"services": services}))
    try:
        app = make(audit)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_file(pilot, app, file)
            await until(pilot, lambda: row(app, name) is not None, what="the opened stack")
            select(app, name)
            await pilot.press("u")
            await confirm(pilot, app)
            await pilot.press("y")
            await until(pilot, lambda: isinstance(app.screen, OperationScreen), what="the progress screen")
            screen = app.screen
            assert isinstance(screen, OperationScreen)
            log = screen.query_one(LogView)
            await until(pilot, lambda: any("waiting" in line.text for line in log.buffer.tail(50)), 30, "the wait")
            await pilot.press("escape")
            await until(pilot, lambda: len(audit.read()) == 1, 30, "the up to stop")
        (record,) = audit.read()
        assert (record["action"], record["result"]) == ("compose.up", f"error: Up {name}: cancelled")
        assert [c.compose_service for c in compose.containers(name)] == ["db"]  # web was never created
    finally:
        take_down(compose, name)
