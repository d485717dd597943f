"""Log windows at the source, against the sandbox's Docker engine: what a LogScreen re-opens with ``W``."""

from __future__ import annotations

import time
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


def test_a_flood_the_consumer_cannot_keep_up_with_is_skipped_counted_and_marked_and_ends_on_its_last_line(
    docker_engine: DockerEngine, container_factory: Callable[..., str]
) -> None:
    # 300,000 lines in well under a second; the consumer takes the first batch, then stalls for 3 s like a
    # view that cannot keep up. What it missed is skipped (counted exactly, marked), the lag does not
    # carry over, and the last line is still shown.
    cid = numbered(container_factory, "sleep 2; seq 1 300000; echo END; exec sleep 3600")
    lines: list[LogLine] = []
    with docker_engine.container_logs(cid, tail=0) as stream:
        for batch in stream:
            if not lines:
                time.sleep(3)
            lines += batch
            if lines[-1].text == "END":
                break
        skipped = stream.skipped
    markers = [line for line in lines if line.text.startswith("[portside: ")]
    numbers = [int(line.text) for line in lines if line not in markers and line.text != "END"]
    assert skipped > 0 and markers, "the stalled consumer skipped nothing"
    assert sum(int(m.text.split()[1].replace(",", "")) for m in markers) == skipped
    assert len(numbers) + skipped == 300_000  # every line shown or counted, none twice
    # The last piece read is shown: it ends on END. 300000 may have come in a piece of its own before it.
    assert numbers == sorted(numbers) and lines[-1].text == "END"
