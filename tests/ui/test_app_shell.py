"""The shell itself: areas by key, the minimum-size notice. Fixed backends: no engine behaviour is tested here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import TabbedContent, TabPane

from tests.ui.fixed_backends import FixedDocker, FixedKube
from tests.ui.test_app_live import until
from tui.app import AREAS, make_app
from tui.audit import AuditLog
from tui.views.kube_area import KubeArea
from tui.views.live_view import LiveView
from widgets.prompt import PromptDialog


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
            assert app.focused is app.area_table(area)


async def test_a_number_key_after_a_filter_moves_the_area_and_the_focus_together(tmp_path: Path) -> None:
    # The focus left on a table of the area being hidden once pulled the tabs back to it.
    app = make_app(FixedDocker(), FixedKube(), AuditLog(tmp_path / "audit.jsonl"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("slash", "w", "e", "b", "enter", "3")
        await pilot.pause()
        assert app.screen.query_one("#areas", TabbedContent).active == "compose"
        assert app.focused is app.area_table("compose")


def record_starts(monkeypatch: Any) -> list[tuple[str, str]]:
    """What happens, in order: ("start", view id) when a view starts following, ("listed", view id) when it
    applies its first list."""
    events: list[tuple[str, str]] = []
    start, apply_delta = LiveView.start, LiveView.apply_delta

    def spy_start(view: LiveView) -> None:
        if not view._started:
            events.append(("start", str(view.id)))
        start(view)

    def spy_apply(view: LiveView, delta: Any) -> None:
        if view.last_updated is None and ("listed", str(view.id)) not in events:
            events.append(("listed", str(view.id)))
        apply_delta(view, delta)

    monkeypatch.setattr(LiveView, "start", spy_start)
    monkeypatch.setattr(LiveView, "apply_delta", spy_apply)
    return events


async def test_hidden_areas_start_after_the_first_list_of_the_area_shown(tmp_path: Path, monkeypatch: Any) -> None:
    events = record_starts(monkeypatch)
    app = make_app(FixedDocker(), FixedKube(), AuditLog(tmp_path / "audit.jsonl"))
    async with app.run_test(size=(120, 30)) as pilot:
        assert [p.id for p in app.screen.query(TabPane) if p.children] == ["containers"]  # the others open later
        await until(pilot, lambda: ("start", "images-view") in events, 10, "the hidden areas to start")
        assert events.index(("listed", "containers-view")) < events.index(("start", "images-view"))


async def test_an_area_chosen_at_once_lists_before_the_hidden_ones_start(tmp_path: Path, monkeypatch: Any) -> None:
    # A person who types 4 as portside opens wants the pods first: the areas left hidden wait for that list.
    events = record_starts(monkeypatch)
    app = make_app(FixedDocker(), FixedKube(), AuditLog(tmp_path / "audit.jsonl"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("4")
        await until(pilot, lambda: ("start", "images-view") in events, 10, "the hidden areas to start")
        pods = app.screen.query_one(KubeArea).current
        assert events.index(("listed", str(pods.id))) < events.index(("start", "images-view"))


async def test_every_area_gets_its_feed_thread_even_on_a_small_machine(tmp_path: Path) -> None:
    """Each live table holds a worker thread for as long as it lives; the default pool (cores + 4) starved them."""
    app = make_app(FixedDocker(), FixedKube(), AuditLog(tmp_path / "audit.jsonl"))
    async with app.run_test(size=(120, 30)) as pilot:
        opened = lambda: all(app.screen.query(f"#{area}-view ResourceTable") for area, _ in AREAS)  # noqa: E731
        await until(pilot, opened, 10, "every area opened")
        tables = [app.area_table(area) for area, _ in AREAS]
        await until(pilot, lambda: all(t.records for t in tables), 10, "every area's first snapshot")


async def jump(pilot: Pilot[Any], name: str) -> None:
    await pilot.press("colon")
    await until(pilot, lambda: isinstance(pilot.app.screen, PromptDialog), what="the go-to prompt")
    for char in name:
        await pilot.press(char)
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(pilot.app.screen, PromptDialog), what="the prompt to close")


async def test_colon_jumps_to_areas_and_kubernetes_kinds_by_name_or_short_name(tmp_path: Path) -> None:
    app = make_app(FixedDocker(), FixedKube(), AuditLog(tmp_path / "audit.jsonl"))
    async with app.run_test(size=(120, 30)) as pilot:
        areas = app.screen.query_one("#areas", TabbedContent)
        await jump(pilot, "images")
        assert areas.active == "images"
        await jump(pilot, "deploy")
        kube = app.screen.query_one(KubeArea)
        await until(pilot, lambda: areas.active == "kube" and kube.kind == "deployments", what="the deployments")
        assert app.focused is kube.current.table
        await jump(pilot, "po")
        await until(pilot, lambda: kube.kind == "pods", what="back to pods")
        assert kube.current.id == "pods-view"


async def test_colon_refuses_an_unknown_name_and_stays_open(tmp_path: Path) -> None:
    app = make_app(FixedDocker(), FixedKube(), AuditLog(tmp_path / "audit.jsonl"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("colon")
        await until(pilot, lambda: isinstance(app.screen, PromptDialog), what="the go-to prompt")
        for char in "nothing":
            await pilot.press(char)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptDialog)
        assert "no area or kind" in str(app.screen.query_one(".prompt-error").render())
