"""The shell itself: areas by key, the minimum-size notice. Fixed backends: no engine behaviour is tested here."""

from __future__ import annotations

from pathlib import Path

from tests.ui.fixed_backends import FixedDocker, FixedKube
from tests.ui.test_app_live import until
from tui.app import AREAS, make_app
from tui.audit import AuditLog


async def test_below_80x24_a_notice_covers_the_app_and_goes_when_enlarged(tmp_path: Path) -> None:
    app = make_app(FixedDocker(), FixedKube(), AuditLog(tmp_path / "audit.jsonl"))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#too-small").display
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.screen.query_one("#too-small").display


async def test_number_keys_switch_areas(tmp_path: Path) -> None:
    app = make_app(FixedDocker(), FixedKube(), AuditLog(tmp_path / "audit.jsonl"))
    async with app.run_test(size=(120, 30)) as pilot:
        for number, (area, _) in enumerate(AREAS, start=1):
            await pilot.press(str(number))
            await pilot.pause()
            assert app.screen.query_one("#areas").active == area  # type: ignore[attr-defined]
            assert app.focused is not None and app.focused.parent is not None
            assert app.focused.parent.id == f"{area}-view"


async def test_every_area_gets_its_feed_thread_even_on_a_small_machine(tmp_path: Path) -> None:
    """Each live table holds a worker thread for as long as it lives; the default pool (cores + 4) starved them."""
    app = make_app(FixedDocker(), FixedKube(), AuditLog(tmp_path / "audit.jsonl"))
    async with app.run_test(size=(120, 30)) as pilot:
        views = [app.screen.query_one(f"#{area}-view") for area, _ in AREAS]
        await until(pilot, lambda: all(v.records for v in views), 10, "every area's first snapshot")  # type: ignore[attr-defined]
