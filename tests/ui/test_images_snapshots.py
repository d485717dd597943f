"""SVG snapshots of the Images area and of an image's layers, on fixed data (update with --snapshot-update)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.ui.fixed_backends import CONTAINERS, FixedDocker, FixedFeed, FixedKube
from tests.ui.test_app_live import until
from tests.ui.test_snapshots import settle
from tui.adapters.docker_images import LayerInfo
from tui.adapters.models import ContainerInfo, ImageInfo
from tui.app import make_app
from tui.audit import AuditLog
from widgets.detail_screen import DetailScreen
from widgets.resource_table import ResourceTable

# Ages are shown relative to now: keep them a fixed distance from now so the snapshots stay the same.
NOW = datetime.now(UTC)
BUSYBOX_ID = "sha256:" + "d6" * 32
WEB_ID = "sha256:" + "a1" * 32
IMAGES = (
    ImageInfo(BUSYBOX_ID, ("portside/busybox:latest",), 2_011_136, NOW - timedelta(days=3)),
    ImageInfo(
        WEB_ID,
        ("portside-demo/web:1.4", "127.0.0.1:5000/portside-demo/web:1.4"),
        2_011_190,
        NOW - timedelta(hours=5),
    ),
    ImageInfo("sha256:" + "0f" * 32, (), 2_011_160, NOW - timedelta(hours=6)),  # dangling: hidden
)
LAYERS = [
    LayerInfo(WEB_ID, '/bin/sh -c #(nop)  CMD ["httpd", "-f", "-p", "80"]', 0, NOW - timedelta(hours=5)),
    LayerInfo("<missing>", "/bin/sh -c #(nop)  LABEL portside-demo=web", 0, NOW - timedelta(hours=5)),
    LayerInfo("<missing>", "/bin/sh -c echo '<h1>hello</h1>' > /www/index.html", 54, NOW - timedelta(hours=5)),
    LayerInfo("<missing>", "|1 PORT=80 /bin/sh -c mkdir -p /www", 0, NOW - timedelta(hours=5)),
    LayerInfo(BUSYBOX_ID, "", 2_011_136, NOW - timedelta(days=3), "Imported from -", ("portside/busybox:latest",)),
]
USERS = [
    ContainerInfo("e1" * 32, "web-1", "portside-demo/web:1.4", WEB_ID, "running", "Up 5 hours", NOW),
    ContainerInfo("e2" * 32, "web-2", "portside-demo/web:1.4", WEB_ID, "exited", "Exited (0) 1 hour ago", NOW),
]


class FixedImagesDocker(FixedDocker):
    def watch_images(self) -> FixedFeed:  # type: ignore[override]
        return FixedFeed(IMAGES)

    def watch_containers(self) -> FixedFeed:  # type: ignore[override]
        return FixedFeed(CONTAINERS + tuple(USERS))

    def container_counts(self) -> dict[str, int]:
        return {BUSYBOX_ID: 5, WEB_ID: len(USERS)}

    def image_history(self, image_id: str) -> list[LayerInfo]:
        return LAYERS

    def containers_using(self, image_id: str) -> list[ContainerInfo]:
        return USERS


def app(tmp_path: Path) -> Any:
    return make_app(FixedImagesDocker(), FixedKube(), AuditLog(tmp_path / "audit.jsonl"))


async def show_images(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("1")
    view = pilot.app.screen.query_one("#images-view")
    await until(pilot, lambda: view.usage is not None, 10, "the USED BY counts from their worker")  # type: ignore[attr-defined]
    await pilot.pause()


def test_images_area_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(app(tmp_path), terminal_size=(120, 30), run_before=show_images)


def test_image_layers_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    async def show_layers(pilot: Pilot[Any]) -> None:
        await show_images(pilot)
        rows = pilot.app.screen.query_one("#images-view ResourceTable", ResourceTable)
        rows.move_cursor(row=rows.get_row_index(WEB_ID))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, DetailScreen), 10, "the layers screen")
        await pilot.pause()

    assert snap_compare(app(tmp_path), terminal_size=(120, 30), run_before=show_layers)
