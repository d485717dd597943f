"""The private API server killed during watches and a log follow, then started again (issue #5: a watch
interrupted by an API server restart resumes and the table equals a fresh list); and a watch whose
resourceVersion was compacted away (410 Gone) relists."""

from __future__ import annotations

import asyncio
import contextlib
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import collect, unique, wait_for
from tests.reliability.faults.conftest import (
    compact_etcd,
    create_pod,
    delete_pod,
    fault_app,
    fresh_cluster,
    pod_running,
    sandbox,
    status_text,
    until_async,
)
from tests.ui.test_app_live import until
from tui.adapters import kube_cluster
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.kube_resources import list_kind
from tui.adapters.models import Disconnected, Snapshot
from tui.views.kube_area import KubeArea
from tui.views.live_view import LiveView
from tui.views.log_screen import LogScreen
from widgets.target_bar import TargetBar

pytestmark = pytest.mark.fault


def deployment(name: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": 1,
                    "containers": [
                        {
                            "name": "main",
                            "image": "portside/busybox:latest",
                            "imagePullPolicy": "Never",
                            "command": ["sleep", "3600"],
                        }
                    ],
                },
            },
        },
    }


def retrying(view: LiveView) -> bool:
    return "retrying in" in str(view.query_one(".view-status").render())


def pod_keys(namespace: str) -> set[str]:
    cluster = fresh_cluster(namespace)
    try:
        return {p.uid for p in cluster.list_pods()}
    finally:
        cluster.close()


def deployment_keys(namespace: str) -> set[str]:
    cluster = fresh_cluster(namespace)
    try:
        return {d.key for d in list_kind(cluster, "deployments", namespace)}
    finally:
        cluster.close()


async def test_watches_resume_after_an_api_server_restart_and_show_what_changed_meanwhile(
    tmp_path: Path, kube_admin: KubeCluster, test_namespace: str, fault_engines: None
) -> None:
    ns = test_namespace
    doomed, kept, born = unique("doomed"), unique("kept"), unique("born")
    for name in (doomed, kept):
        create_pod(kube_admin, ns, name)
    first_deploy, second_deploy = unique("dep"), unique("dep")
    kube_admin.request("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", body=deployment(first_deploy))
    app = fault_app(tmp_path, ns)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("4")
            area = app.screen.query_one(KubeArea)
            pods = area.current
            names = lambda view: {r.name for r in view.table.records.values()}  # noqa: E731
            await until(pilot, lambda: {doomed, kept} <= names(pods), 60, "both pods listed")
            await area.show("deployments")
            deployments = area.current
            await until(pilot, lambda: first_deploy in names(deployments), 60, "the deployment listed")
            await asyncio.to_thread(sandbox, "kill", "fault-apiserver")
            for view in (deployments, pods):
                await until(pilot, partial(retrying, view), 30, f"the outage in {view.id}")
            assert "unreachable" in str(pods.query_one(".view-status").render())
            bar = app.screen.query_one(TargetBar)
            await until(pilot, lambda: bar.kube[1] == "down", 30, "the bar to mark Kubernetes down")
            # Changes while the server the app talks to is down (made through the shared one, same etcd):
            delete_pod(kube_admin, ns, doomed)
            create_pod(kube_admin, ns, born)
            kube_admin.request(
                "POST", f"/apis/apps/v1/namespaces/{ns}/deployments", body=deployment(second_deploy)
            )
            await asyncio.to_thread(sandbox, "start", "fault-apiserver")
            await until_async(
                pilot, lambda: pod_keys(ns) == set(pods.table.records), what="the pods to equal a fresh list"
            )
            await until(pilot, lambda: doomed not in names(pods) and born in names(pods), 60, "the changes")
            await until_async(
                pilot,
                lambda: deployment_keys(ns) == set(deployments.table.records),
                what="the deployments to equal a fresh list",
            )
            assert second_deploy in names(deployments)
            await until(pilot, lambda: bar.kube[1] == "ok", 30, "the bar to mark Kubernetes ok")
            assert app.is_running
    finally:
        for name in (doomed, kept, born):
            delete_pod(kube_admin, ns, name)
        for name in (first_deploy, second_deploy):
            with contextlib.suppress(Exception):
                kube_admin.request("DELETE", f"/apis/apps/v1/namespaces/{ns}/deployments/{name}")


async def test_a_followed_pod_log_says_the_api_server_went_away_and_the_pods_view_recovers(
    tmp_path: Path, kube_admin: KubeCluster, test_namespace: str, fault_engines: None
) -> None:
    ns, name = test_namespace, unique("ticker")
    create_pod(kube_admin, ns, name, "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done")
    try:
        await asyncio.to_thread(pod_running, kube_admin, ns, name)
        app = fault_app(tmp_path, ns)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("4")
            pods = app.screen.query_one(KubeArea).current
            await until(pilot, lambda: any(p.name == name for p in pods.table.records.values()), 60, "the pod row")
            uid = next(k for k, p in pods.table.records.items() if p.name == name)
            pods.table.move_cursor(row=pods.table.get_row_index(uid))
            await pilot.press("l")
            await until(pilot, lambda: isinstance(app.screen, LogScreen), 10, "the log screen")
            screen = app.screen
            assert isinstance(screen, LogScreen)
            await until(pilot, lambda: screen.log_view.line_count >= 3, 30, "the first log lines")
            await asyncio.to_thread(sandbox, "kill", "fault-apiserver")

            def title() -> str:
                return str(screen.query_one(".log-title").render())

            await until(pilot, lambda: "—" in title(), 30, "the log title to say what happened")
            assert any(word in title() for word in ("interrupted", "unreachable", "Connection broken")), title()
            assert "reconnecting in" in title()
            assert app.is_running

            def ticks() -> list[int]:
                return [
                    int(line.text.split()[1]) for line in screen.log_view.buffer if line.text.startswith("tick ")
                ]

            before = max(ticks())
            await asyncio.to_thread(sandbox, "start", "fault-apiserver")
            await until(pilot, lambda: max(ticks()) > before + 5, 90, "the log to resume by itself")
            assert len(ticks()) == len(set(ticks())), "a resumed log repeated lines"
            assert "resumed" in title()
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, LogScreen), 10, "back to the pods")
            await until_async(
                pilot, lambda: pod_keys(ns) == set(pods.table.records), what="the pods to equal a fresh list"
            )
            await until(pilot, lambda: "retrying" not in status_text(app, "#pods-view"), 30, "no outage shown")
    finally:
        delete_pod(kube_admin, ns, name)


async def test_a_restart_after_etcd_compaction_relists_and_shows_the_missed_changes(
    tmp_path: Path, kube_admin: KubeCluster, test_namespace: str, fault_engines: None
) -> None:
    ns = test_namespace
    old, new = unique("old"), unique("new")
    create_pod(kube_admin, ns, old)
    app = fault_app(tmp_path, ns)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("4")
            pods = app.screen.query_one(KubeArea).current
            await until(pilot, lambda: any(p.name == old for p in pods.table.records.values()), 60, "the pod")
            await asyncio.to_thread(sandbox, "kill", "fault-apiserver")
            await until(pilot, lambda: "retrying in" in status_text(app, "#pods-view"), 30, "the outage")
            delete_pod(kube_admin, ns, old)
            create_pod(kube_admin, ns, new)
            await asyncio.to_thread(compact_etcd)  # the versions the feed knew are gone for good
            await asyncio.to_thread(sandbox, "start", "fault-apiserver")
            await until_async(
                pilot, lambda: pod_keys(ns) == set(pods.table.records), what="the pods to equal a fresh list"
            )
            names = {p.name for p in pods.table.records.values()}
            assert new in names
            assert app.is_running
    finally:
        for name in (old, new):
            delete_pod(kube_admin, ns, name)


def test_a_watch_resumed_from_a_compacted_version_gets_410_and_relists_at_once(
    monkeypatch: pytest.MonkeyPatch, kube_admin: KubeCluster, test_namespace: str, fault_engines: None
) -> None:
    """The real 410 path: the server ends each watch after 2 s and the feed resumes from the last version it
    saw; etcd is compacted past that version meanwhile (the fault server has no watch cache)."""
    monkeypatch.setattr(kube_cluster, "WATCH_SECONDS", 2)
    ns = test_namespace
    name = unique("gone")
    create_pod(kube_admin, ns, name)
    # A starting pod keeps changing (status updates), and each change it shows the feed moves its version past
    # the compaction: wait until it has settled, so that the version the feed resumes from is really compacted.
    pod_running(kube_admin, ns, name)
    feed = fresh_cluster(ns).watch_pods()
    seen, consumer = collect(feed)
    try:
        wait_for(lambda: any(isinstance(d, Snapshot) for d in seen), 30, "the first snapshot")
        # Move etcd's revision on by writes the pods watch does not see, then compact up to them.
        for _ in range(3):
            config_map = {"metadata": {"name": unique("bump")}, "data": {"k": "v"}}
            kube_admin.request("POST", f"/api/v1/namespaces/{ns}/configmaps", body=config_map)
        compact_etcd()
        wait_for(lambda: sum(isinstance(d, Snapshot) for d in seen) >= 2, 30, "a relist after 410 Gone")
        assert not any(isinstance(d, Disconnected) for d in seen), "410 is a relist, not an outage"
        last = [d for d in seen if isinstance(d, Snapshot)][-1]
        assert {p.uid for p in last.items} == pod_keys(ns)
    finally:
        feed.close()
        consumer.join(10)
        delete_pod(kube_admin, ns, name)
    assert not consumer.is_alive()
