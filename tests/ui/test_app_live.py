"""The real app, driven by Pilot, against the sandbox's real Docker engine and Kubernetes cluster."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.widgets import Input

from tests.conftest import pod_manifest, unique
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.app import PortsideApp, make_app
from tui.audit import AuditLog
from widgets.dialogs import ConfirmDialog
from widgets.resource_table import ResourceTable
from widgets.target_bar import TargetBar


async def until(pilot: Pilot[Any], condition: Callable[[], object], timeout: float = 30, what: str = "") -> None:
    """Let the app run until ``condition`` holds; the engines answer asynchronously. A condition about a view
    not there yet (the app opens the hidden areas after the first list) does not hold yet."""
    deadline = time.monotonic() + timeout
    while not holds(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        await pilot.pause(0.05)


def holds(condition: Callable[[], object]) -> bool:
    try:
        return bool(condition())
    except NoMatches:
        return False


async def filter_by(pilot: Pilot[Any], text: str, *then: str) -> None:
    """Press / and type ``text`` once the filter box has focus, as a person does (keys typed earlier go elsewhere).

    A box still focused from an earlier filter would take the / as text, so wait for the focus to leave it first.
    """
    await until(pilot, lambda: not isinstance(pilot.app.focused, Input), what="the focus back on the list")
    await pilot.press("slash")
    await until(pilot, lambda: isinstance(pilot.app.focused, Input), what="the filter box focused")
    await pilot.press(*text, *then)


def table(app: PortsideApp, area: str) -> ResourceTable:
    return app.screen.query_one(f"#{area}-view ResourceTable", ResourceTable)


class SpyEngine(DockerEngine):
    """The real engine, recording which mutations reached it."""

    def __init__(self) -> None:
        super().__init__()
        self.mutations: list[str] = []

    def stop_container(self, container_id: str, timeout: int = 10) -> None:
        self.mutations.append(f"stop {container_id}")
        super().stop_container(container_id, timeout)


def app_for(
    namespace: str, audit: AuditLog, *, readonly: bool = False, docker: DockerEngine | None = None
) -> PortsideApp:
    return make_app(
        docker or DockerEngine(),
        KubeCluster(context="sandbox-admin", namespace=namespace),
        audit,
        readonly=readonly,
    )


async def test_new_container_and_pod_appear_without_a_key_press(
    container_factory: Callable[..., str], kube_admin: KubeCluster, test_namespace: str, audit: AuditLog
) -> None:
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: table(app, "containers").row_count > 0, what="the first container list")
        cid = container_factory()
        await until(pilot, lambda: cid in table(app, "containers").records, what="the new container row")
        name = unique("ui-pod")
        kube_admin.request("POST", f"/api/v1/namespaces/{test_namespace}/pods", body=pod_manifest(name))
        await until(
            pilot,
            lambda: any(p.name == name for p in table(app, "pods").records.values()),
            what="the new pod row",
        )
        bar = app.screen.query_one(TargetBar)
        await until(pilot, lambda: bar.docker[1] == "ok" and bar.kube[1] == "ok", what="both backends in the bar")
        assert "API 1." in bar.docker[0] and "sandbox-admin" in bar.kube[0]


async def test_stop_through_the_app_asks_then_really_stops(
    docker_engine: DockerEngine, container_factory: Callable[..., str], test_namespace: str, audit: AuditLog
) -> None:
    cid = container_factory()
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        rows = table(app, "containers")
        await until(pilot, lambda: cid in rows.records, what="the container row")
        rows.move_cursor(row=rows.get_row_index(cid))
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the confirmation dialog")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog) and dialog.cli.startswith("docker stop ")
        await pilot.press("enter")  # Enter on the default button is No: nothing happens
        await until(pilot, lambda: not isinstance(app.screen, ConfirmDialog), what="the dialog to close")
        assert docker_engine.get_container(cid).state == "running"  # type: ignore[union-attr]
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the dialog again")
        await pilot.press("y")
        await until(pilot, lambda: rows.records[cid].state == "exited", 30, "the row to show exited")
        # The engine's event can reach the row before its reply reaches the gateway: wait for the record too.
        await until(pilot, lambda: len(audit.read()) == 2, what="the stop's audit record")
    assert docker_engine.get_container(cid).state == "exited"  # type: ignore[union-attr]
    results = [(r["action"], r["confirmation"], r["result"]) for r in audit.read()]
    assert results == [("container.stop", "declined", "declined"), ("container.stop", "yes_no", "ok")]


async def test_readonly_refuses_and_no_request_reaches_the_engine(
    docker_engine: DockerEngine, container_factory: Callable[..., str], test_namespace: str, audit: AuditLog
) -> None:
    cid = container_factory()
    spy = SpyEngine()
    app = app_for(test_namespace, audit, readonly=True, docker=spy)
    async with app.run_test(size=(120, 40)) as pilot:
        rows = table(app, "containers")
        await until(pilot, lambda: cid in rows.records, what="the container row")
        assert "READ-ONLY" in str(app.screen.query_one(TargetBar).render())
        rows.move_cursor(row=rows.get_row_index(cid))
        await pilot.press("S")
        await until(pilot, audit.read, what="the audit record of the refusal")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
    assert spy.mutations == []
    assert docker_engine.get_container(cid).state == "running"  # type: ignore[union-attr]
    (record,) = audit.read()
    assert record["action"] == "container.stop" and record["confirmation"] == "refused"
    assert oct(audit.path.stat().st_mode & 0o777) == "0o600"
    assert json.dumps(record)  # a plain JSON line


async def test_pod_delete_goes_through_the_gateway(
    kube_admin: KubeCluster, test_namespace: str, audit: AuditLog
) -> None:
    name = unique("doomed")
    kube_admin.request("POST", f"/api/v1/namespaces/{test_namespace}/pods", body=pod_manifest(name))
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        rows = table(app, "pods")
        await until(pilot, lambda: any(p.name == name for p in rows.records.values()), 60, "the pod row")
        uid = next(p.uid for p in rows.records.values() if p.name == name)
        rows.move_cursor(row=rows.get_row_index(uid))
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the confirmation dialog")
        assert f"--namespace {test_namespace} {name}" in app.screen.cli  # type: ignore[attr-defined]
        await pilot.press("y")
        await until(
            pilot,
            lambda: uid not in rows.records or rows.records[uid].status == "Terminating",
            60,
            "the pod to terminate",
        )
        await until(pilot, lambda: audit.read(), what="the delete's audit record")
    assert audit.read()[-1]["result"] == "ok"


async def test_unreachable_backends_are_shown_and_the_app_keeps_working(tmp_path: Any, audit: AuditLog) -> None:
    app = make_app(DockerEngine(f"unix://{tmp_path}/none.sock"), KubeCluster(str(tmp_path / "none")), audit)
    async with app.run_test(size=(120, 40)) as pilot:
        bar = app.screen.query_one(TargetBar)
        await until(pilot, lambda: bar.docker[1] == "down" and bar.kube[1] == "down", what="both marked down")
        status = app.screen.query_one("#containers-view .view-status")
        await until(pilot, lambda: "retrying in" in str(status.render()), what="the retry notice")
        await pilot.press("4")
        await pilot.press("1")
        assert app.is_running


async def test_a_list_the_start_up_stream_already_holds_is_in_the_first_frame(
    container_factory: Callable[..., str], test_namespace: str, audit: AuditLog, monkeypatch: Any
) -> None:
    # What `portside` does: the shared container stream opens before the interface is built. The containers view
    # then shows that list as it mounts, without waiting for its own feed (kept from starting here).
    from tests.conftest import wait_for
    from tui.views.containers import ContainersView

    cid = container_factory()
    docker = DockerEngine()
    docker.start_watching_containers()
    wait_for(lambda: docker.containers_at_hand() is not None, 30, "the stream's first list")
    monkeypatch.setattr(ContainersView, "follow", lambda view: None)
    applied: list[object] = []
    apply_delta = ContainersView.apply_delta
    monkeypatch.setattr(ContainersView, "apply_delta", lambda view, d: (applied.append(d), apply_delta(view, d)))
    app = app_for(test_namespace, audit, docker=docker)
    try:
        async with app.run_test(size=(120, 40)):
            rows = table(app, "containers")
            assert cid in rows.records
            assert len(applied) == 1, "once: Textual runs every class's on_mount, a super() call ran it twice"
    finally:
        docker.watch_containers().close()  # the hub closes with its last subscriber
