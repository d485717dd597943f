"""Compose area: stacks discovered from container labels, live from the same engine events."""

from __future__ import annotations

from typing import Any

from tui.actions import Gateway
from tui.adapters.compose import stacks_from_containers
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.models import Deleted, Snapshot, Upserted
from tui.views.live_view import LiveView
from widgets.resource_table import Column


class ComposeView(LiveView):
    COLUMNS = [
        Column("name", "PROJECT", lambda s: s.name),
        Column("state", "STATE", lambda s: s.state),
        Column("containers", "RUNNING", lambda s: f"{s.running}/{s.total}"),
        Column("services", "SERVICES", lambda s: ", ".join(s.services)),
        Column("dir", "WORKING DIR", lambda s: s.working_dir),
    ]
    NOUN = "compose stacks"

    def __init__(self, engine: DockerEngine, gateway: Gateway, **kwargs: Any) -> None:
        super().__init__(engine.watch_containers, gateway, **kwargs)
        self.engine = engine

    def target(self) -> str:
        return f"docker {self.engine.endpoint}"

    # self.records holds the engine's containers; the table shows the stacks they form.

    def apply_delta(self, delta: Snapshot[Any] | Upserted[Any] | Deleted) -> None:
        if isinstance(delta, Snapshot):
            self.records = {c.key: c for c in delta.items}
        elif isinstance(delta, Upserted):
            self.records[delta.item.key] = delta.item
        else:
            self.records.pop(delta.key, None)
        self.refilter()

    def refilter(self) -> None:
        stacks = stacks_from_containers(self.records.values())
        self.table.apply_snapshot([s for s in stacks if self.shows(s)])

    def summary(self) -> str:
        text = f"{self.table.row_count} compose stacks"
        return text + (f" matching {self.filter_text!r}" if self.filter_text else "")
