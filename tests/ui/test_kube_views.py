"""KubeResourceView driven by Pilot against the sandbox's real cluster: live convergence, scale, forbidden, nodes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

import tui
from tests.conftest import pod_manifest, unique
from tests.integration.test_kube_resources import create_deployment
from tests.ui.test_app_live import until
from tests.unit.test_kube_records import NODE
from tui.actions import ACTIONS, ActionSpec, Gateway, Risk
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.kube_records import node_from_api, pod_placement_from_api
from tui.app import PortsideApp
from tui.audit import AuditLog
from tui.views.kube_resources import LAG_STYLE, MASK, KubeResourceView, detail_sections, kube_view
from widgets.detail_screen import DetailScreen
from widgets.dialogs import ConfirmDialog
from widgets.prompt import PromptDialog

# The specs these views perform. Until tui/actions.py carries them, the tests that need them add them here.
PROPOSED = (
    ActionSpec(
        "deployment.scale",
        "deployment",
        "Scale",
        "s",
        Risk.REVERSIBLE,
        "kubectl scale deployment --namespace {namespace} {names} --replicas {replicas}",
    ),
    ActionSpec(
        "secret.reveal",
        "secret",
        "Reveal",
        "v",
        Risk.READ,
        "kubectl get secret --namespace {namespace} {names} --output yaml",
    ),
)


@pytest.fixture
def proposed_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    for spec in PROPOSED:
        monkeypatch.setitem(ACTIONS, spec.id, spec)


class KindsApp(App[None]):
    """The views under test, stacked, with the real app's stylesheet and confirmation dialog."""

    CSS_PATH = Path(tui.__file__).parent / "app.tcss"
    confirm = PortsideApp.confirm

    def __init__(self, audit: AuditLog, views: list[Callable[[Gateway], KubeResourceView]]) -> None:
        super().__init__()
        self.gateway = Gateway(audit, self.confirm)
        self.make_views = views

    def compose(self) -> ComposeResult:
        for make in self.make_views:
            yield make(self.gateway)


@pytest.fixture
def admin(test_namespace: str) -> Iterator[KubeCluster]:
    cluster = KubeCluster(context="sandbox-admin", namespace=test_namespace)
    yield cluster
    cluster.close()


def status_text(view: KubeResourceView) -> str:
    return str(view.query_one(".view-status", Static).render())


def row_named(view: KubeResourceView, name: str) -> Any:
    return next((r for r in list(view.table.records.values()) if r.name == name), None)


async def test_deployment_appears_and_converges_live_with_a_cue_while_it_lags(
    admin: KubeCluster, test_namespace: str, audit: AuditLog, proposed_actions: None
) -> None:
    app = KindsApp(audit, [lambda g: kube_view(admin, g, "deployments", id="deployments-view")])
    async with app.run_test(size=(140, 30)) as pilot:
        view = app.query_one("#deployments-view", KubeResourceView)
        await until(pilot, lambda: view.last_updated is not None, what="the first list")
        name = create_deployment(admin, test_namespace, 2)
        cues: list[str] = []

        def converged(replicas: int) -> bool:
            record = row_named(view, name)
            if record is None:
                return False
            if not record.converged:  # while it lags, the lagging counts carry the cue
                cell = view.table.get_cell(record.key, "ready")
                cues.append(str(cell.style) if isinstance(cell, Text) else "")
            return bool(record.converged and record.desired == replicas)

        await until(pilot, lambda: converged(2), 90, "2 of 2 ready in the view")
        assert LAG_STYLE in cues
        record = row_named(view, name)
        cells = [view.table.get_cell(record.key, c).plain for c in ("desired", "ready", "up_to_date", "available")]
        assert cells == ["2", "2", "2", "2"] and view.table.get_cell(record.key, "ready").style == ""

        view.table.focus()
        view.table.move_cursor(row=view.table.get_row_index(record.key))
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, PromptDialog), what="the replicas prompt")
        await pilot.press("backspace", "3", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the confirmation")
        assert app.screen.cli.endswith(f"--namespace {test_namespace} {name} --replicas 3")  # type: ignore[attr-defined]
        await pilot.press("y")
        await until(pilot, lambda: converged(3), 90, "3 of 3 ready in the view")
        assert "not at desired" not in status_text(view)
    assert [(r["action"], r["result"]) for r in audit.read()] == [("deployment.scale", "ok")]


async def test_forbidden_list_shows_forbidden_and_the_other_views_keep_working(audit: AuditLog) -> None:
    viewer = KubeCluster(context="sandbox-viewer")
    app = KindsApp(
        audit,
        [
            lambda g: kube_view(viewer, g, "deployments", "default", id="refused"),
            lambda g: kube_view(viewer, g, "configmaps", "portside-view", id="allowed"),
        ],
    )
    async with app.run_test(size=(120, 30)) as pilot:
        refused = app.query_one("#refused", KubeResourceView)
        allowed = app.query_one("#allowed", KubeResourceView)
        await until(pilot, lambda: "forbidden" in status_text(refused), 30, "forbidden in the status")
        text = status_text(refused)
        assert text.startswith("forbidden: ") and "asking again in 30s" in text
        assert refused.query_one(".view-status").has_class("-down")
        await until(pilot, lambda: "configmaps" in status_text(allowed), 30, "the allowed list")
        assert "forbidden" not in status_text(allowed) and not allowed.query_one(".view-status").has_class("-down")
        assert app.is_running
    viewer.close()


async def test_nodes_view_counts_the_pods_on_each_node(admin: KubeCluster, audit: AuditLog) -> None:
    def occupying() -> int:
        pods = admin.request("GET", "/api/v1/pods").get("items") or []
        return sum(
            1
            for p in pods
            if pod_placement_from_api(p).node == "localhost" and pod_placement_from_api(p).occupies_node
        )

    app = KindsApp(audit, [lambda g: kube_view(admin, g, "nodes", id="nodes")])
    async with app.run_test(size=(160, 30)) as pilot:
        view = app.query_one("#nodes", KubeResourceView)
        await until(pilot, lambda: row_named(view, "localhost"), 30, "the node row")
        uid = row_named(view, "localhost").key
        assert view.table.get_cell(uid, "status").plain == "Ready"
        assert view.table.get_cell(uid, "memory").plain.endswith("Gi")
        await until(
            pilot,
            lambda: view.table.get_cell(uid, "pods").plain == f"{occupying()}/110",
            30,
            "the pods column to equal the pods on the node",
        )


async def test_secret_view_shows_key_names_and_reveals_one_value_on_request(
    admin: KubeCluster, test_namespace: str, audit: AuditLog, proposed_actions: None
) -> None:
    name, value = unique("creds"), unique("hunter2")
    admin.request(
        "POST",
        f"/api/v1/namespaces/{test_namespace}/secrets",
        body={"metadata": {"name": name}, "stringData": {"password": value, "user": "admin"}},
    )
    app = KindsApp(audit, [lambda g: kube_view(admin, g, "secrets", id="secrets")])
    async with app.run_test(size=(140, 30)) as pilot:
        view = app.query_one("#secrets", KubeResourceView)
        await until(pilot, lambda: row_named(view, name), 30, "the secret row")
        record = row_named(view, name)
        row = [cell.plain for cell in view.table.get_row(record.key)]
        assert "password, user" in row and not any(value in cell for cell in row)
        view.table.focus()
        view.table.move_cursor(row=view.table.get_row_index(record.key))
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), what="the details")
        shown = " ".join(str(s.render()) for s in app.screen.query(Static))
        tables = [
            c.plain for t in app.screen.query("DataTable") for r in range(t.row_count) for c in t.get_row_at(r)
        ]
        assert MASK in tables and value not in shown and value not in " ".join(tables)
        await pilot.press("escape")
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, PromptDialog), what="the key prompt")
        await pilot.press(*"password", "enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), 30, "the revealed value")
        assert value in " ".join(str(s.render()) for s in app.screen.query(Static))
    (record_,) = audit.read()
    assert record_["action"] == "secret.reveal" and record_["result"] == "ok"
    assert value not in audit.path.read_text()


async def test_new_pod_appears_in_a_pods_view_of_the_registry(
    admin: KubeCluster, test_namespace: str, audit: AuditLog
) -> None:
    app = KindsApp(audit, [lambda g: kube_view(admin, g, "po", id="pods")])
    async with app.run_test(size=(140, 30)) as pilot:
        view = app.query_one("#pods", KubeResourceView)
        await until(pilot, lambda: view.last_updated is not None, 30, "the first list")
        name = unique("kv-pod")
        admin.request("POST", f"/api/v1/namespaces/{test_namespace}/pods", body=pod_manifest(name))
        await until(
            pilot, lambda: getattr(row_named(view, name), "status", "") == "Running", 90, "the pod running"
        )


def test_node_details_show_conditions_and_resources_as_text() -> None:
    summary, conditions = detail_sections(node_from_api(NODE))
    assert "capacity      cpu 2, memory 24684092Ki, pods 110" in summary.text
    assert "roles         control-plane" in summary.text
    assert ("DiskPressure", "True", "KubeletHasDiskPressure", "disk") in conditions.rows
