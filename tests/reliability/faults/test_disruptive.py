"""Faults of shared services: etcd paused, the kubelet stopped. Every suite using the cluster notices, so these
run only when selected (`pytest -m disruptive tests/reliability/faults`), after everything else, and always
put the service back (the autouse ``restored`` fixture resumes etcd and starts etcd and the kubelet)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import unique
from tests.reliability.faults.conftest import (
    FAULT_CONTEXT,
    FAULT_DOCKER_HOST,
    FAULT_KUBECONFIG,
    create_pod,
    delete_pod,
    fresh_cluster,
    pod_running,
    sandbox,
    until_async,
)
from tests.ui.test_app_live import until
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.app import make_app
from tui.audit import AuditLog
from tui.views.kube_area import KubeArea
from tui.views.log_screen import LogScreen

pytestmark = [pytest.mark.fault, pytest.mark.disruptive]

PAUSE_TIMEOUT = 5.0  # a short client read timeout, so that a ~10 s pause is seen as timeouts


class QuickCluster(KubeCluster):
    """The admin context with a 5 s read timeout on plain requests (watches keep theirs)."""

    def request(
        self,
        method: str,
        path: str,
        query: Any = None,
        body: Any = None,
        *,
        stream: bool = False,
        timeout: tuple[float, float | None] = (5, PAUSE_TIMEOUT),
    ) -> Any:
        if not stream:
            timeout = (timeout[0], min(timeout[1] or PAUSE_TIMEOUT, PAUSE_TIMEOUT))
        return super().request(method, path, query, body, stream=stream, timeout=timeout)


async def test_paused_etcd_shows_timeouts_and_the_views_recover_when_it_resumes(
    tmp_path: Path, test_namespace: str, fault_engines: None
) -> None:
    ns = test_namespace
    app = make_app(
        DockerEngine(FAULT_DOCKER_HOST),
        QuickCluster(FAULT_KUBECONFIG, FAULT_CONTEXT, ns),
        AuditLog(tmp_path / "a"),
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        area = app.screen.query_one(KubeArea)
        pods = area.current
        await until(pilot, lambda: pods.last_updated is not None, 30, "the pods listed")
        await asyncio.to_thread(sandbox, "pause", "etcd")
        try:
            await area.show("deployments")  # its first list needs etcd (the fault server has no watch cache)
            deployments = area.current
            status = lambda: str(deployments.query_one(".view-status").render())  # noqa: E731
            await until(pilot, lambda: "timed out" in status(), 30, "a timeout in the view")
            assert "retrying in" in status()
            assert app.is_running
        finally:
            await asyncio.to_thread(sandbox, "resume", "etcd")
        await until(pilot, lambda: deployments.last_updated is not None, 60, "the deployments listed")
        await until(pilot, lambda: "retrying" not in status(), 60, "the outage cleared")
        cluster = fresh_cluster(ns)
        await until_async(
            pilot,
            lambda: {p.uid for p in cluster.list_pods()} == set(pods.table.records),
            what="the pods to equal a fresh list",
        )


async def test_a_stopped_kubelet_makes_logs_and_exec_fail_cleanly(
    tmp_path: Path, kube_admin: KubeCluster, test_namespace: str, fault_engines: None
) -> None:
    ns, name = test_namespace, unique("nokubelet")
    create_pod(kube_admin, ns, name, "while true; do echo alive; sleep 1; done")
    try:
        await asyncio.to_thread(pod_running, kube_admin, ns, name)
        app = make_app(
            DockerEngine(FAULT_DOCKER_HOST),
            KubeCluster(FAULT_KUBECONFIG, FAULT_CONTEXT, ns),
            AuditLog(tmp_path / "a"),
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("4")
            pods = app.screen.query_one(KubeArea).current
            await until(pilot, lambda: any(p.name == name for p in pods.table.records.values()), 60, "the pod")
            await asyncio.to_thread(sandbox, "stop", "kubelet")
            try:
                uid = next(k for k, p in pods.table.records.items() if p.name == name)
                pods.table.move_cursor(row=pods.table.get_row_index(uid))
                await pilot.press("l")
                await until(pilot, lambda: isinstance(app.screen, LogScreen), 10, "the log screen")
                screen = app.screen
                title = lambda: str(screen.query_one(".log-title").render())  # noqa: E731
                await until(pilot, lambda: "10250" in title(), 30, "why the log cannot be read")
                assert "connection refused" in title()
                exec_failure = await asyncio.to_thread(kubectl_exec, ns, name)
                assert "10250" in exec_failure and "connection refused" in exec_failure
                await pilot.press("escape")
                assert app.is_running
            finally:
                await asyncio.to_thread(sandbox, "start", "kubelet")  # and waits for the node to be Ready
    finally:
        delete_pod(kube_admin, ns, name)


def kubectl_exec(namespace: str, pod: str) -> str:
    """What the pod shell action runs (less -it: no terminal here); its error output."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    argv = [
        kubectl,
        "--kubeconfig",
        FAULT_KUBECONFIG,
        "--context",
        FAULT_CONTEXT,
        "--namespace",
        namespace,
        "exec",
        pod,
        "--",
        "true",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0, "exec worked without a kubelet"
    return done.stderr
