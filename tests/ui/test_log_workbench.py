"""The log workbench (issue #6): context lines, wrap, JSON, sources, copy, windows, save and the dropped counter.

The LogView is driven alone first, on fixed lines; then LogScreen follows real containers of the sandbox (a
3-service compose stack for merged logs). Containers run without a network: they only print.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from textual.pilot import Pilot
from textual.widgets import Input

from tests.conftest import pod_manifest, unique
from tests.ui.test_app_live import filter_by, until
from tests.ui.test_logs import LogApp, open_logs, portside
from tui.adapters.compose_engine import ComposeEngine
from tui.adapters.compose_model import load_project
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.log_lines import LogWindow
from tui.app import PortsideApp
from tui.audit import AuditLog
from tui.views.compose_logs import StackLogScreen, stack_log_screen
from tui.views.log_screen import LogScreen, pod_log_screen
from widgets.log_buffer import LogLine
from widgets.log_view import LogLines, LogView
from widgets.prompt import PromptDialog

NUMBERED = "for i in $(seq 1 30); do echo line $i; done; exec sleep 3600"
CONTEXT_ROWS = ["line 5", "line 6", "line 7", "line 8", "line 9", "line 10", "--"]
CONTEXT_ROWS += [f"line {n}" for n in range(18, 23)]


def quiet(factory: Callable[..., str], script: str) -> str:
    """A container that runs ``script`` with no network at all (it only prints)."""
    return factory(["sh", "-c", script], network_disabled=True)


# ---- LogView alone, on fixed lines


async def test_context_key_shows_two_neighbours_of_each_match_with_a_separator_between_groups() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 30)) as pilot:
        app.view.write_lines(f"line {n}" for n in range(1, 31))
        await until(pilot, lambda: app.view.line_count == 30, 5, "the lines")
        await filter_by(pilot, "^line (7|8|20)$", "enter")
        await until(pilot, lambda: app.view.shown_count == 3, 5, "the filter")
        await pilot.press("c")
        await until(pilot, lambda: app.view.shown_count == 11, 5, "two lines of context")
        await pilot.pause()
        assert app.view.visible_text() == CONTEXT_ROWS
        assert "context 2" in app.view.status_text()
        app.view.write_lines(["line 31", "line 7"])  # a new match brings its before-context along
        await until(pilot, lambda: app.view.shown_count == 14, 5, "the new match and its neighbours")
        await pilot.pause()
        assert app.view.visible_text()[-4:] == ["--", "line 30", "line 31", "line 7"]
        await pilot.press("c", "c", "c")  # 5, 10, back to 0
        await until(pilot, lambda: app.view.shown_count == 4, 5, "no context")
        assert "context" not in app.view.status_text()


async def test_wrap_folds_a_long_line_at_the_width_and_unwraps_it_again() -> None:
    app = LogApp()
    async with app.run_test(size=(40, 12)) as pilot:
        long = "".join(str(n % 10) for n in range(100))
        app.view.write_lines(["short", long])
        await until(pilot, lambda: app.view.line_count == 2, 5, "the lines")
        await pilot.pause()
        assert app.view.visible_text() == ["short", long]
        await pilot.press("w")
        await pilot.pause()
        width = app.query_one(LogLines).size.width
        folded = app.view.visible_text()
        assert folded[0] == "short"
        assert "".join(folded[1:]) == long
        assert all(len(part) <= width for part in folded) and len(folded) == 1 + -(-100 // width)
        assert "wrap" in app.view.status_text()
        await pilot.press("w")
        await pilot.pause()
        assert app.view.visible_text() == ["short", long]


async def test_wrapped_layout_built_batch_by_batch_equals_the_layout_built_at_once() -> None:
    app = LogApp(max_lines=300)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.press("w")
        await filter_by(pilot, "7", "enter", "c")
        for batch in range(20):
            app.view.write_lines(f"{batch}-{n} " + "x" * ((batch * 50 + n) % 97) for n in range(50))
            await until(pilot, lambda batch=batch: app.view.buffer.total == (batch + 1) * 50, 5, "the batch")
        lines = app.query_one(LogLines)
        assert app.view.dropped == 700 and lines.row_count > 0

        def layout() -> tuple[list[int], int]:
            return [lines.visual_row(r) for r in range(lines.row_count)], lines.virtual_size.height

        built = layout()
        lines.set_display(wrap=True)  # lays every row out again
        assert layout() == built
        assert built[1] > lines.row_count  # some rows really fold


async def test_paused_wrapped_view_stays_on_the_same_lines_while_old_ones_drop() -> None:
    app = LogApp(max_lines=100)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.press("w")
        app.view.write_lines(f"{n} " + "y" * (n % 90) for n in range(1, 101))
        await until(pilot, lambda: app.view.line_count == 100, 5, "the lines")
        await pilot.pause()
        await pilot.press("pageup")
        await until(pilot, lambda: not app.view.following, 5, "following to pause")
        top = app.view.visible_text()
        app.view.write_lines(f"{n} " + "y" * (n % 90) for n in range(101, 111))  # drops 1..10
        await until(pilot, lambda: app.view.dropped == 10, 5, "the drop")
        await pilot.pause()
        assert app.view.visible_text() == top


async def test_json_key_pretty_prints_json_lines_and_leaves_the_others_alone() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.view.write_lines(['{"level": "info", "msg": "up"}', "plain line"])
        await until(pilot, lambda: app.view.line_count == 2, 5, "the lines")
        await pilot.press("J")
        await pilot.pause()
        assert app.view.visible_text() == ["{", '  "level": "info",', '  "msg": "up"', "}", "plain line"]
        await pilot.press("J")
        await pilot.pause()
        assert app.view.visible_text() == ['{"level": "info", "msg": "up"}', "plain line"]


async def test_filter_highlights_matches_inside_pretty_printed_json() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.view.write_lines(['{"level": "error", "msg": "disk full"}', '{"level": "info"}'])
        await pilot.press("J")
        await filter_by(pilot, "error", "enter")
        await until(pilot, lambda: app.view.shown_count == 1, 5, "the filter")
        await pilot.pause()
        lines = app.query_one(LogLines)
        match = lines.get_component_rich_style("log-lines--match")
        highlighted = [
            s.text for s in lines.render_line(1) if s.style is not None and s.style.bgcolor == match.bgcolor
        ]
        assert app.view.visible_text()[1] == '  "level": "error",'
        assert highlighted == ["error"]


class SourcesApp(LogApp):
    def compose(self) -> Any:
        yield LogView(show_source=True)


async def test_source_keys_hide_and_show_a_source_without_losing_its_lines() -> None:
    app = SourcesApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.view.write_lines([LogLine("web", "GET /"), LogLine("db", "query"), LogLine("web", "GET /a")])
        await until(pilot, lambda: app.view.line_count == 3, 5, "the lines")
        await pilot.pause()
        bar = app.view.query_one(".log-sources")
        assert bar.display and str(app.view.source_bar()) == "1 web  2 db  "
        await pilot.press("2")
        await until(pilot, lambda: app.view.shown_count == 2, 5, "db hidden")
        await pilot.pause()
        assert app.view.visible_text() == ["web GET /", "web GET /a"]
        assert "1 source hidden" in app.view.status_text()
        app.view.write_lines([LogLine("db", "later")])  # arrives while hidden: kept, not shown
        await until(pilot, lambda: app.view.line_count == 4, 5, "the new line")
        assert app.view.shown_count == 2
        await pilot.press("2")
        await until(pilot, lambda: app.view.shown_count == 4, 5, "db shown again")
        await pilot.pause()
        assert app.view.visible_text() == ["web GET /", "db  query", "web GET /a", "db  later"]


async def test_web_and_db_prefixes_get_different_theme_colours() -> None:
    app = SourcesApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.view.write_lines([LogLine("web", "a"), LogLine("db", "b")])
        await until(pilot, lambda: app.view.line_count == 2, 5, "the lines")
        await pilot.pause()
        lines = app.query_one(LogLines)
        colours = [next(s for s in lines.render_line(y) if s.text.strip()).style for y in (0, 1)]
        assert all(c is not None and c.color is not None for c in colours)
        assert colours[0] != colours[1]


async def test_copy_puts_the_shown_rows_in_view_on_the_clipboard() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.view.write_lines(["alpha", "beta", "gamma"])
        await filter_by(pilot, "a$", "enter")
        await until(pilot, lambda: app.view.shown_count == 3, 5, "the filter")
        await filter_by(pilot, "^(alpha|gamma)$", "enter")
        await until(pilot, lambda: app.view.shown_count == 2, 5, "the narrower filter")
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == "alpha\ngamma\n"


async def test_paused_view_counts_new_lines_and_follow_key_jumps_to_them() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.view.write_lines(str(n) for n in range(1, 101))
        await until(pilot, lambda: app.view.line_count == 100, 5, "the lines")
        await pilot.press("f")
        assert not app.view.following
        app.view.write_lines(["101", "102"])
        await until(pilot, lambda: "paused, 2 new lines" in app.view.status_text(), 5, "the new-lines marker")
        await pilot.press("f")
        await pilot.pause()
        assert app.view.following and app.view.visible_text()[-1] == "102"
        assert "new lines" not in app.view.status_text()


# ---- LogScreen on real containers


@pytest.fixture
def compose(docker_engine: DockerEngine) -> ComposeEngine:
    return ComposeEngine(docker_engine)


@pytest.fixture
def three_services(compose: ComposeEngine, tmp_path: Path) -> Iterator[str]:
    """A running 3-service stack whose services each print one line, then sleep; taken down after."""
    name = unique("ptwb")
    (tmp_path / name).mkdir()
    file = tmp_path / name / "compose.yaml"
    services = {
        service: {
            "image": "portside/busybox:latest",
            "init": True,
            "network_mode": "none",
            "labels": {"portside-test": "1"},
            "command": ["sh", "-c", f"echo hello from {service}; exec sleep 3600"],
        }
        for service in ("api", "cache", "db")
    }
    file.write_text(yaml.safe_dump({"services": services}))
    try:
        compose.up(load_project([file], environment={}), timeout=0)
        yield name
    finally:
        compose.down(name, volumes=True, timeout=0)


async def test_merged_logs_of_three_services_show_three_coloured_prefixes_and_a_toggle_hides_one(
    compose: ComposeEngine, three_services: str, audit: AuditLog
) -> None:
    app = portside(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = stack_log_screen(app.docker, three_services, compose.containers(three_services))
        await app.push_screen(screen)
        view = screen.log_view
        await until(pilot, lambda: view.line_count >= 3, 90, "a line of each service")
        await pilot.pause()
        assert sorted(view.visible_text()) == [
            "api   hello from api",
            "cache hello from cache",
            "db    hello from db",
        ]
        lines = screen.query_one(LogLines)
        colours = {next(s for s in lines.render_line(y) if s.text.strip()).style for y in range(3)}
        assert len(colours) == 3
        assert sorted(view.sources) == ["api", "cache", "db"]
        hidden = view.sources[1]
        await pilot.press("2")
        await until(pilot, lambda: view.shown_count == 2, 5, f"{hidden} hidden")
        assert all(not text.startswith(hidden) for text in view.visible_text())
        assert isinstance(app.screen, StackLogScreen)  # the digit toggled a source, it did not switch area


async def test_filter_with_two_lines_of_context_on_a_container_shows_matches_and_neighbours(
    docker_engine: DockerEngine, container_factory: Callable[..., str], audit: AuditLog
) -> None:
    cid = quiet(container_factory, NUMBERED)
    app = portside(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(app, docker_engine, cid)
        view = screen.log_view
        await until(pilot, lambda: view.line_count == 30, 30, "the 30 numbered lines")
        await filter_by(pilot, "^line (7|8|20)$", "enter", "c")
        await until(pilot, lambda: view.shown_count == 11, 5, "matches and context")
        await pilot.pause()
        assert view.visible_text() == CONTEXT_ROWS


async def save_through_dialog(pilot: Pilot[Any], app: PortsideApp, path: Path) -> None:
    await pilot.press("ctrl+s")
    await until(
        pilot, lambda: isinstance(app.screen, PromptDialog) and app.screen.query(Input), 10, "the save prompt"
    )
    app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")


async def test_save_writes_exactly_the_shown_lines_to_a_0600_file_and_audits_it(
    docker_engine: DockerEngine, container_factory: Callable[..., str], audit: AuditLog, tmp_path: Path
) -> None:
    cid = quiet(container_factory, NUMBERED)
    app = portside(audit)
    target = tmp_path / "saved.log"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(app, docker_engine, cid)
        view = screen.log_view
        await until(pilot, lambda: view.line_count == 30, 30, "the 30 numbered lines")
        await filter_by(pilot, "^line (7|8|20)$", "enter", "c")
        await until(pilot, lambda: view.shown_count == 11, 5, "matches and context")
        await save_through_dialog(pilot, app, target)
        await until(pilot, lambda: target.exists() and app.screen is screen, 10, "the file")
        await until(pilot, lambda: audit.read() != [], 10, "the audit record")
    assert target.read_text().splitlines() == [row for row in CONTEXT_ROWS if row != "--"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    [record] = audit.read()
    assert (record["action"], record["objects"], record["result"]) == ("log.save", [str(target)], "ok")


async def test_save_refuses_a_symbolic_link_and_reports_it(
    docker_engine: DockerEngine, container_factory: Callable[..., str], audit: AuditLog, tmp_path: Path
) -> None:
    cid = quiet(container_factory, NUMBERED)
    victim = tmp_path / "victim"
    victim.write_text("untouched\n")
    link = tmp_path / "link.log"
    link.symlink_to(victim)
    app = portside(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(app, docker_engine, cid)
        await until(pilot, lambda: screen.log_view.line_count == 30, 30, "the lines")
        await save_through_dialog(pilot, app, link)
        await until(pilot, lambda: audit.read() != [], 10, "the audit record")
    assert victim.read_text() == "untouched\n"
    assert "symbolic link" in audit.read()[0]["result"]


async def test_json_key_on_a_container_log_indents_its_json_line(
    docker_engine: DockerEngine, container_factory: Callable[..., str], audit: AuditLog
) -> None:
    cid = quiet(container_factory, """echo '{"level":"warn","msg":"slow","ms":[12,40]}'; exec sleep 3600""")
    app = portside(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(app, docker_engine, cid)
        await until(pilot, lambda: screen.log_view.line_count == 1, 30, "the JSON line")
        await pilot.press("J")
        await pilot.pause()
        assert screen.log_view.visible_text() == [
            "{",
            '  "level": "warn",',
            '  "msg": "slow",',
            '  "ms": [',
            "    12,",
            "    40",
            "  ]",
            "}",
        ]


async def test_dropped_counter_is_shown_when_the_buffer_overflows(
    docker_engine: DockerEngine, container_factory: Callable[..., str], audit: AuditLog
) -> None:
    cid = quiet(container_factory, "seq 1 200; exec sleep 3600")
    container = docker_engine.get_container(cid)
    assert container is not None
    app = portside(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = LogScreen(
            "small",
            open_window=lambda w: app.docker.container_logs(cid, tail=w.tail, since=w.since()),
            max_lines=50,
        )
        await app.push_screen(screen)
        view = screen.log_view
        await until(pilot, lambda: view.buffer.total == 200, 30, "all 200 lines")
        await pilot.pause()
        status = str(screen.query_one(".log-status").render())
        assert "50 of 50 lines · 150 dropped (keeping the last 50)" in status
        assert view.visible_text()[-1] == "200"


async def test_window_key_reopens_the_stream_with_the_next_window(
    docker_engine: DockerEngine, container_factory: Callable[..., str], audit: AuditLog
) -> None:
    cid = quiet(container_factory, NUMBERED)
    app = portside(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(app, docker_engine, cid)
        view = screen.log_view
        await until(pilot, lambda: view.line_count == 30, 30, "the lines")
        first = screen.stream
        assert "window: tail 1000" in view.status_text()
        await pilot.press("W")
        await until(pilot, lambda: screen.stream is not None and screen.stream is not first, 30, "a new stream")
        await until(pilot, lambda: view.line_count == 30, 30, "the lines of the last minute")
        assert first is not None and first.closed
        assert "window: since 1m" in view.status_text()
        assert view.buffer.total == 30  # the old stream's lines were replaced, not appended to


async def test_since_window_reopens_with_only_the_recent_lines(
    docker_engine: DockerEngine, container_factory: Callable[..., str], audit: AuditLog
) -> None:
    # Three seconds pass in the container between the old lines and the new one; the window starts halfway.
    cid = quiet(container_factory, "echo old-1; echo old-2; sleep 3; echo new-1; exec sleep 3600")
    app = portside(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(app, docker_engine, cid)
        view = screen.log_view
        await until(pilot, lambda: view.line_count == 3, 30, "old and new lines")
        old, new = view.buffer[1].timestamp, view.buffer[2].timestamp
        assert old is not None and new is not None and (new - old).total_seconds() >= 2.5
        halfway = old + (new - old) / 2
        seconds = (datetime.now(UTC) - halfway).total_seconds()
        screen.set_window(LogWindow("since halfway", since_seconds=seconds))
        await until(pilot, lambda: view.line_count >= 1, 30, "the recent line")
        await pilot.pause()
        assert [line.text for line in view.buffer] == ["new-1"]
        assert "window: since halfway" in view.status_text()


async def test_a_log_without_windows_says_so_on_the_window_key(
    docker_engine: DockerEngine, container_factory: Callable[..., str], audit: AuditLog
) -> None:
    cid = quiet(container_factory, NUMBERED)
    app = portside(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = LogScreen("once", lambda: app.docker.container_logs(cid))
        await app.push_screen(screen)
        await until(pilot, lambda: screen.log_view.line_count == 30, 30, "the lines")
        stream = screen.stream
        await pilot.press("W")
        await pilot.pause()
        assert screen.stream is stream and screen.log_view.line_count == 30
        assert "window" not in screen.log_view.status_text()


async def test_pod_log_since_window_keeps_only_the_recent_lines(
    kube_admin: KubeCluster, test_namespace: str, audit: AuditLog
) -> None:
    name = unique("pod")
    script = "echo old-1; sleep 3; echo new-1; exec sleep 3600"
    kube_admin.request("POST", f"/api/v1/namespaces/{test_namespace}/pods", body=pod_manifest(name, script))
    app = portside(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = pod_log_screen(app.kube, test_namespace, name, "main")
        await app.push_screen(screen)
        view = screen.log_view

        def both_lines() -> bool:
            if screen.query_one(".log-title").has_class("-failed"):  # the pod was not running yet: again
                screen.set_window(screen.window)
            return view.line_count == 2

        await until(pilot, both_lines, 120, "old and new lines")
        old, new = view.buffer[0].timestamp, view.buffer[1].timestamp
        assert old is not None and new is not None
        halfway = old + (new - old) / 2
        screen.set_window(LogWindow("since halfway", since_seconds=(datetime.now(UTC) - halfway).total_seconds()))
        await until(pilot, lambda: view.line_count >= 1, 30, "the recent line")
        await pilot.pause()
        assert [line.text for line in view.buffer] == ["new-1"]
