"""One keyboard model: the same key opens the logs of a container, of a compose service and of a pod, through
the whole app against the real engines (issue #6)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.conftest import pod_manifest, unique
from tests.ui.test_app_live import until
from tests.ui.test_log_workbench import compose, three_services  # noqa: F401 (fixtures)
from tui.adapters.compose_engine import ComposeEngine
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.app import AREAS, PortsideApp, make_app
from tui.audit import AuditLog
from tui.views.compose_detail import StackScreen
from tui.views.kube_area import KubeArea
from tui.views.log_screen import LogScreen

pytestmark = [pytest.mark.docker, pytest.mark.kube]


async def logs_of(pilot: Pilot[Any], what: str, texts: Callable[[], list[str]] | None = None) -> LogScreen:
    """Press l; the log screen opens on what was selected and shows its lines."""
    await pilot.press("l")
    await until(pilot, lambda: isinstance(pilot.app.screen, LogScreen), 30, f"the logs of {what}")
    screen = pilot.app.screen
    assert isinstance(screen, LogScreen) and what in screen.title_text
    await until(pilot, lambda: screen.log_view.line_count > 0, 90, f"a line of {what}")
    return screen


async def test_l_opens_the_logs_of_a_container_a_compose_service_and_a_pod(
    container_factory: Callable[..., str],
    compose: ComposeEngine,  # noqa: F811
    three_services: str,  # noqa: F811
    kube_admin: KubeCluster,
    test_namespace: str,
    tmp_path: Path,
) -> None:
    cname, pname = unique("same-l"), unique("same-l")
    container_factory(["sh", "-c", "echo from the container; exec sleep 3600"], name=cname, network_disabled=True)
    kube_admin.request(
        "POST",
        f"/api/v1/namespaces/{test_namespace}/pods",
        body=pod_manifest(pname, "echo from the pod; sleep 3600"),
    )
    app: PortsideApp = make_app(
        DockerEngine(), KubeCluster(context="sandbox-admin", namespace=test_namespace), AuditLog(tmp_path / "a")
    )
    async with app.run_test(size=(140, 40)) as pilot:

        async def select(area: str, name: str) -> None:
            await pilot.press(str([a for a, _ in AREAS].index(area) + 1))
            table = app.area_table(area)
            await until(pilot, lambda: any(r.name == name for r in list(table.records.values())), 120, name)
            table.select_key(next(k for k, r in list(table.records.items()) if r.name == name))
            table.focus()
            await pilot.pause()

        await select("containers", cname)
        screen = await logs_of(pilot, cname)
        assert [line.text for line in screen.log_view.buffer] == ["from the container"]
        await pilot.press("escape")

        await select("compose", three_services)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, StackScreen), 30, "the stack's services")
        stack = app.screen
        assert isinstance(stack, StackScreen)
        await until(pilot, lambda: stack.table.row_count == 3, 30, "three services")
        stack.table.select_key(next(k for k, r in stack.table.records.items() if r.name == "cache"))
        screen = await logs_of(pilot, f"{three_services}/cache")
        assert [line.text for line in screen.log_view.buffer] == ["hello from cache"]  # that service's only
        await pilot.press("escape", "escape")

        await pilot.press("4")
        pods = app.screen.query_one(KubeArea).current
        await until(
            pilot,
            lambda: any(p.name == pname and p.status == "Running" for p in pods.records.values()),
            120,
            "pod",
        )
        await select("kube", pname)
        screen = await logs_of(pilot, pname)
        assert [line.text for line in screen.log_view.buffer] == ["from the pod"]
