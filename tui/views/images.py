"""Images area: local images, live from engine image events."""

from __future__ import annotations

from tui.actions import Gateway
from tui.adapters.docker_engine import DockerEngine
from tui.format import age, human_size, short_id
from tui.views.live_view import LiveView
from widgets.resource_table import Column


class ImagesView(LiveView):
    COLUMNS = [
        Column("name", "REPOSITORY:TAG", lambda i: i.name),
        Column("id", "ID", lambda i: short_id(i.id)),
        Column("size", "SIZE", lambda i: human_size(i.size)),
        Column("created", "CREATED", lambda i: age(i.created), volatile=True),
        Column("tags", "OTHER TAGS", lambda i: ", ".join(i.tags[1:])),
    ]
    NOUN = "images"

    def __init__(self, engine: DockerEngine, gateway: Gateway, **kwargs: object) -> None:
        super().__init__(engine.watch_images, gateway, **kwargs)
        self.engine = engine

    def target(self) -> str:
        return f"docker {self.engine.endpoint}"
