"""SVG snapshots of the main screens on fixed data (update with --snapshot-update after a deliberate change)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.ui.fixed_backends import FixedDocker, FixedKube
from tests.ui.test_app_live import until
from tui.app import AREAS, make_app
from tui.audit import AuditLog
from widgets.resource_table import ResourceTable
from widgets.target_bar import TargetBar


def app(tmp_path: Path, *, readonly: bool = False) -> Any:
    return make_app(FixedDocker(), FixedKube(), AuditLog(tmp_path / "audit.jsonl"), readonly=readonly)


async def settle(pilot: Pilot[Any]) -> None:
    """Wait (bounded) until every table is filled and both backends show in the target bar."""
    tables = pilot.app.screen.query(ResourceTable)
    bar = pilot.app.screen.query_one(TargetBar)
    await until(
        pilot,
        lambda: all(t.row_count for t in tables) and bar.docker[1] == bar.kube[1] == "ok",
        10,
        "the fixed feeds to fill every table",
    )
    await pilot.pause()


@pytest.mark.parametrize("area", [area for area, _ in AREAS])
def test_area_snapshot(snap_compare: Any, tmp_path: Path, area: str) -> None:
    async def show(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press(str([a for a, _ in AREAS].index(area) + 1))
        await pilot.pause()

    assert snap_compare(app(tmp_path), terminal_size=(120, 30), run_before=show)


def test_readonly_badge_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(app(tmp_path, readonly=True), terminal_size=(100, 24), run_before=settle)
