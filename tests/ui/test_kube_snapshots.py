"""SVG snapshots of the Kubernetes views on fixed data: pods, deployments (desired vs current), nodes, the
cluster view and a pod's describe (update with --snapshot-update after a deliberate change)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.ui.fixed_backends import FixedDocker, FixedKube
from tests.ui.test_app_live import until
from tui.app import make_app
from tui.audit import AuditLog
from tui.views.kube_area import KubeArea
from widgets.detail_screen import DetailScreen

SIZE = (120, 30)


def app(tmp_path: Path) -> Any:
    return make_app(FixedDocker(), FixedKube(), AuditLog(tmp_path / "audit.jsonl"))


async def show(pilot: Pilot[Any], kind: str) -> None:
    await pilot.press("4")
    area = pilot.app.screen.query_one(KubeArea)
    await area.show(kind)
    view = area.current
    await until(pilot, lambda: view.table.row_count > 0 and view.last_updated is not None, 10, kind)
    view.table.focus()
    await pilot.pause()


@pytest.mark.parametrize("kind", ["pods", "deployments", "nodes"])
def test_kind_snapshot(snap_compare: Any, tmp_path: Path, kind: str) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await show(pilot, kind)
        if kind == "deployments":  # the lagging one, so that its rollout line shows
            view = pilot.app.screen.query_one(KubeArea).current
            key = next(k for k, r in view.table.records.items() if r.name == "api")
            view.table.select_key(key)
            await pilot.pause()

    assert snap_compare(app(tmp_path), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize(("kind", "key"), [("nodes", "c"), ("pods", "d")])
def test_detail_snapshot(snap_compare: Any, tmp_path: Path, kind: str, key: str) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await show(pilot, kind)
        await pilot.press(key)
        await until(pilot, lambda: isinstance(pilot.app.screen, DetailScreen), 10, "the detail screen")
        await pilot.pause()

    assert snap_compare(app(tmp_path), terminal_size=SIZE, run_before=run_before)
