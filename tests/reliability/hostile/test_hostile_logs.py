"""Hostile log output through the real app (rules 6 and 7): binary and non-UTF-8 bytes, a 100 MB single line
(cut at 16 KiB with a marker), and a flood (1 GB in the soak test) that must leave the log view at its cap with
a growing dropped counter."""

from __future__ import annotations

import resource
from typing import Any

import pytest

from tests.conftest import unique
from tests.reliability.conftest import screen_has_no_escape, select_in_view
from tests.ui.test_app_live import until
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.app import PortsideApp, make_app
from tui.audit import AuditLog
from tui.views.log_screen import LogScreen
from widgets.log_buffer import MAX_LINE_BYTES

pytestmark = [pytest.mark.hostile, pytest.mark.docker]

END = "END-OF-HOSTILE-LOG"
# The container writes nothing until the test touches /tmp/go (after the log screen follows it).
WAIT_FOR_GO = "while [ ! -f /tmp/go ]; do sleep 0.1; done; "
MARKER_ROOM = 64  # " …[cut N bytes]"


def app_for(namespace: str, audit: AuditLog) -> PortsideApp:
    return make_app(DockerEngine(), KubeCluster(context="sandbox-admin", namespace=namespace), audit)


async def open_log(pilot: Any, app: PortsideApp, name: str) -> LogScreen:
    await select_in_view(pilot, app, "containers", None, name)
    await pilot.press("l")
    await until(pilot, lambda: isinstance(app.screen, LogScreen), 30, "the log screen")
    screen = app.screen
    assert isinstance(screen, LogScreen)
    await until(pilot, lambda: screen.stream is not None, 30, "the log stream to open")
    return screen


def go(docker_engine: DockerEngine, cid: str) -> None:
    api = docker_engine.api()
    api.exec_start(api.exec_create(cid, ["touch", "/tmp/go"])["Id"])


def lines_of(screen: LogScreen) -> list[str]:
    return [line.text for line in screen.log_view.buffer]


@pytest.mark.parametrize("tty", [False, True], ids=["multiplexed", "tty"])
async def test_binary_and_invalid_utf8_log_output_shows_as_replacement_characters_without_controls(
    tty: bool, busybox: Any, test_namespace: str, audit: AuditLog, record_property: Any
) -> None:
    name = unique(f"binary-log-{'tty' if tty else 'mux'}")
    script = f"head -c 200000 /dev/urandom; printf '\\n\\377\\376 invalid utf-8\\n\\033[2J\\033]52;c;eA==\\007'; echo {END}; sleep 3600"
    busybox(["sh", "-c", script], name=name, tty=tty)
    record_property("inputs", 1)
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_log(pilot, app, name)
        await until(pilot, lambda: any(END in t for t in lines_of(screen)), 60, "the end of the binary output")
        texts = lines_of(screen)
        assert any("\ufffd\ufffd invalid utf-8" in t for t in texts)
        bad = [(n, screen_has_no_escape(t)) for n, t in enumerate(texts) if screen_has_no_escape(t)]
        assert not bad, bad[:5]
        assert all(len(t.encode()) <= MAX_LINE_BYTES + MARKER_ROOM for t in texts)
        assert app.is_running


async def test_a_100_mb_single_line_is_shown_in_pieces_cut_at_16_kib_with_a_marker(
    busybox: Any, docker_engine: DockerEngine, test_namespace: str, audit: AuditLog, record_property: Any
) -> None:
    name = unique("long-line")
    script = WAIT_FOR_GO + f"head -c 104857600 /dev/zero | tr '\\0' a; echo; echo {END}; sleep 3600"
    cid = busybox(["sh", "-c", script], name=name)
    record_property("inputs", 1)
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_log(pilot, app, name)
        go(docker_engine, cid)
        await until(pilot, lambda: any(END in t for t in lines_of(screen)), 240, "the end of the 100 MB line")
        texts = lines_of(screen)
        longest = max(len(t.encode()) for t in texts)
        assert longest <= MAX_LINE_BYTES + MARKER_ROOM, longest
        assert any(t.startswith("aaaa") and "…[cut " in t for t in texts), "no piece of the line shows the cut"
        assert app.is_running


async def flood(
    busybox: Any, docker_engine: DockerEngine, namespace: str, audit: AuditLog, size: int
) -> tuple[int, int, int, int]:
    """Follow a container writing ``size`` bytes of 1 KiB lines: (kept, cap, dropped or skipped, max RSS in
    KiB)."""
    name = unique("flood")
    line = "x" * 1023
    script = WAIT_FOR_GO + f"yes {line} | head -c {size}; echo {END}; sleep 3600"
    cid = busybox(["sh", "-c", script], name=name)
    app = app_for(namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_log(pilot, app, name)
        go(docker_engine, cid)
        view = screen.log_view
        seen_dropped = [0]

        def ended() -> bool:
            assert len(view.buffer) <= view.buffer.max_lines, "the log buffer grew past its cap"
            seen_dropped.append(view.dropped)
            return any(END in line.text for line in view.buffer.tail(5))

        await until(pilot, ended, 3600, "the end of the flood")
        assert seen_dropped == sorted(seen_dropped), "the dropped counter went down"
        assert len(view.buffer) == min(view.buffer.max_lines, view.buffer.total), "lines held below the cap"
        assert app.is_running
        return (
            len(view.buffer),
            view.buffer.max_lines,
            view.dropped + view.skipped,  # rolled out of the buffer, or skipped by a stream too far behind
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        )


async def test_a_flood_of_log_lines_keeps_the_view_at_its_cap_and_counts_what_it_dropped(
    busybox: Any, docker_engine: DockerEngine, test_namespace: str, audit: AuditLog, record_property: Any
) -> None:
    size = 32 * 1024 * 1024  # 32,768 lines: over three times the cap
    kept, cap, dropped, _ = await flood(busybox, docker_engine, test_namespace, audit, size)
    record_property("inputs", 1)
    assert kept <= cap
    assert dropped >= size // 1024 - kept  # every line not kept was counted


@pytest.mark.soak
@pytest.mark.timeout(3900)
async def test_a_1_gb_log_keeps_the_view_at_its_cap_and_memory_bounded(
    busybox: Any, docker_engine: DockerEngine, test_namespace: str, audit: AuditLog, record_property: Any
) -> None:
    size = 1024**3
    kept, cap, dropped, rss = await flood(busybox, docker_engine, test_namespace, audit, size)
    record_property("inputs", 1)
    assert kept <= cap and dropped >= size // 1024 - kept
    assert rss < 1024 * 1024, f"max RSS {rss} KiB for a 1 GB log"  # bounded: far below the log's size
