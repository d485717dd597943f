"""Kubernetes pods area: list + watch from resourceVersion, incremental by uid."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text

from tui.actions import ActionObject, Gateway
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.models import PodInfo
from tui.format import age
from tui.views.live_view import LiveView, action_bindings
from widgets.resource_table import Column

HEALTHY = {"Running", "Completed", "Succeeded"}


def status_cell(p: PodInfo) -> Text:
    return Text(
        p.status,
        style=""
        if p.status in HEALTHY
        else "bold reverse"
        if "Err" in p.status or "BackOff" in p.status or p.status == "OOMKilled"
        else "italic",
    )


class PodsView(LiveView):
    COLUMNS = [
        Column("namespace", "NAMESPACE", lambda p: p.namespace),
        Column("name", "NAME", lambda p: p.name),
        Column("ready", "READY", lambda p: f"{p.ready}/{p.total}"),
        Column("status", "STATUS", status_cell),
        Column("restarts", "RESTARTS", lambda p: str(p.restarts)),
        Column("age", "AGE", lambda p: age(p.created), volatile=True),
        Column("node", "NODE", lambda p: p.node),
        Column("ip", "IP", lambda p: p.ip),
    ]
    BINDINGS = action_bindings("pod")
    BACKEND = "kube"
    NOUN = "pods"

    def __init__(self, cluster: KubeCluster, gateway: Gateway, **kwargs: Any) -> None:
        super().__init__(cluster.watch_pods, gateway, **kwargs)
        self.cluster = cluster

    def target(self) -> str:
        return f"kube {self.cluster.context}"

    def action_object(self, record: PodInfo) -> ActionObject:
        return ActionObject(id=record.uid, name=record.name, namespace=record.namespace)

    def performers(self) -> dict[str, Callable[[ActionObject], None]]:
        return {"pod.delete": lambda o: self.cluster.delete_pod(o.namespace, o.name)}
