"""Containers area against the real engine: actions with confirmation, bulk marks, filter, inspect, exec."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import DataTable

from tests.conftest import wait_for
from tests.ui.test_app_live import app_for, filter_by, table, until
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import NotFound
from tui.audit import AuditLog
from tui.views.containers import ContainersView
from tui.views.log_screen import LogScreen
from widgets.detail_screen import DetailScreen
from widgets.dialogs import ConfirmDialog
from widgets.log_view import LogView
from widgets.prompt import PromptDialog


def state_of(engine: DockerEngine, cid: str) -> str | None:
    found = engine.get_container(cid)
    return found.state if found else None


async def select(pilot, app, cid: str) -> None:  # type: ignore[no-untyped-def]
    rows = table(app, "containers")
    await until(pilot, lambda: cid in rows.records, what="the container row")
    rows.move_cursor(row=rows.get_row_index(cid))


@pytest.mark.parametrize(
    ("key", "action", "expected"),
    [
        ("R", "container.restart", "running"),
        ("ctrl+k", "container.kill", "exited"),
        ("z", "container.pause", "paused"),
    ],
)
async def test_action_asks_then_changes_the_real_container(
    docker_engine: DockerEngine,
    container_factory: Callable[..., str],
    test_namespace: str,
    audit: AuditLog,
    key: str,
    action: str,
    expected: str,
) -> None:
    cid = container_factory()
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await select(pilot, app, cid)
        await pilot.press(key)
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: audit.read(), 30, "the audit record")
        rows = table(app, "containers")
        await until(pilot, lambda: rows.records[cid].state == expected, 30, f"the row to show {expected}")
    assert state_of(docker_engine, cid) == expected
    assert audit.read()[-1]["action"] == action and audit.read()[-1]["result"] == "ok"
    if expected == "paused":
        docker_engine.unpause_container(cid)


async def test_remove_through_the_app_removes_the_row_and_the_container(
    docker_engine: DockerEngine, container_factory: Callable[..., str], test_namespace: str, audit: AuditLog
) -> None:
    cid = container_factory(start=False)
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await select(pilot, app, cid)
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the confirmation")
        assert app.screen.cli.startswith("docker rm ")  # type: ignore[attr-defined]
        await pilot.press("y")
        await until(pilot, lambda: cid not in table(app, "containers").records, 30, "the row to go")
    with pytest.raises(NotFound):
        docker_engine.inspect_container(cid)


async def test_bulk_stop_of_marked_containers_asks_once_and_stops_all(
    docker_engine: DockerEngine, container_factory: Callable[..., str], test_namespace: str, audit: AuditLog
) -> None:
    ids = [container_factory() for _ in range(2)]
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        for cid in ids:
            await select(pilot, app, cid)
            await pilot.press("space")
        assert table(app, "containers").marked == set(ids)
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="one confirmation for both")
        assert len(app.screen.objects) == 2  # type: ignore[attr-defined]
        await pilot.press("y")
        await until(pilot, lambda: audit.read(), 60, "the audit record")
    wait_for(lambda: all(state_of(docker_engine, c) == "exited" for c in ids), 30, "both stopped")
    (record,) = audit.read()
    assert sorted(record["objects"]) == sorted(docker_engine.get_container(c).name for c in ids)  # type: ignore[union-attr]


async def test_filter_and_running_toggle_narrow_the_list(
    container_factory: Callable[..., str], test_namespace: str, audit: AuditLog
) -> None:
    running = container_factory()
    stopped = container_factory(start=False)
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        rows = table(app, "containers")
        await until(pilot, lambda: {running, stopped} <= set(rows.records), what="both rows")
        name = rows.records[running].name
        await filter_by(pilot, name)
        await until(pilot, lambda: set(rows.records) == {running}, what="only the filtered container")
        await pilot.press("escape")
        await until(pilot, lambda: {running, stopped} <= set(rows.records), what="the filter cleared")
        await pilot.press("a")
        await until(pilot, lambda: stopped not in rows.records and running in rows.records, what="running only")


async def test_opening_the_filter_makes_the_search_texts_before_the_first_key(
    container_factory: Callable[..., str], test_namespace: str, audit: AuditLog
) -> None:
    made = container_factory()
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        rows = table(app, "containers")
        await until(pilot, lambda: made in rows.records, what="the container's row")
        view = app.query_one(ContainersView)
        assert len(view.search_index) == 0  # nothing is indexed until someone filters
        await pilot.press("slash")
        await until(pilot, lambda: len(view.search_index) >= len(view.records), what="every record indexed")
        assert view.filter_text == ""  # before any key was typed


async def test_inspect_masks_secret_env_values(
    container_factory: Callable[..., str], test_namespace: str, audit: AuditLog
) -> None:
    cid = container_factory(environment={"DB_PASSWORD": "hunter2", "GREETING": "hello"})
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await select(pilot, app, cid)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), what="the inspect screen")
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        env = next(s for s in screen.sections if s.title == "Env")
        values = dict(env.rows)
        assert values["GREETING"] == "hello" and values["DB_PASSWORD"] != "hunter2"
        raw = next(s for s in screen.sections if s.title == "JSON")
        assert "hunter2" not in raw.text
        await pilot.press("right")  # the Env tab
        await pilot.press("tab")  # into its table
        table = screen.query_one("#table-1", DataTable)
        assert screen.focused is table
        secret_row = [name for name, _ in env.rows].index("DB_PASSWORD")
        table.move_cursor(row=secret_row)
        assert "hunter2" not in str(table.get_row_at(secret_row))
        await pilot.press("v")
        assert table.get_row_at(secret_row)[1].plain == "hunter2"  # revealed on request, on this screen only


async def test_exec_command_runs_in_the_container_and_shows_output(
    container_factory: Callable[..., str], test_namespace: str, audit: AuditLog
) -> None:
    cid = container_factory()
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await select(pilot, app, cid)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, PromptDialog), what="the command prompt")
        for char in "echo portside-was-here":
            await pilot.press(char if char != " " else "space")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), 30, "the output")
        assert "portside-was-here" in app.screen.sections[0].text  # type: ignore[attr-defined]
    assert audit.read()[-1]["action"] == "container.exec"


async def test_readonly_refuses_every_container_mutation(
    docker_engine: DockerEngine, container_factory: Callable[..., str], test_namespace: str, audit: AuditLog
) -> None:
    cid = container_factory()
    app = app_for(test_namespace, audit, readonly=True)
    keys = ["U", "S", "R", "z", "Z", "ctrl+k", "ctrl+d", "ctrl+x", "s", "x"]
    async with app.run_test(size=(120, 40)) as pilot:
        await select(pilot, app, cid)
        for n, key in enumerate(keys, start=1):
            await pilot.press(key)
            if isinstance(app.screen, PromptDialog):  # exec asks for the command first
                for char in "true":
                    await pilot.press(char)
                await pilot.press("enter")
            await until(pilot, lambda n=n: len(audit.read()) >= n, 30, f"the refusal of {key}")
            assert not isinstance(app.screen, ConfirmDialog)
    assert {r["confirmation"] for r in audit.read()} == {"refused"}
    assert state_of(docker_engine, cid) == "running"


async def test_l_opens_the_logs_of_the_selected_container(
    container_factory: Callable[..., str], test_namespace: str, audit: AuditLog
) -> None:
    cid = container_factory("sh -c 'echo first-line; echo second-line; sleep 3600'")
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await select(pilot, app, cid)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogScreen), what="the log screen")
        view = app.screen.query_one(LogView)
        await until(pilot, lambda: "second-line" in view.visible_text(), 30, "the container's own output")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, LogScreen), what="back to the list")
