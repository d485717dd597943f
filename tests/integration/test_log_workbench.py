"""Log windows at the source, against the sandbox's Docker engine: what a LogScreen re-opens with ``W``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from tests.conftest import wait_for
from tui.adapters.compose_logs import MergedLogStream
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.log_lines import LogLine, LogStream, LogWindow


def read_all(stream: LogStream, count: int) -> list[LogLine]:
    """The first ``count`` lines of a followed stream (bounded: the stream is closed after)."""
    lines: list[LogLine] = []
    with stream:
        for batch in stream:
            lines += batch
            if len(lines) >= count:
                break
    return lines


def numbered(factory: Callable[..., str], script: str) -> str:
    return factory(["sh", "-c", script], network_disabled=True)


def open_window(engine: DockerEngine, cid: str, window: LogWindow) -> LogStream:
    return engine.container_logs(cid, tail=window.tail, since=window.since(), follow=False)


def test_a_tail_window_reads_only_the_last_lines(
    docker_engine: DockerEngine, container_factory: Callable[..., str]
) -> None:
    cid = numbered(container_factory, "seq 1 50; exec sleep 3600")
    wait_for(lambda: len(read_all(open_window(docker_engine, cid, LogWindow("all")), 50)) == 50, 30, "50 lines")
    lines = read_all(open_window(docker_engine, cid, LogWindow("tail 5", tail=5)), 5)
    assert [line.text for line in lines] == ["46", "47", "48", "49", "50"]


def test_a_since_window_reads_only_the_lines_after_its_start(
    docker_engine: DockerEngine, container_factory: Callable[..., str]
) -> None:
    # Three seconds pass in the container between the old lines and the new one; the window starts halfway.
    cid = numbered(container_factory, "echo old-1; echo old-2; sleep 3; echo new-1; exec sleep 3600")
    everything: list[LogLine] = []

    def all_three() -> bool:
        everything[:] = read_all(open_window(docker_engine, cid, LogWindow("all")), 3)
        return len(everything) == 3

    wait_for(all_three, 30, "old and new lines")
    old, new = everything[1].timestamp, everything[2].timestamp
    assert old is not None and new is not None
    halfway = old + (new - old) / 2
    window = LogWindow("since halfway", since_seconds=(datetime.now(UTC) - halfway).total_seconds())
    assert [line.text for line in read_all(open_window(docker_engine, cid, window), 1)] == ["new-1"]
    assert read_all(open_window(docker_engine, cid, LogWindow("all")), 3) == everything


def test_merged_windows_label_each_part_and_end_when_every_part_ends(
    docker_engine: DockerEngine, container_factory: Callable[..., str]
) -> None:
    cids = {
        name: numbered(container_factory, f"echo {name} one; echo {name} two; exec sleep 3600") for name in "ab"
    }
    for cid in cids.values():
        wait_for(
            lambda cid=cid: len(read_all(open_window(docker_engine, cid, LogWindow("all")), 2)) == 2, 30, "lines"
        )
    window = LogWindow("tail 1", tail=1)
    merged = MergedLogStream({name: open_window(docker_engine, cid, window) for name, cid in cids.items()})
    with merged:
        lines = [line for batch in merged for line in batch]  # not followed: ends when both parts end
    assert sorted((line.source, line.text) for line in lines) == [("a", "a two"), ("b", "b two")]
