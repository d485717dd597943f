"""Pods area against the real cluster: logs (and the previous instance), describe with events, YAML, owner."""

from __future__ import annotations

from typing import Any

from tests.conftest import BUSYBOX, pod_manifest, unique, wait_for
from tests.ui.test_app_live import app_for, table, until
from tui.adapters.kube_cluster import KubeCluster
from tui.audit import AuditLog
from tui.views.kube_area import KubeArea
from tui.views.log_screen import LogScreen
from widgets.detail_screen import DetailScreen
from widgets.log_view import LogView


def create_pod(kube: KubeCluster, namespace: str, command: str) -> str:
    name = unique("pod")
    kube.request("POST", f"/api/v1/namespaces/{namespace}/pods", body=pod_manifest(name, command))
    return name


async def select_pod(pilot: Any, app: Any, name: str, timeout: float = 90) -> None:
    await pilot.press("4")
    rows = table(app, "pods")
    await until(pilot, lambda: any(p.name == name for p in rows.records.values()), timeout, "the pod row")
    uid = next(p.uid for p in rows.records.values() if p.name == name)
    rows.move_cursor(row=rows.get_row_index(uid))


async def test_l_shows_the_pods_real_output_and_P_the_previous_instance(
    kube_admin: KubeCluster, test_namespace: str, audit: AuditLog
) -> None:
    # Each instance prints a mark, lives a while, then exits: the kubelet restarts it (restartPolicy Always).
    # The kubelet keeps one dead container: "previous" is readable while the current instance runs.
    name = create_pod(kube_admin, test_namespace, "echo instance-$(date +%s); echo marker-line; sleep 45; exit 1")
    wait_for(
        lambda: any(
            p.name == name and p.restarts >= 1 and p.status == "Running"
            for p in kube_admin.list_pods(test_namespace)
        ),
        150,
        "a restarted instance running",
    )
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_pod(pilot, app, name)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogScreen), what="the log screen")
        view = app.screen.query_one(LogView)
        await until(pilot, lambda: "marker-line" in view.visible_text(), 60, "the pod's own output")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, LogScreen), what="back")
        await pilot.press("P")
        await until(pilot, lambda: isinstance(app.screen, LogScreen), what="the previous log screen")
        previous = app.screen.query_one(LogView)
        title = app.screen.query_one(".log-title")
        await until(
            pilot,
            lambda: "instance-" in "\n".join(previous.visible_text()),
            60,
            f"the previous output (screen says: {title.render()})",
        )
        assert "previous instance" in app.screen.title_text  # type: ignore[attr-defined]


async def test_describe_shows_containers_and_events_and_yaml_the_object(
    kube_admin: KubeCluster, test_namespace: str, audit: AuditLog
) -> None:
    name = create_pod(kube_admin, test_namespace, "sleep 3600")
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_pod(pilot, app, name)
        rows = table(app, "pods")
        await until(
            pilot,
            lambda: any(p.name == name and p.status == "Running" for p in rows.records.values()),
            90,
            "Running",
        )
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), 30, "describe")
        sections = {s.title: s for s in app.screen.sections}  # type: ignore[attr-defined]
        assert sections["Containers"].rows[0][0] == "main"
        reasons = {row[2] for row in sections["Events"].rows}
        assert {"Scheduled", "Started"} <= reasons
        await pilot.press("escape")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), 30, "the YAML")
        text = app.screen.sections[0].text  # type: ignore[attr-defined]
        assert f"name: {name}" in text and BUSYBOX in text and "managedFields" not in text


async def test_O_jumps_from_a_pod_to_its_owner(
    kube_admin: KubeCluster, test_namespace: str, audit: AuditLog
) -> None:
    deployment = unique("owned")
    labels = {"app": deployment}
    kube_admin.request(
        "POST",
        f"/apis/apps/v1/namespaces/{test_namespace}/deployments",
        body={
            "metadata": {"name": deployment},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "containers": [
                            {
                                "name": "main",
                                "image": BUSYBOX,
                                "imagePullPolicy": "Never",
                                "command": ["sleep", "3600"],
                            }
                        ]
                    },
                },
            },
        },
    )
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        rows = table(app, "pods")
        await until(
            pilot, lambda: any(p.name.startswith(deployment) for p in rows.records.values()), 90, "its pod"
        )
        pod = next(p for p in rows.records.values() if p.name.startswith(deployment))
        rows.move_cursor(row=rows.get_row_index(pod.uid))
        await pilot.press("O")
        area = app.screen.query_one(KubeArea)
        await until(pilot, lambda: area.kind == "replicasets", 30, "the replicasets view")
        owner = area.current
        await until(pilot, lambda: owner.table.row_count == 1, 30, "only the owner listed")
        (record,) = owner.table.records.values()
        assert f"ReplicaSet/{record.name}" == pod.owner
