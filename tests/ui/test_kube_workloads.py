"""Desired state at work, through the whole app against the real cluster: scale, delete, rollout restart, the
rollout status line, a workload's merged logs, the label selector, RBAC-aware keys and the cluster view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests.conftest import unique
from tests.integration.test_kube_resources import deployment_manifest
from tests.ui.test_app_live import filter_by, until
from tests.ui.test_kube_switch import go
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.app import PortsideApp, make_app
from tui.audit import AuditLog
from tui.views.kube_area import KubeArea
from tui.views.kube_view import KubeView
from tui.views.log_screen import LogScreen
from widgets.detail_screen import DetailScreen
from widgets.dialogs import ConfirmDialog
from widgets.prompt import PromptDialog

pytestmark = pytest.mark.kube


@pytest.fixture
def admin(test_namespace: str) -> Iterator[KubeCluster]:
    cluster = KubeCluster(context="sandbox-admin", namespace=test_namespace)
    yield cluster
    cluster.close()


def create(cluster: KubeCluster, namespace: str, replicas: int, command: str = "sleep 3600") -> str:
    name = unique("wl")
    manifest = deployment_manifest(name, replicas)
    manifest["spec"]["template"]["spec"]["containers"][0]["command"] = ["sh", "-c", command]
    cluster.request("POST", f"/apis/apps/v1/namespaces/{namespace}/deployments", body=manifest)
    return name


def area(app: PortsideApp) -> KubeArea:
    return app.screen.query_one(KubeArea)


def view(app: PortsideApp) -> KubeView:
    return area(app).current  # type: ignore[return-value]


def pods_of(app: PortsideApp, name: str) -> dict[str, Any]:
    pods = app.query_one("#pods-view", KubeView)
    return {k: r for k, r in list(pods.records.items()) if r.name.startswith(name + "-")}


def running(app: PortsideApp, name: str) -> dict[str, Any]:
    return {k: r for k, r in pods_of(app, name).items() if r.status == "Running" and r.ready == r.total}


async def select(pilot: Pilot[Any], name: str) -> None:
    current = view(pilot.app)  # type: ignore[arg-type]
    await until(pilot, lambda: any(r.name == name for r in list(current.table.records.values())), 60, name)
    key = next(k for k, r in list(current.table.records.items()) if r.name == name)
    assert current.table.select_key(key)
    current.table.focus()


async def confirm(pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog), what="the confirmation")
    await pilot.press("y")
    await until(pilot, lambda: not isinstance(pilot.app.screen, ConfirmDialog), what="the dialog to close")


async def scale(pilot: Pilot[Any], replicas: int) -> None:
    await pilot.press("s")
    await until(pilot, lambda: isinstance(pilot.app.screen, PromptDialog), what="the replicas prompt")
    await pilot.press("ctrl+a", "ctrl+k", *str(replicas), "enter")
    await confirm(pilot)


def rollout_line(app: PortsideApp) -> str:
    return str(view(app).query_one(".rollout-status", Static).render())


async def test_scale_to_5_and_back_to_1_is_seen_live_as_real_pods_come_and_go(
    admin: KubeCluster, test_namespace: str, tmp_path: Path
) -> None:
    name = create(admin, test_namespace, 1)
    app = make_app(DockerEngine(), admin, AuditLog(tmp_path / "audit"))
    async with app.run_test(size=(140, 40)) as pilot:
        await app.action_area("kube")
        await until(pilot, lambda: len(running(app, name)) == 1, 120, "1 pod running")
        await go(pilot, "deploy")
        await select(pilot, name)
        await until(pilot, lambda: "successfully rolled out" in rollout_line(app), 60, "rolled out")
        await scale(pilot, 5)
        seen_progress: list[str] = []

        def five() -> bool:
            seen_progress.append(rollout_line(app))
            return len(running(app, name)) == 5 and "successfully rolled out" in rollout_line(app)

        await until(pilot, five, 180, "5 pods running, seen in the pods view")
        assert any("Waiting for deployment" in line for line in seen_progress), "the rollout line never moved"
        await scale(pilot, 1)
        await until(pilot, lambda: len(pods_of(app, name)) == 1, 180, "back to 1 pod in the pods view")
        record = next(r for r in view(app).records.values() if r.name == name)
        assert (record.desired, record.ready) == (1, 1)
    assert [r["action"] for r in app.gateway.audit.read()] == ["deployment.scale", "deployment.scale"]


async def test_a_deleted_pod_is_replaced_and_a_rollout_restart_replaces_every_pod(
    admin: KubeCluster, test_namespace: str, tmp_path: Path
) -> None:
    name = create(admin, test_namespace, 2)
    app = make_app(DockerEngine(), admin, AuditLog(tmp_path / "audit"))
    async with app.run_test(size=(140, 40)) as pilot:
        await app.action_area("kube")
        await until(pilot, lambda: len(running(app, name)) == 2, 180, "2 pods running")
        first = set(running(app, name))
        victim = next(iter(running(app, name).values()))
        await select(pilot, victim.name)
        await pilot.press("ctrl+d")
        await confirm(pilot)
        await until(
            pilot,
            lambda: victim.uid not in pods_of(app, name) and len(running(app, name)) == 2,
            180,
            "the deleted pod replaced by a new one",
        )
        second = set(running(app, name))
        assert len(second - first) == 1  # desired state at work: one new pod, the survivor kept

        await go(pilot, "deploy")
        await select(pilot, name)
        await pilot.press("R")
        await confirm(pilot)
        await until(
            pilot,
            lambda: len(running(app, name)) == 2 and not (set(running(app, name)) & second),
            240,
            "every pod replaced by the restart",
        )
    actions = [(r["action"], r["result"]) for r in app.gateway.audit.read()]
    assert actions == [("pod.delete", "ok"), ("deployment.restart", "ok")]


async def test_l_on_a_deployment_merges_its_pods_logs_each_line_prefixed_by_its_pod(
    admin: KubeCluster, test_namespace: str, tmp_path: Path
) -> None:
    name = create(admin, test_namespace, 2, "echo hello from $(hostname); sleep 3600")
    app = make_app(DockerEngine(), admin, AuditLog(tmp_path / "audit"))
    async with app.run_test(size=(140, 40)) as pilot:
        await app.action_area("kube")
        await until(pilot, lambda: len(running(app, name)) == 2, 180, "2 pods running")
        pods = sorted(r.name for r in running(app, name).values())
        await go(pilot, "deploy")
        await select(pilot, name)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogScreen), what="the log screen")
        screen = app.screen
        assert isinstance(screen, LogScreen)

        def lines() -> list[tuple[str, str]]:
            return [(line.source, line.text) for line in screen.log_view.buffer]

        await until(pilot, lambda: len(lines()) >= 2, 60, "a line from each pod")
        assert sorted(lines()) == [(pod, f"hello from {pod}") for pod in pods]
        await pilot.press("escape")


async def test_label_selector_filter_asks_the_server_and_escape_shows_all_again(
    admin: KubeCluster, test_namespace: str, tmp_path: Path
) -> None:
    one, other = create(admin, test_namespace, 1), create(admin, test_namespace, 1)
    app = make_app(DockerEngine(), admin, AuditLog(tmp_path / "audit"))
    async with app.run_test(size=(140, 40)) as pilot:
        await app.action_area("kube")
        pods = view(app)
        await until(pilot, lambda: pods_of(app, one) and pods_of(app, other), 120, "both deployments' pods")
        await pilot.press("4")  # as a person would: the Kubernetes area, its table focused
        await until(pilot, lambda: app.focused is pods.table, what="the pods table focused")
        await filter_by(pilot, f"-l app={one}", "enter")
        await until(pilot, lambda: pods.selector == f"app={one}", what="the selector in use")
        await until(
            pilot,
            lambda: (
                pods.table.row_count > 0 and all(r.name.startswith(one) for r in list(pods.table.records.values()))
            ),
            60,
            "only the selected pods",
        )
        assert f"selector app={one}" in str(pods.query_one(".view-status", Static).render())
        await pilot.press("slash", "escape")
        await until(pilot, lambda: pods_of(app, other) and not pods.selector, 60, "every pod again")


async def test_the_viewer_sees_mutation_keys_disabled_and_a_refusal_before_any_dialog(tmp_path: Path) -> None:
    viewer = KubeCluster(context="sandbox-viewer", namespace="portside-view")
    app = make_app(DockerEngine(), viewer, AuditLog(tmp_path / "audit"))
    async with app.run_test(size=(140, 40)) as pilot:
        await app.action_area("kube")
        await go(pilot, "cm")
        configmaps = view(app)
        await until(pilot, lambda: "configmap.delete" in configmaps.denied, 30, "the API's answer")
        assert configmaps.check_action("act", ("configmap.delete",)) is None  # shown disabled
        assert (
            "not allowed to delete configmaps in namespace portside-view" in configmaps.denied["configmap.delete"]
        )
        await until(pilot, lambda: configmaps.table.row_count > 0, 30, "the viewer's configmaps")
        configmaps.table.focus()
        assert await configmaps.permitted("configmap.delete", [configmaps.table.selected]) is False
        assert not isinstance(app.screen, ConfirmDialog)
        assert app.gateway.audit.read() == []  # refused before the gateway: nothing was attempted
        assert app.is_running
    viewer.close()


async def test_c_on_nodes_shows_control_plane_health_and_nodes_with_their_pods(
    admin: KubeCluster, tmp_path: Path
) -> None:
    app = make_app(DockerEngine(), admin, AuditLog(tmp_path / "audit"))
    async with app.run_test(size=(140, 40)) as pilot:
        await app.action_area("kube")
        await go(pilot, "no")
        nodes = view(app)
        await until(pilot, lambda: nodes.table.row_count > 0 and nodes.pods_by_node is not None, 60, "nodes")
        nodes.table.focus()
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), 30, "the cluster screen")
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        titles = [s.title for s in screen.sections]
        assert titles == ["Summary", "Control plane", "API server", "Nodes"]
        summary = screen.sections[0].text
        assert "server         v1.20" in summary and "failing        nothing" in summary
        components = {row[0]: row[1] for row in screen.sections[1].rows}
        assert components.get("scheduler") == "ok" and components.get("etcd-0") == "ok"
        node = screen.sections[3].rows[0]
        assert node[0] == "localhost" and node[1] == "Ready" and not node[5].startswith("?")


async def test_x_runs_a_command_in_a_pod_and_shows_its_real_output(
    admin: KubeCluster, test_namespace: str, tmp_path: Path
) -> None:
    name = create(admin, test_namespace, 1, "echo started; sleep 3600")
    app = make_app(DockerEngine(), admin, AuditLog(tmp_path / "audit"))
    async with app.run_test(size=(140, 40)) as pilot:
        await app.action_area("kube")
        await until(pilot, lambda: len(running(app, name)) == 1, 120, "the pod running")
        pod = next(iter(running(app, name).values()))
        await select(pilot, pod.name)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, PromptDialog), what="the command prompt")
        await pilot.press(*["space" if c == " " else c for c in "sh -c 'echo $HOSTNAME; exit 3'"])
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), 60, "the command's output")
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        lines = screen.sections[0].text.split("\n")
        assert lines[:3] == ["exit code 3", "", pod.name]  # then kubectl's own word on the exit code
    assert [(r["action"], r["result"]) for r in app.gateway.audit.read()] == [("pod.exec", "ok")]
