"""Networks area: every network and its connected containers, live from network events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on, work
from textual.binding import Binding
from textual.worker import get_current_worker

from tui.actions import ActionObject
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.docker_networks import NetworkInfo, builtin_refusal
from tui.adapters.live import LiveFeed
from tui.adapters.models import ContainerInfo
from tui.format import short_id
from tui.views.live_view import DockerView, action_bindings
from tui.views.volumes import json_section, labels_text, new_name_check
from widgets.detail_screen import DetailScreen, Section
from widgets.prompt import PromptDialog, Validator
from widgets.resource_table import Column, ResourceTable

CONTAINER_ACTIONS = ("network.connect", "network.disconnect")


def network_sections(network: NetworkInfo, raw: dict[str, Any]) -> list[Section]:
    ipam = (raw.get("IPAM") or {}).get("Config") or []
    summary = (
        ("Name", network.name),
        ("ID", network.id),
        ("Driver", network.driver),
        ("Scope", network.scope),
        ("Subnet", network.subnet),
        ("Gateway", ", ".join(str(c["Gateway"]) for c in ipam if c.get("Gateway"))),
        ("Internal", "yes" if network.internal else "no"),
        ("Attachable", "yes" if raw.get("Attachable") else "no"),
        ("IPv6", "yes" if raw.get("EnableIPv6") else "no"),
        ("Created", f"{network.created:%Y-%m-%d %H:%M:%S %Z}" if network.created else ""),
        ("Labels", labels_text(network.labels)),
    )
    members = sorted((raw.get("Containers") or {}).values(), key=lambda m: str(m.get("Name", "")))
    rows = tuple(
        (
            str(m.get("Name", "")),
            str(m.get("IPv4Address", "")),
            str(m.get("IPv6Address", "")),
            str(m.get("MacAddress", "")),
        )
        for m in members
    ) or (("(no running container is connected)", "", "", ""),)
    return [
        Section("Summary", columns=("FIELD", "VALUE"), rows=summary),
        Section(f"Connected containers ({len(members)})", columns=("CONTAINER", "IPV4", "IPV6", "MAC"), rows=rows),
        json_section(raw),
    ]


def existing_container(containers: list[ContainerInfo]) -> Validator:
    """A PromptDialog validator: a container's name, or its id (12 characters or more)."""

    def problem(value: str) -> str | None:
        if any(c.name == value or (len(value) >= 12 and c.id.startswith(value)) for c in containers):
            return None
        return f"no container named {value!r}"

    return problem


class NetworksView(DockerView):
    COLUMNS = [
        Column("name", "NAME", lambda n: n.name),
        Column("id", "ID", lambda n: short_id(n.id)),
        Column("driver", "DRIVER", lambda n: n.driver),
        Column("scope", "SCOPE", lambda n: n.scope),
        Column("subnet", "SUBNET", lambda n: n.subnet),
        Column("containers", "CONTAINERS", lambda n: str(len(n.containers))),
    ]
    BINDINGS = [*action_bindings("network"), Binding("d", "inspect", "Inspect", id="network.inspect")]
    NOUN = "networks"

    def engine_feed(self, engine: DockerEngine) -> LiveFeed[Any]:
        return engine.watch_networks()

    def action_object(self, record: Any) -> ActionObject:
        return record if isinstance(record, ActionObject) else ActionObject(id=record.id, name=record.name)

    def performers(self) -> dict[str, Callable[[ActionObject], None]]:
        engine = self.engine

        def create(o: ActionObject) -> None:
            engine.create_network(o.name)

        return {
            "network.create": create,
            "network.remove": lambda o: engine.remove_network(o.id),
        }

    def action_act(self, action_id: str) -> None:
        if action_id == "network.create":
            self.create()
            return
        records = self.targets()
        if not records:
            self.notify("Nothing selected", severity="warning")
        elif action_id == "network.remove" and (builtin := [r.name for r in records if r.builtin]):
            self.notify(builtin_refusal(builtin[0]), severity="error")  # no dialog for what cannot succeed
        elif action_id not in CONTAINER_ACTIONS:
            self.perform_action(action_id, records)
        elif self.gateway.is_readonly(self.target()):
            self.refuse(action_id, records)  # the gateway refuses: do not ask for a container first
        else:
            self.load_containers(action_id, records)

    @work(exit_on_error=False, group="actions")
    async def refuse(self, action_id: str, records: list[Any]) -> None:
        await self.execute(action_id, records, lambda _: None)  # never called: read-only refuses it

    @work(exit_on_error=False, group="actions")
    async def create(self) -> None:
        if self.gateway.is_readonly(self.target()):
            await self.execute("network.create", [], self.performers()["network.create"])
            return
        names = {n.name for n in self.records.values()}
        prompt = PromptDialog(
            "Name of the new network (driver: bridge)",
            placeholder="my-net",
            validate=new_name_check(names, "network"),
            hint="Enter creates it · escape cancels",
        )
        name = await self.app.push_screen_wait(prompt)
        if name is not None:
            await self.execute("network.create", [ActionObject(name, name)], self.performers()["network.create"])

    @work(thread=True, exit_on_error=False, group="actions")
    def load_containers(self, action_id: str, records: list[NetworkInfo]) -> None:
        containers = self.engine.list_containers()
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.ask_container, action_id, records, containers)

    @work(exit_on_error=False, group="actions")
    async def ask_container(
        self, action_id: str, records: list[NetworkInfo], containers: list[ContainerInfo]
    ) -> None:
        connect = action_id == "network.connect"
        connected = sorted({name for r in records for name in r.containers})
        where = ", ".join(r.name for r in records)
        listed = connected if not connect else sorted(c.name for c in containers if c.name not in connected)
        hint = ("connected: " if not connect else "containers: ") + (", ".join(listed[:8]) or "none")
        prompt = PromptDialog(
            f"Container to {'connect to' if connect else 'disconnect from'} {where}",
            placeholder="container name or id",
            validate=existing_container(containers),
            hint=hint + ("…" if len(listed) > 8 else ""),
        )
        container = await self.app.push_screen_wait(prompt)
        if container is None:
            return
        engine = self.engine
        perform: Callable[[ActionObject], None] = (
            (lambda o: engine.connect_network(o.id, container))
            if connect
            else (lambda o: engine.disconnect_network(o.id, container))
        )
        await self.execute(action_id, records, perform, details={"container": container})

    # ---- inspect

    @on(ResourceTable.RowSelected)
    def _row_selected(self, event: ResourceTable.RowSelected) -> None:
        event.stop()
        self.action_inspect()

    def action_inspect(self) -> None:
        record = self.table.selected
        if record is None:
            self.notify("Nothing selected", severity="warning")
            return
        self.load_detail(record)

    @work(thread=True, exclusive=True, exit_on_error=False, group="inspect")
    def load_detail(self, network: NetworkInfo) -> None:
        raw = self.engine.inspect_network(network.id)
        if not get_current_worker().is_cancelled:
            screen = DetailScreen(f"network {network.name}", network_sections(network, raw))
            self.app.call_from_thread(self.app.push_screen, screen)
