"""Volumes area: every volume and the containers using it, live from volume and container events."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from typing import Any

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.worker import get_current_worker

from tui.actions import ActionObject
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.docker_volumes import VolumeInfo, invalid_name
from tui.adapters.live import LiveFeed
from tui.views.live_view import DockerView, action_bindings
from widgets.detail_screen import DetailScreen, Section
from widgets.prompt import PromptDialog, Validator
from widgets.resource_table import Column, ResourceTable


def new_name_check(existing: Collection[str], noun: str) -> Validator:
    """A PromptDialog validator: Docker's name rule, and no clash with an object already listed."""

    def problem(name: str) -> str | None:
        if name in existing:
            return f"a {noun} named {name!r} exists already"
        return invalid_name(name)

    return problem


def users_cell(v: VolumeInfo) -> Text:
    return Text(", ".join(v.users), no_wrap=True, overflow="ellipsis") if v.users else Text("unused", style="dim")


def json_section(raw: dict[str, Any]) -> Section:
    return Section("Raw JSON", text=json.dumps(raw, indent=2, ensure_ascii=False, sort_keys=True))


def labels_text(labels: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{k}={v}" for k, v in labels)


def volume_sections(volume: VolumeInfo, raw: dict[str, Any]) -> list[Section]:
    summary = (
        ("Name", volume.name),
        ("Driver", volume.driver),
        ("Scope", volume.scope),
        ("Mountpoint", volume.mountpoint),
        ("Created", f"{volume.created:%Y-%m-%d %H:%M:%S %Z}" if volume.created else ""),
        ("Labels", labels_text(volume.labels)),
        ("Options", ", ".join(f"{k}={v}" for k, v in (raw.get("Options") or {}).items())),
    )
    users = tuple((name,) for name in volume.users) or (("(no container uses it)",),)
    return [
        Section("Summary", columns=("FIELD", "VALUE"), rows=summary),
        Section(f"Used by ({len(volume.users)})", columns=("CONTAINER",), rows=users),
        json_section(raw),
    ]


class VolumesView(DockerView):
    COLUMNS = [
        Column("name", "NAME", lambda v: v.name),
        Column("driver", "DRIVER", lambda v: v.driver),
        Column("users", "USED BY", users_cell),
        Column("mountpoint", "MOUNTPOINT", lambda v: v.mountpoint),
    ]
    BINDINGS = [*action_bindings("volume"), Binding("d", "inspect", "Inspect", id="volume.inspect")]
    NOUN = "volumes"

    def engine_feed(self, engine: DockerEngine) -> LiveFeed[Any]:
        return engine.watch_volumes()

    def action_object(self, record: Any) -> ActionObject:
        return record if isinstance(record, ActionObject) else ActionObject(id=record.name, name=record.name)

    def performers(self) -> dict[str, Callable[[ActionObject], None]]:
        engine = self.engine

        def create(o: ActionObject) -> None:
            engine.create_volume(o.name)

        return {
            "volume.create": create,
            "volume.remove": lambda o: engine.remove_volume(o.name),
            # Exactly the previewed volumes go: one made after the preview is never touched, and one that
            # gained a user since is refused by the engine.
            "volume.prune": lambda o: engine.remove_volume(o.name),
        }

    def action_act(self, action_id: str) -> None:
        if action_id == "volume.create":
            self.create()
        elif action_id == "volume.prune":
            self.preview_prune()
        else:
            super().action_act(action_id)

    @work(exit_on_error=False, group="actions")
    async def create(self) -> None:
        if self.gateway.is_readonly(self.target()):  # the gateway refuses: do not ask for a name first
            await self.execute("volume.create", [], self.performers()["volume.create"])
            return
        prompt = PromptDialog(
            "Name of the new volume (driver: local)",
            placeholder="my-data",
            validate=new_name_check(set(self.records), "volume"),
            hint="Enter creates it · escape cancels",
        )
        name = await self.app.push_screen_wait(prompt)
        if name is not None:
            await self.execute("volume.create", [ActionObject(name, name)], self.performers()["volume.create"])

    @work(thread=True, exit_on_error=False, group="actions")
    def preview_prune(self) -> None:
        unused = self.engine.unused_volumes()
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.confirm_prune, unused)

    @work(exit_on_error=False, group="actions")
    async def confirm_prune(self, unused: list[VolumeInfo]) -> None:
        if not unused:
            self.notify("No unused volumes: nothing to prune")
            return
        # The confirmation lists these volumes: they, and only they, are what will go.
        await self.execute("volume.prune", list(unused), self.performers()["volume.prune"])

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
    def load_detail(self, volume: VolumeInfo) -> None:
        raw = self.engine.inspect_volume(volume.name)
        if not get_current_worker().is_cancelled:
            screen = DetailScreen(f"volume {volume.name}", volume_sections(volume, raw))
            self.app.call_from_thread(self.app.push_screen, screen)
