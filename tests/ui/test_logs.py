"""Logs: LogView on its own (filter, follow, bounds), and LogScreen following real containers of the sandbox
(without a network: they only print)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.worker import WorkerState

from tests.ui.test_app_live import filter_by, until
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.app import PortsideApp, make_app
from tui.audit import AuditLog
from tui.views.log_screen import LogScreen, container_log_screen
from widgets.log_view import LogLines, LogView


class LogApp(App[None]):
    def __init__(self, max_lines: int = 10_000) -> None:
        super().__init__()
        self.max_lines = max_lines

    def compose(self) -> ComposeResult:
        yield LogView(self.max_lines)

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)


# ---- LogView alone


async def test_log_view_batches_100000_writes_into_a_bounded_buffer() -> None:
    app = LogApp(max_lines=1_000)
    async with app.run_test(size=(80, 24)) as pilot:
        for start in range(0, 100_000, 50):
            app.view.write_lines(str(n) for n in range(start + 1, start + 51))
        await until(pilot, lambda: app.view.buffer.total == 100_000, 30, "every line flushed")
        assert app.view.line_count == 1_000
        assert app.view.dropped == 99_000
        await pilot.pause()
        assert app.view.visible_text()[-1] == "100000"
        assert "99,000 dropped" in app.view.status_text()


async def test_lines_the_source_skipped_are_counted_in_the_status_line_until_cleared() -> None:
    app = LogApp()
    async with app.run_test() as pilot:
        app.view.count_skipped(0)
        assert "skipped" not in app.view.status_text()
        app.view.count_skipped(1_500)
        app.view.count_skipped(500)
        await pilot.pause()
        assert "2,000 skipped (too fast to show)" in app.view.status_text()
        app.view.clear()
        assert "skipped" not in app.view.status_text()


async def test_filter_shows_only_matching_lines_highlights_them_and_escape_clears_it() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.view.write_lines(["GET /a 200", "GET /b 500", "POST /c 201", "GET /d 503"])
        await until(pilot, lambda: app.view.line_count == 4, 5, "the lines")
        await filter_by(pilot, " 5\\d\\d")
        await until(pilot, lambda: app.view.shown_count == 2, 5, "the filter to apply")
        await pilot.pause()
        assert app.view.visible_text() == ["GET /b 500", "GET /d 503"]
        lines = app.query_one(LogLines)
        match = lines.get_component_rich_style("log-lines--match")
        assert match.bgcolor is not None and match.bgcolor != lines.rich_style.bgcolor
        strip = lines.render_line(0)
        highlighted = [s.text for s in strip if s.style is not None and s.style.bgcolor == match.bgcolor]
        assert highlighted == [" 500"]
        await pilot.press("escape")
        await pilot.pause()
        assert app.view.shown_count == 4
        assert "filter" not in app.view.status_text()


async def test_invalid_regex_is_reported_and_keeps_the_app_running() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.view.write_lines(["one", "two"])
        await filter_by(pilot, "tw")
        await until(pilot, lambda: app.view.shown_count == 1, 5, "the valid filter")
        await pilot.press("(")  # "tw(" does not compile
        await pilot.pause()
        assert "invalid regex" in app.view.status_text()
        assert app.view.shown_count == 1  # the last valid filter stays
        await pilot.press("escape")
        await pilot.pause()
        assert app.view.shown_count == 2
        assert "invalid" not in app.view.status_text()


async def test_inverted_filter_hides_matching_lines() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.view.write_lines(["debug: x", "error: y", "debug: z"])
        await filter_by(pilot, "!debug")
        await until(pilot, lambda: app.view.shown_count == 1, 5, "the inverted filter")
        assert app.view.visible_text() == ["error: y"]


async def test_scrolling_up_pauses_following_and_end_resumes_it() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.view.write_lines(str(n) for n in range(1, 201))
        await until(pilot, lambda: app.view.line_count == 200, 5, "the lines")
        await pilot.pause()
        await pilot.press("pageup")
        await until(pilot, lambda: not app.view.following, 5, "following to pause")
        top = app.view.visible_text()[0]
        app.view.write_lines(["201", "202", "203"])
        await until(pilot, lambda: "3 new lines" in app.view.status_text(), 5, "the new-lines count")
        assert app.view.visible_text()[0] == top  # the rows being read did not move
        await pilot.press("G")
        await pilot.pause()
        assert app.view.following
        assert app.view.visible_text()[-1] == "203"
        await pilot.press("f")
        assert not app.view.following


async def test_paused_view_stays_on_the_same_lines_while_old_ones_drop() -> None:
    app = LogApp(max_lines=100)
    async with app.run_test(size=(80, 24)) as pilot:
        app.view.write_lines(str(n) for n in range(1, 101))
        await until(pilot, lambda: app.view.line_count == 100, 5, "the lines")
        await pilot.pause()
        await pilot.press("pageup")
        await until(pilot, lambda: not app.view.following, 5, "following to pause")
        top = app.view.visible_text()[0]
        app.view.write_lines(str(n) for n in range(101, 111))  # drops 1..10
        await until(pilot, lambda: app.view.dropped == 10, 5, "the drop")
        await pilot.pause()
        assert app.view.visible_text()[0] == top


async def test_timestamps_toggle_adds_a_time_column() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.view.write_lines(["hello"])
        await until(pilot, lambda: app.view.line_count == 1, 5, "the line")
        await pilot.press("t")
        await pilot.pause()
        assert app.view.visible_text() == [" " * 23 + " hello"]  # a plain string has no time: blank column
        await pilot.press("t")
        await pilot.pause()
        assert app.view.visible_text() == ["hello"]


async def test_markup_in_a_line_is_shown_as_text() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.view.write_lines(["[bold red]not markup[/] [link=http://x]y[/link]"])
        await until(pilot, lambda: app.view.line_count == 1, 5, "the line")
        await pilot.pause()
        assert app.view.visible_text() == ["[bold red]not markup[/] [link=http://x]y[/link]"]


# ---- LogScreen in the real app, against the sandbox's Docker engine


def portside(audit: AuditLog) -> PortsideApp:
    return make_app(DockerEngine(), KubeCluster(context="sandbox-admin"), audit)


async def open_logs(app: PortsideApp, docker_engine: DockerEngine, cid: str) -> LogScreen:
    container = docker_engine.get_container(cid)
    assert container is not None
    screen = container_log_screen(app.docker, container)
    await app.push_screen(screen)
    return screen


async def test_following_100000_lines_stays_bounded_responsive_and_ends_on_the_last(
    docker_engine: DockerEngine, container_factory: Callable[..., str], audit: AuditLog
) -> None:
    # The container waits for /tmp/go, so the screen is following before the flood starts.
    cid = container_factory(
        ["sh", "-c", "echo ready; until [ -e /tmp/go ]; do sleep 0.1; done; seq 1 100000"], network_disabled=True
    )
    app = portside(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(app, docker_engine, cid)
        view = screen.log_view
        await until(pilot, lambda: view.line_count >= 1, 30, "'ready' from the container")
        api = docker_engine.api()
        api.exec_start(api.exec_create(cid, ["touch", "/tmp/go"])["Id"])

        sizes: list[int] = []

        def all_arrived() -> bool:
            sizes.append(view.line_count)
            return view.visible_text()[-1:] == ["100000"]

        await until(pilot, lambda: view.buffer.total + view.skipped >= 20_000, 120, "the flood to start")
        await pilot.press("t")  # keys are handled while the lines pour in
        assert app.screen.query_one(LogLines).show_timestamps
        await pilot.press("t")
        await until(pilot, all_arrived, 180, "all 100,001 lines")
        await pilot.pause()

        assert max(sizes) <= 10_000
        # "ready" and 1..100000: each one shown (then rolled out of the ring buffer) or, when the flood ran
        # more than a second ahead of the view, skipped and counted; the skips' marker lines come on top.
        assert view.buffer.total + view.skipped >= 100_001
        assert view.line_count == 10_000
        assert view.dropped == view.buffer.total - 10_000
        assert view.following
        assert view.visible_text()[-1] == "100000"
        assert f"{view.dropped:,} dropped" in view.status_text()
        assert (f"{view.skipped:,} skipped" in view.status_text()) == bool(view.skipped)


async def test_escapes_in_container_output_are_shown_as_clean_text(
    docker_engine: DockerEngine, container_factory: Callable[..., str], audit: AuditLog
) -> None:
    script = (
        r"printf '\033]0;evil title\007\033[31mred\033[0m plain\n';"
        r"printf '\033]8;;http://evil.example\033\\link\033]8;;\033\\ end\n';"
        "sleep 3600"
    )
    for tty in (False, True):  # multiplexed frames, then a TTY's raw stream
        cid = container_factory(["sh", "-c", script], tty=tty, network_disabled=True)
        app = portside(audit)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_logs(app, docker_engine, cid)
            view = screen.log_view
            await until(pilot, lambda view=view: view.line_count >= 2, 30, "the two lines")
            await pilot.pause()
            texts = [line.text for line in view.buffer]
            assert texts == ["red plain", "link end"], f"tty={tty}"
            assert view.visible_text()[:2] == ["red plain", "link end"]
            assert all(line.timestamp is not None for line in view.buffer)


async def test_leaving_the_log_screen_closes_the_stream_and_ends_the_worker(
    docker_engine: DockerEngine, container_factory: Callable[..., str], audit: AuditLog
) -> None:
    cid = container_factory(["sh", "-c", "while true; do echo tick; sleep 0.2; done"], network_disabled=True)
    app = portside(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(app, docker_engine, cid)
        await until(pilot, lambda: screen.log_view.line_count >= 2, 30, "ticks")
        stream, worker = screen.stream, screen.reader
        assert stream is not None and worker is not None
        await pilot.press("escape")
        await until(pilot, lambda: worker.is_finished, 10, "the log worker to finish")
        assert worker.state is not WorkerState.ERROR
        assert stream.closed
        assert await asyncio.to_thread(stream.join, 10), "the reader thread is still running"
        assert app.screen is not screen


async def test_log_screen_of_a_removed_container_reports_the_error(
    docker_engine: DockerEngine, container_factory: Callable[..., str], audit: AuditLog
) -> None:
    cid = container_factory(network_disabled=True)
    container = docker_engine.get_container(cid)
    assert container is not None
    docker_engine.remove_container(cid, force=True)
    app = portside(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = container_log_screen(app.docker, container)
        await app.push_screen(screen)
        title: Any = screen.query_one(".log-title")
        await until(pilot, lambda: title.has_class("-failed"), 30, "the error in the title")
        assert "No such container" in str(title.render())


async def test_log_screen_streams_inside_the_full_app_on_a_two_cpu_machine(
    docker_engine: DockerEngine,
    container_factory: Callable[..., str],
    audit: AuditLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # asyncio's default executor has min(32, cpus + 4) threads; every live area holds one while it follows.
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    cid = container_factory(["sh", "-c", "echo ready; sleep 3600"], network_disabled=True)
    app = portside(audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(app, docker_engine, cid)
        await until(pilot, lambda: screen.log_view.line_count >= 1, 30, "the log worker to get a thread")
        assert screen.log_view.visible_text() == ["ready"]
