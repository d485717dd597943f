"""Switching kube context and namespace from ":" against the real cluster; the kubeconfig is never written."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.ui.test_app_live import until
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.app import make_app
from tui.audit import AuditLog
from tui.views.kube_area import KubeArea
from widgets.prompt import PromptDialog
from widgets.target_bar import TargetBar


async def go(pilot: Pilot[Any], text: str) -> None:
    await pilot.press("colon")
    await until(pilot, lambda: isinstance(pilot.app.screen, PromptDialog), what="the go-to prompt")
    for char in text:
        await pilot.press("space" if char == " " else char)
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(pilot.app.screen, PromptDialog), what="the prompt to close")


async def test_ns_and_ctx_switch_the_kubernetes_area_and_the_bar(tmp_path: Path) -> None:
    kubeconfig = Path(os.environ["KUBECONFIG"])
    before = kubeconfig.read_bytes()
    app = make_app(
        DockerEngine(), KubeCluster(context="sandbox-admin", namespace="default"), AuditLog(tmp_path / "a")
    )
    async with app.run_test(size=(120, 40)) as pilot:
        bar = app.screen.query_one(TargetBar)
        await until(pilot, lambda: bar.kube[1] == "ok" and "sandbox-admin/default" in bar.kube[0], 30, "the bar")
        await go(pilot, "ns portside-view")
        await until(pilot, lambda: "sandbox-admin/portside-view" in bar.kube[0] and bar.kube[1] == "ok", 30, "ns")
        await go(pilot, "ctx sandbox-viewer")
        await until(
            pilot, lambda: "sandbox-viewer/portside-view" in bar.kube[0] and bar.kube[1] == "ok", 30, "ctx"
        )
        pods = app.screen.query_one(KubeArea).current
        await until(pilot, lambda: pods.last_updated is not None, 30, "the viewer's pods listed")
        await go(pilot, "ns default")  # the viewer may not list it: said in the view, the app goes on
        area = app.screen.query_one(KubeArea)
        status = area.current.query_one(".view-status")
        await until(pilot, lambda: "forbidden" in str(status.render()), 30, "forbidden in the view")
        await go(pilot, "ns all")
        await until(pilot, lambda: "all namespaces" in bar.kube[0], 30, "all namespaces in the bar")
        assert app.is_running
    assert kubeconfig.read_bytes() == before
