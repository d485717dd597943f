"""Images area: local images live from engine image events, with how many containers use each one.

USED BY is counted again (one containers call) at each image relist, whenever the area is shown and after
each image action. Build, pull and push stream their output into a ProgressScreen; every
mutation goes through the gateway.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.worker import get_current_worker

from tui.actions import ActionObject, Gateway, Outcome, Result
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.docker_images import LayerInfo, ProgressStream, has_registry, parse_reference, reference_error
from tui.adapters.errors import BackendError
from tui.adapters.live import LiveFeed
from tui.adapters.models import ContainerInfo, Deleted, ImageInfo, Snapshot, Upserted
from tui.format import age, human_size, short_id
from tui.views.image_build import BuildForm, BuildSpec, ProgressScreen, PrunePreview
from tui.views.live_view import DockerView, action_bindings
from tui.views.run_form import run_from_form
from widgets.detail_screen import DetailScreen, Section
from widgets.prompt import PromptDialog
from widgets.resource_table import Column, ResourceTable

NONE_TAG = "<none>:<none>"


@dataclass(frozen=True)
class ImageRow:
    """A row of the table: the image and how many containers use it (None until the containers are known)."""

    image: ImageInfo
    used_by: int | None

    @property
    def key(self) -> str:
        return self.image.id

    @property
    def name(self) -> str:
        return self.image.name

    @property
    def dangling(self) -> bool:
        return not self.image.tags


def _name_cell(row: ImageRow) -> Text:
    return Text(row.name, style="dim" if row.dangling else "", no_wrap=True, overflow="ellipsis")


def _reference(obj: ActionObject) -> str:
    """What to hand the engine: the tag the dialog showed, or the full id of an untagged image."""
    return obj.name if ":" in obj.name else obj.id  # tags always hold a colon, short ids never do


class ImagesView(DockerView):
    COLUMNS = [
        Column("name", "REPOSITORY:TAG", _name_cell),
        Column("id", "ID", lambda r: short_id(r.image.id)),
        Column("size", "SIZE", lambda r: human_size(r.image.size)),
        Column("created", "CREATED", lambda r: age(r.image.created), volatile=True),
        Column("used", "USED BY", lambda r: "?" if r.used_by is None else str(r.used_by)),
        Column("tags", "OTHER TAGS", lambda r: ", ".join(r.image.tags[1:])),
    ]
    BINDINGS = [
        *action_bindings("image"),
        Binding("d,enter", "layers", "Layers", id="image.layers"),  # the table turns enter into RowSelected
        Binding("a", "toggle_dangling", "Dangling", id="image.dangling"),
    ]
    NOUN = "images"

    def engine_feed(self, engine: DockerEngine) -> LiveFeed[Any]:
        return engine.watch_images()

    def __init__(self, engine: DockerEngine, gateway: Gateway, **kwargs: Any) -> None:
        super().__init__(engine, gateway, **kwargs)
        self.images: dict[str, ImageInfo] = {}
        self.usage: dict[str, int] | None = None  # image id -> containers using it; None while unknown
        self.show_dangling = False
        self.last_context = os.getcwd()

    def on_show(self) -> None:
        self.count_users()  # containers may have come and gone while another area was shown

    # ---- rows: images (from the feed) with their users (counted), dangling ones hidden by default

    def apply_delta(self, delta: Snapshot[Any] | Upserted[Any] | Deleted) -> None:
        if isinstance(delta, Snapshot):
            self.images = {i.key: i for i in delta.items}
            self.count_users()  # an image event: count again too (one containers call)
        elif isinstance(delta, Upserted):
            self.images[delta.item.key] = delta.item
        else:
            self.images.pop(delta.key, None)
        self._rebuild()

    def _rebuild(self) -> None:
        """Rows from the images and their counts; the table changes only the rows and cells that differ."""
        usage = self.usage
        self.records = {
            key: ImageRow(image, None if usage is None else usage.get(key, 0))
            for key, image in self.images.items()
        }
        self.refilter()

    def shows(self, record: ImageRow) -> bool:
        return (self.show_dangling or not record.dangling) and super().shows(record)

    def summary(self) -> str:
        text = super().summary()
        dangling = sum(1 for r in self.records.values() if r.dangling)
        if dangling and not self.show_dangling:
            text += f" · {dangling} dangling hidden (a shows them)"
        return text

    def action_toggle_dangling(self) -> None:
        self.show_dangling = not self.show_dangling
        self.refilter()
        self._show_status(self.summary())

    @work(thread=True, exclusive=True, exit_on_error=False, group="usage")
    def count_users(self) -> None:
        """Count the containers of each image (one call, no long-lived thread: a feed would hold one)."""
        try:
            usage: dict[str, int] | None = self.engine.container_counts()
        except BackendError:
            usage = None  # shown as "?"; the images feed reports the engine's health
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._set_usage, usage)

    def _set_usage(self, usage: dict[str, int] | None) -> None:
        if usage != self.usage:
            self.usage = usage
            self._rebuild()

    # ---- layers

    @on(ResourceTable.RowSelected)
    def _row_selected(self, event: ResourceTable.RowSelected) -> None:
        event.stop()
        self.action_layers()

    def action_layers(self) -> None:
        row = self.table.selected
        if row is None:
            self.notify("Nothing selected", severity="warning")
            return
        self.show_layers(row.image)

    @work(thread=True, exclusive=True, exit_on_error=False, group="layers")
    def show_layers(self, image: ImageInfo) -> None:
        layers = self.engine.image_history(image.id)
        users = self.engine.containers_using(image.id)
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self.app.push_screen, layers_screen(image, layers, users))

    # ---- actions: the ones that need input ask first, then go through the gateway

    def action_object(self, record: ImageRow) -> ActionObject:
        image = record.image
        return ActionObject(id=image.id, name=image.tags[0] if image.tags else short_id(image.id))

    def performers(self) -> dict[str, Callable[[ActionObject], None]]:
        engine = self.engine
        return {
            "image.pull": self._streamed("Pull", lambda o: engine.pull_image(o.name)),
            "image.push": self._streamed("Push", lambda o: engine.push_image(o.name)),
            "image.remove": lambda o: engine.remove_image(_reference(o)),
            "image.remove_force": lambda o: engine.remove_image(_reference(o), force=True),
            # the exact images the preview and the dialog listed, not whatever is dangling by then
            "image.prune": lambda o: engine.remove_image(o.id),
        }

    def action_act(self, action_id: str) -> None:
        row: ImageRow | None = self.table.selected
        if action_id in ("image.pull", "image.build", "image.prune"):
            self.ask_then_act(action_id, row)
        elif action_id == "image.run":
            image = (row.image.tags[0] if row.image.tags else row.key) if row is not None else None
            self.run_worker(run_from_form(self, self.engine, image), group="actions", exit_on_error=False)
        elif action_id in ("image.push", "image.tag"):
            if row is None:
                self.notify("Nothing selected", severity="warning")
                return
            self.ask_then_act(action_id, row)
        else:
            super().action_act(action_id)

    @work(exit_on_error=False, group="actions")
    async def ask_then_act(self, action_id: str, row: ImageRow | None) -> None:
        if self.gateway.is_readonly(self.target()):
            # Refused whatever the answers would be: do not ask for them (the gateway audits the refusal).
            on_row = row is not None and action_id in ("image.push", "image.tag")
            objects = [self.action_object(row)] if row is not None and on_row else []
            await self._execute(action_id, objects, lambda o: None)
            return
        if action_id == "image.pull":
            await self._pull(row)
        elif action_id == "image.push" and row is not None:
            await self._push(row)
        elif action_id == "image.tag" and row is not None:
            await self._tag(row)
        elif action_id == "image.build":
            await self._build()
        elif action_id == "image.prune":
            await self._prune()

    async def _pull(self, row: ImageRow | None) -> None:
        current = row.image.tags[0] if row is not None and row.image.tags else ""
        reference = await self.app.push_screen_wait(
            PromptDialog(
                "Pull which image?",
                value=current,
                placeholder="[registry/]name[:tag]",
                validate=reference_error,
                hint="The tag defaults to latest.",
            )
        )
        if reference:
            await self._execute(
                "image.pull", [ActionObject(reference, reference)], self.performers()["image.pull"]
            )

    async def _push(self, row: ImageRow) -> None:
        tags = row.image.tags
        if not tags:
            self.notify("An untagged image cannot be pushed: tag it first (t)", severity="warning")
            return
        best = next((t for t in tags if has_registry(t)), tags[0])
        reference = await self.app.push_screen_wait(
            PromptDialog(
                "Push which tag?",
                value=best,
                validate=lambda v: None if v in tags else f"not a tag of this image ({', '.join(tags)})",
                hint=f"Tags: {', '.join(tags)}",
            )
        )
        if reference:
            await self._execute("image.push", [ActionObject(row.key, reference)], self.performers()["image.push"])

    async def _tag(self, row: ImageRow) -> None:
        source = self.action_object(row)
        answer = await self.app.push_screen_wait(
            PromptDialog(
                f"New tag for {source.name}",
                placeholder="[registry/]name[:tag]",
                validate=reference_error,
                hint="The tag defaults to latest.",
            )
        )
        if not answer:
            return
        repository, tag = parse_reference(answer)
        engine = self.engine
        await self._execute(
            "image.tag",
            [source],
            lambda o: engine.tag_image(o.id, repository, tag),
            details={"names": f"{source.name} {repository}:{tag}"},
        )

    async def _build(self) -> None:
        spec: BuildSpec | None = await self.app.push_screen_wait(BuildForm(self.last_context))
        if spec is None:
            return
        self.last_context = spec.context_dir
        engine = self.engine
        target = ActionObject(spec.context_dir, spec.tag or f"untagged build of {spec.context_dir}")
        perform = self._streamed(
            "Build", lambda o: engine.build_image(spec.context_dir, spec.dockerfile, spec.tag, spec.buildargs)
        )
        await self._execute("image.build", [target], perform, details={"names": spec.cli_args()})

    async def _prune(self) -> None:
        try:
            preview = await asyncio.to_thread(self.engine.dangling_images)
        except BackendError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        if not preview.images:
            self.notify("No dangling images")
            return
        if not await self.app.push_screen_wait(PrunePreview(preview)):
            return
        objects = [ActionObject(i.id, short_id(i.id)) for i in preview.images]
        await self._execute("image.prune", objects, self.performers()["image.prune"])

    async def _execute(
        self,
        action_id: str,
        objects: list[ActionObject],
        perform: Callable[[ActionObject], None],
        details: dict[str, str] | None = None,
    ) -> Result:
        result = await self.gateway.execute(action_id, self.target(), objects, perform, details=details)
        self.count_users()
        severity = {Outcome.DONE: "information", Outcome.DECLINED: "information"}.get(result.outcome, "error")
        self.notify(result.message, severity=severity, markup=False)  # type: ignore[arg-type]
        return result

    def _streamed(
        self, verb: str, open_stream: Callable[[ActionObject], ProgressStream]
    ) -> Callable[[ActionObject], None]:
        """A performer that runs a build/pull/push (in the gateway's thread) and shows it in a ProgressScreen."""

        def perform(obj: ActionObject) -> None:
            stream = open_stream(obj)  # bad input raises here, before any screen opens
            screen = ProgressScreen(f"{verb} {obj.name}", stream)
            self.app.call_from_thread(self.app.push_screen, screen)
            try:
                for progress in stream:
                    screen.feed(progress)
            except BackendError as error:
                screen.finish(str(error))
                raise
            if stream.cancelled:
                screen.finish("cancelled")
                raise BackendError(f"{verb.lower()} {obj.name}: cancelled")
            built = f" ({short_id(stream.image_id)})" if stream.image_id else ""
            screen.finish(None, f"{verb} {obj.name}{built}: done")

        return perform


def layers_screen(image: ImageInfo, layers: list[LayerInfo], users: list[ContainerInfo]) -> DetailScreen:
    """The image's history (its layers, newest first) and the containers created from it."""
    rows = tuple(
        (
            short_id(layer.id) if layer.id.startswith("sha256:") else layer.id,
            age(layer.created),
            human_size(layer.size),
            layer.instruction,
            layer.comment,
        )
        for layer in layers
    )
    sections = [Section("Layers", columns=("ID", "CREATED", "SIZE", "CREATED BY", "COMMENT"), rows=rows)]
    if users:
        used = tuple((c.name, c.state, c.status) for c in sorted(users, key=lambda c: c.name))
        sections.append(Section(f"Used by ({len(users)})", columns=("CONTAINER", "STATE", "STATUS"), rows=used))
    else:
        sections.append(Section("Used by (0)", text="No container uses this image."))
    tags = "\n".join(image.tags) or NONE_TAG
    sections.append(Section("Image", text=f"ID      {image.id}\nSize    {human_size(image.size)}\nTags\n{tags}"))
    return DetailScreen(f"Layers of {image.name} ({short_id(image.id)})", sections)
