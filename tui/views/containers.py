"""Containers area: every container on the engine, live from engine events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text

from tui.actions import ActionObject, Gateway
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.models import ContainerInfo, Deleted, Snapshot, Upserted
from tui.views.live_view import LiveView, action_bindings
from widgets.resource_table import Column

STATE_STYLE = {"running": "bold", "paused": "italic", "restarting": "italic", "exited": "dim", "dead": "dim"}


def state_cell(c: ContainerInfo) -> Text:
    return Text(c.state, style=STATE_STYLE.get(c.state, ""))


class ContainersView(LiveView):
    COLUMNS = [
        Column("name", "NAME", lambda c: c.name),
        Column("image", "IMAGE", lambda c: c.image),
        Column("state", "STATE", state_cell),
        Column("status", "STATUS", lambda c: c.status),
        Column("ports", "PORTS", lambda c: ", ".join(str(p) for p in c.ports)),
        Column("project", "COMPOSE", lambda c: c.compose_project or ""),
    ]
    BINDINGS = action_bindings("container")
    NOUN = "containers"

    def __init__(self, engine: DockerEngine, gateway: Gateway, **kwargs: object) -> None:
        super().__init__(engine.watch_containers, gateway, **kwargs)
        self.engine = engine
        self.pod_containers: set[str] = set()

    def target(self) -> str:
        return f"docker {self.engine.endpoint}"

    def apply_delta(self, delta: Snapshot[Any] | Upserted[Any] | Deleted) -> None:
        # Containers the kubelet runs for pods belong to the Pods area; here they are counted, not listed.
        if isinstance(delta, Snapshot):
            self.pod_containers = {c.key for c in delta.items if c.kubernetes_pod}
            delta = Snapshot(tuple(c for c in delta.items if not c.kubernetes_pod))
        elif isinstance(delta, Upserted) and delta.item.kubernetes_pod:
            self.pod_containers.add(delta.item.key)
            return
        elif isinstance(delta, Deleted):
            self.pod_containers.discard(delta.key)
        super().apply_delta(delta)

    def summary(self) -> str:
        running = sum(1 for c in self.table.records.values() if c.state == "running")
        hidden = f" ({len(self.pod_containers)} pod containers in the Pods area)" if self.pod_containers else ""
        return f"{self.table.row_count} containers, {running} running{hidden}"

    def performers(self) -> dict[str, Callable[[ActionObject], None]]:
        engine = self.engine
        return {
            "container.start": lambda o: engine.start_container(o.id),
            "container.stop": lambda o: engine.stop_container(o.id),
            "container.restart": lambda o: engine.restart_container(o.id),
            "container.remove": lambda o: engine.remove_container(o.id),
        }
