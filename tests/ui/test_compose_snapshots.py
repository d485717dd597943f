"""SVG snapshots of the Compose area and a stack's services, on fixed containers and fixed compose models.

A running stack "shop" (one service scaled past its file, one made from an older file), the "elastic" stack
of the fixed backend whose file is unknown, and "blog", opened from a file and down. The compose files are
fixed too: the view's file loading is replaced, so no path of the test machine shows.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.ui.fixed_backends import CONTAINERS, EPOCH, FixedDocker, FixedFeed, FixedKube
from tests.ui.test_app_live import until
from tui.adapters.compose_container import CONFIG_FILES, CONFIG_HASH, NUMBER, PROJECT, SERVICE, WORKING_DIR
from tui.adapters.compose_model import load_project
from tui.adapters.compose_records import ComposeProject
from tui.adapters.models import ContainerInfo, PortBinding
from tui.app import make_app
from tui.audit import AuditLog
from tui.views import compose as compose_view
from tui.views.compose import ComposeView
from tui.views.compose_detail import StackScreen
from widgets.target_bar import TargetBar

SHOP = """\
name: shop
services:
  db:
    image: portside/busybox:latest
    healthcheck: {test: ["CMD", "true"]}
  api:
    image: portside/busybox:latest
    depends_on: [db]
    ports: ["127.0.0.1:8080:80"]
  worker:
    image: portside/busybox:latest
    depends_on: [db]
  web:
    image: portside/busybox:latest
    depends_on: [api]
"""
BLOG = """\
name: blog
services:
  ghost: {image: portside/busybox:latest, ports: ["127.0.0.1:2368:2368"]}
"""


def _project(tmp_path: Path, name: str, text: str) -> ComposeProject:
    (tmp_path / name).mkdir()
    (tmp_path / name / "compose.yaml").write_text(text)
    project = load_project([tmp_path / name / "compose.yaml"], environment={})
    # Shown paths must not depend on the test machine: the model says where a fixed host keeps the file.
    return replace(project, working_dir=f"/srv/{name}", config_files=(f"/srv/{name}/compose.yaml",))


def _container(
    project: ComposeProject,
    service: str,
    number: int,
    state: str = "running",
    status: str = "Up 2 hours",
    **extra: Any,
) -> ContainerInfo:
    labels = {
        PROJECT: project.name,
        SERVICE: service,
        NUMBER: str(number),
        CONFIG_HASH: extra.pop("config_hash", project.service(service).config_hash),
        CONFIG_FILES: f"/srv/{project.name}/compose.yaml",
        WORKING_DIR: f"/srv/{project.name}",
    }
    return ContainerInfo(
        f"{service}{number}" * 8,
        f"{project.name}-{service}-{number}",
        "portside/busybox:latest",
        "sha256:d6",
        state,
        status,
        EPOCH,
        extra.pop("ports", ()),
        tuple(labels.items()),
    )


class ComposeDocker(FixedDocker):
    """The fixed engine, with the containers of a running compose stack added."""

    def __init__(self, shop: ComposeProject) -> None:
        super().__init__()
        self.containers = (
            *CONTAINERS,
            _container(shop, "db", 1, status="Up 2 hours (healthy)"),
            _container(shop, "api", 1, ports=(PortBinding(80, "tcp", "127.0.0.1", 8080),)),
            _container(shop, "worker", 1),
            _container(shop, "worker", 2),  # scaled past the file's one
            _container(shop, "web", 1, config_hash="from an older file"),
        )

    def watch_containers(self) -> FixedFeed:  # type: ignore[override]
        return FixedFeed(self.containers)


@pytest.fixture
def projects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, ComposeProject]:
    found = {"shop": _project(tmp_path, "shop", SHOP), "blog": _project(tmp_path, "blog", BLOG)}

    def load_model(name: str, files: tuple[str, ...]) -> tuple[ComposeProject | None, str, str]:
        if name in found:
            return found[name], "loaded", ""
        return None, "no file", f"{', '.join(files)} is not on this host"

    monkeypatch.setattr(compose_view, "load_model", load_model)
    monkeypatch.setattr(compose_view, "file_stamp", lambda files: (1,))
    return found


def app(tmp_path: Path, projects: dict[str, ComposeProject]) -> Any:
    return make_app(ComposeDocker(projects["shop"]), FixedKube(), AuditLog(tmp_path / "audit.jsonl"))


async def show_compose(pilot: Pilot[Any], projects: dict[str, ComposeProject]) -> ComposeView:
    await pilot.press("3")
    view = pilot.app.query_one("#compose-view", ComposeView)
    view.add_project(projects["blog"], stamp=(1,))
    bar = pilot.app.screen.query_one(TargetBar)
    await until(
        pilot,
        lambda: view.table.row_count == 3 and "shop" in view.models and bar.docker[1] == bar.kube[1] == "ok",
        10,
        "the three stacks with the shop's model, and both backends named in the target bar",
    )
    view.table.move_cursor(row=view.table.get_row_index("shop"))
    await pilot.pause()
    return view


def test_compose_area_snapshot(snap_compare: Any, tmp_path: Path, projects: dict[str, ComposeProject]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await show_compose(pilot, projects)

    assert snap_compare(app(tmp_path, projects), terminal_size=(120, 30), run_before=run_before)


def test_stack_detail_snapshot(snap_compare: Any, tmp_path: Path, projects: dict[str, ComposeProject]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await show_compose(pilot, projects)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, StackScreen), 10, "the stack's services")
        await pilot.pause()

    assert snap_compare(app(tmp_path, projects), terminal_size=(120, 30), run_before=run_before)
