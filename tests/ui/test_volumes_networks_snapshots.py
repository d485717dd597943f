"""SVG snapshots of the Volumes and Networks views on fixed data (--snapshot-update after a deliberate change)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from tests.ui.fixed_backends import FixedDocker
from tests.ui.test_app_live import until
from tests.ui.test_volumes_networks import ViewApp
from tui.audit import AuditLog
from widgets.detail_screen import DetailScreen
from widgets.resource_table import ResourceTable


async def settle(pilot: Pilot[Any]) -> None:
    """Wait (bounded) until the fixed feed has filled the table."""
    table = pilot.app.screen.query_one(ResourceTable)
    await until(pilot, lambda: table.row_count, 10, "the fixed feed to fill the table")
    await pilot.pause()


@pytest.mark.parametrize("kind", ["volume", "network"])
def test_view_snapshot(snap_compare: Any, tmp_path: Path, kind: str) -> None:
    app = ViewApp(kind, FixedDocker(), AuditLog(tmp_path / "audit.jsonl"))
    assert snap_compare(app, terminal_size=(120, 24), run_before=settle)


def test_network_detail_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    async def open_detail(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        table = pilot.app.screen.query_one(ResourceTable)
        table.move_cursor(row=table.get_row_index("54" * 32))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, DetailScreen), 10, "the detail screen")
        pilot.app.screen.query_one(TabbedContent).active = "section-1"  # the connected containers
        await pilot.pause()

    app = ViewApp("network", FixedDocker(), AuditLog(tmp_path / "audit.jsonl"))
    assert snap_compare(app, terminal_size=(100, 20), run_before=open_detail)
