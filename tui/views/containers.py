"""Containers area: every container on the engine, live from engine events."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from tui.actions import ActionObject, Gateway
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.models import ContainerInfo
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

    def target(self) -> str:
        return f"docker {self.engine.endpoint}"

    def summary(self) -> str:
        running = sum(1 for c in self.table.records.values() if c.state == "running")
        return f"{self.table.row_count} containers, {running} running"

    def performers(self) -> dict[str, Callable[[ActionObject], None]]:
        engine = self.engine
        return {
            "container.start": lambda o: engine.start_container(o.id),
            "container.stop": lambda o: engine.stop_container(o.id),
            "container.restart": lambda o: engine.restart_container(o.id),
            "container.remove": lambda o: engine.remove_container(o.id),
        }
