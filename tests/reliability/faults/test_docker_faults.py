"""The private Docker engine killed (kill -9) while the app lists, follows a log, samples stats or brings a
compose project up, then started again; and an engine that refuses our API version."""

from __future__ import annotations

import asyncio
import http.server
import json
import socketserver
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.faults.conftest import (
    FAULT_DOCKER_HOST,
    fault_app,
    sandbox,
    status_text,
    until_async,
)
from tests.ui.test_app_live import table, until
from tui.adapters.compose_engine import ComposeEngine
from tui.adapters.compose_model import load_project
from tui.adapters.compose_status import ComposeEvent
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import BackendError, Unavailable
from tui.views.containers import ContainersView
from tui.views.live_view import LiveView
from tui.views.log_screen import LogScreen
from widgets.target_bar import TargetBar

pytestmark = pytest.mark.fault


def engine_states() -> dict[str, str]:
    """A fresh list from a new adapter: container id -> state."""
    engine = DockerEngine(FAULT_DOCKER_HOST)
    try:
        return {c.id: c.state for c in engine.list_containers()}
    finally:
        engine.close()


async def test_containers_view_reports_a_killed_engine_and_relists_when_it_is_back(
    tmp_path: Path, fault_containers: Callable[..., str], test_namespace: str
) -> None:
    cid = fault_containers()
    app = fault_app(tmp_path, test_namespace)
    async with app.run_test(size=(120, 40)) as pilot:
        rows = table(app, "containers")
        await until(pilot, lambda: cid in rows.records, 30, "the container row")
        await asyncio.to_thread(sandbox, "kill", "fault-dockerd")
        await until(
            pilot, lambda: "unreachable" in status_text(app, "#containers-view"), 30, "'unreachable' in the view"
        )
        status = status_text(app, "#containers-view")
        assert "retrying in" in status and "(stale)" in status
        bar = app.screen.query_one(TargetBar)
        await until(pilot, lambda: bar.docker[1] == "down", 30, "the bar to mark Docker down")
        assert cid in rows.records  # the last known rows stay, marked stale
        await asyncio.to_thread(sandbox, "start", "fault-dockerd")
        # No key press: the feed retries by itself; the engine stopped the container when it restarted.
        shown: dict[str, str] = {}

        def equal() -> bool:
            nonlocal shown
            truth = engine_states()
            shown = {k: r.state for k, r in rows.records.items()}
            return truth == shown and truth.get(cid) == "exited"

        await until_async(pilot, equal, what="the table to equal a fresh list")
        assert "retrying" not in status_text(app, "#containers-view")
        await until(pilot, lambda: bar.docker[1] == "ok", 30, "the bar to mark Docker ok again")
        assert app.is_running


async def test_a_followed_log_says_the_engine_went_away_and_the_app_goes_on(
    tmp_path: Path, fault_containers: Callable[..., str], test_namespace: str
) -> None:
    cid = fault_containers("i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done")
    app = fault_app(tmp_path, test_namespace)
    async with app.run_test(size=(120, 40)) as pilot:
        rows = table(app, "containers")
        await until(pilot, lambda: cid in rows.records, 30, "the container row")
        rows.move_cursor(row=rows.get_row_index(cid))
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogScreen), 10, "the log screen")
        screen = app.screen
        assert isinstance(screen, LogScreen)
        await until(pilot, lambda: screen.log_view.line_count >= 3, 30, "the first log lines")
        await asyncio.to_thread(sandbox, "kill", "fault-dockerd")

        def title() -> str:
            return str(screen.query_one(".log-title").render())

        await until(pilot, lambda: "—" in title(), 30, "the log title to say what happened")
        assert "interrupted" in title() or "unreachable" in title(), title()
        assert "reconnecting in" in title()
        assert app.is_running
        await asyncio.to_thread(sandbox, "start", "fault-dockerd")
        # The restarted engine stopped the container: the reader re-opens its log, repeats nothing, and ends.
        await until(pilot, lambda: "reconnecting" not in title(), 90, "the log to be re-opened by itself")
        texts = [line.text for line in screen.log_view.buffer]
        assert len(texts) == len(set(texts)), "a re-opened log repeated lines"
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, LogScreen), 10, "back to the containers")
        await until_async(
            pilot,
            lambda: engine_states() == {k: r.state for k, r in rows.records.items()},
            what="the containers table to equal a fresh list",
        )
        assert app.is_running


async def test_stats_sampling_survives_a_killed_engine_and_resumes(
    tmp_path: Path, fault_containers: Callable[..., str], test_namespace: str
) -> None:
    # restart=always: the engine starts it again when it comes back, so there is something to sample.
    cid = fault_containers(restart_policy={"Name": "always"})
    app = fault_app(tmp_path, test_namespace)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.screen.query_one("#containers-view", ContainersView)
        await until(pilot, lambda: cid in view.table.records, 30, "the container row")
        # A change after the first layout: ContainersView only learns which rows are on screen from deltas,
        # and the first snapshot may arrive before the table has a size (see the report of issue #8).
        fault_containers()
        await until(pilot, lambda: len(view.stats.memory.get(cid, ())) >= 2, 60, "two stats samples")
        await asyncio.to_thread(sandbox, "kill", "fault-dockerd")
        await until(pilot, lambda: "unreachable" in status_text(app, "#containers-view"), 30, "the outage")
        before = len(view.stats.memory.get(cid, ()))
        await asyncio.to_thread(sandbox, "start", "fault-dockerd")
        await until(
            pilot,
            lambda: cid in view.table.records and view.table.records[cid].state == "running",
            60,
            "the container running again in the table",
        )
        await until(pilot, lambda: len(view.stats.memory.get(cid, ())) > before, 60, "new stats samples")
        assert view.stats.memory_text(cid)
        assert app.is_running


COMPOSE = """
services:
{services}
"""
SERVICE = """  {name}:
    image: portside/busybox:latest
    command: sleep 3600
    init: true
    network_mode: none
    labels: [portside-test=1]
"""


@pytest.fixture
def compose_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "compose.yaml"
    names = ["one", "two", "three", "four"]
    body = "".join(
        SERVICE.format(name=n) + (f"    depends_on: [{names[i - 1]}]\n" if i else "") for i, n in enumerate(names)
    )
    path.write_text(COMPOSE.format(services=body))
    yield path
    engine = DockerEngine(FAULT_DOCKER_HOST)
    try:
        ComposeEngine(engine).down(load_project([path], project_name=path.parent.name, environment={}))
    except BackendError:
        pass
    finally:
        engine.close()


def test_compose_up_cut_by_a_killed_engine_fails_clearly_and_a_second_up_converges(compose_file: Path) -> None:
    project = load_project([compose_file], project_name=compose_file.parent.name, environment={})
    engine = DockerEngine(FAULT_DOCKER_HOST)
    compose = ComposeEngine(engine)
    killed = threading.Event()

    def progress(event: ComposeEvent) -> None:
        # The engine dies right after the first container is up: the rest of `up` meets a dead socket.
        if event.kind == "container" and event.action in ("created", "started") and not killed.is_set():
            killed.set()
            sandbox("kill", "fault-dockerd")

    with pytest.raises(Unavailable) as failure:
        compose.up(project, progress=progress)
    assert killed.is_set()
    assert "unreachable" in str(failure.value)
    sandbox("start", "fault-dockerd")
    result = compose.up(project)
    assert result.events
    status = compose.status(project)
    assert {s.service: s.running for s in status.services} == {"one": 1, "two": 1, "three": 1, "four": 1}
    engine.close()


# ---- an engine that refuses our API version (lazydocker #698, #715, #767 crashed on it)

REFUSAL = "client version 1.41 is too new. Maximum supported API version is 1.24"


class _Refuser(http.server.BaseHTTPRequestHandler):
    """An old engine's answer to everything but /_ping."""

    def do_GET(self) -> None:
        if self.path.endswith("/_ping"):
            self._answer(200, b"OK", "text/plain")
        else:
            self._answer(400, json.dumps({"message": REFUSAL}).encode(), "application/json")

    do_POST = do_GET
    do_HEAD = do_GET

    def _answer(self, code: int, body: bytes, kind: str) -> None:
        self.send_response(code)
        self.send_header("Api-Version", "1.24")
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def address_string(self) -> str:  # a unix socket has no client address
        return "unix"

    def log_message(self, *args: Any) -> None:
        pass


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


@pytest.fixture
def refusing_engine(tmp_path: Path) -> Iterator[str]:
    path = tmp_path / "old-docker.sock"
    server = _UnixServer(str(path), _Refuser)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"unix://{path}"
    server.shutdown()
    server.server_close()


def test_an_engine_refusing_the_api_version_raises_our_error_with_its_reason(refusing_engine: str) -> None:
    engine = DockerEngine(refusing_engine)
    with pytest.raises(BackendError) as failure:
        engine.list_containers()
    assert "Maximum supported API version is 1.24" in str(failure.value)


async def test_the_app_shows_an_api_version_refusal_and_stays_up(
    tmp_path: Path, refusing_engine: str, test_namespace: str
) -> None:
    app = fault_app(tmp_path, test_namespace, docker=refusing_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(
            pilot,
            lambda: "Maximum supported API version" in status_text(app, "#containers-view"),
            30,
            "the refusal in the containers view",
        )
        assert "retrying in" in status_text(app, "#containers-view")
        bar = app.screen.query_one(TargetBar)
        await until(pilot, lambda: bar.docker[1] == "down", 30, "Docker marked down in the bar")
        await pilot.press("4")  # the other backend still works
        pods = app.screen.query_one("#pods-view", LiveView)
        await until(pilot, lambda: pods.last_updated is not None, 30, "the pods listed")
        assert app.is_running
