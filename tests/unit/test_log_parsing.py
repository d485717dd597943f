"""Docker log stream parsing: multiplexed frames, timestamps, partial lines, sanitising."""

from __future__ import annotations

import os
import stat
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.adapters.docker_logs import MultiplexedLogParser
from tui.adapters.errors import InvalidInput
from tui.adapters.log_lines import (
    DEFAULT_WINDOW,
    LONG_LINE_BYTES,
    WINDOWS,
    LogLine,
    LogStream,
    LogWindow,
    RawLogParser,
    next_window,
    save_lines,
    split_timestamp,
)

STAMP = "2024-05-06T07:08:09.123456789Z"
WHEN = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def test_split_timestamp_reads_docker_nanosecond_times() -> None:
    assert split_timestamp(f"{STAMP} hello world") == (WHEN, "hello world")


def test_split_timestamp_leaves_lines_without_one_alone() -> None:
    assert split_timestamp("hello world") == (None, "hello world")
    assert split_timestamp("2024-13-99T00:00:00Z broken") == (None, "2024-13-99T00:00:00Z broken")


def test_frames_split_across_reads_are_reassembled() -> None:
    data = frame(1, f"{STAMP} one\n".encode()) + frame(2, f"{STAMP} two\n".encode())
    parser = MultiplexedLogParser("web", timestamps=True)
    lines = [line for n in range(0, len(data), 5) for line in parser.feed(data[n : n + 5])]
    assert lines == [LogLine("web", "one", WHEN), LogLine("web", "two", WHEN)]


def test_stdout_and_stderr_partial_lines_are_not_glued_together() -> None:
    parser = MultiplexedLogParser("web", timestamps=False)
    lines = parser.feed(frame(1, b"out-") + frame(2, b"err\n") + frame(1, b"put\n"))
    assert [line.text for line in lines] == ["err", "out-put"]


def test_a_long_message_in_several_frames_keeps_only_its_first_timestamp() -> None:
    parser = MultiplexedLogParser("web", timestamps=True)
    later = "2024-05-06T07:08:10.000000001Z"
    lines = parser.feed(frame(1, f"{STAMP} first half ".encode()) + frame(1, f"{later} second half\n".encode()))
    assert lines == [LogLine("web", "first half second half", WHEN)]


def test_escapes_and_invalid_utf8_in_frames_are_made_safe() -> None:
    parser = MultiplexedLogParser("web", timestamps=False)
    lines = parser.feed(frame(1, b"\x1b]0;title\x07\x1b[1mbold\x1b[0m \xff\n"))
    assert [line.text for line in lines] == ["bold \ufffd"]


def test_raw_tty_stream_lines_get_their_timestamps() -> None:
    parser = RawLogParser("tty", timestamps=True)
    assert parser.feed(f"{STAMP} a\r\n{STAMP} b".encode()) == [LogLine("tty", "a", WHEN)]
    assert parser.flush() == [LogLine("tty", "b", WHEN)]


@given(st.lists(st.tuples(st.sampled_from([1, 2]), st.binary(max_size=30)), max_size=20), st.integers(1, 40))
def test_any_split_of_the_frames_gives_the_same_lines(frames: list[tuple[int, bytes]], step: int) -> None:
    data = b"".join(frame(stream, payload) for stream, payload in frames)
    whole = MultiplexedLogParser("s", timestamps=False)
    expected = whole.feed(data) + whole.flush()
    pieces = MultiplexedLogParser("s", timestamps=False)
    got = [line for n in range(0, len(data), step) for line in pieces.feed(data[n : n + step])] + pieces.flush()
    assert got == expected


def test_log_stream_batches_what_arrived_and_ends() -> None:
    chunks = [f"{n}\n".encode() for n in range(2_500)]

    def read() -> bytes:
        return chunks.pop(0) if chunks else b""

    stream = LogStream(read, lambda: None, RawLogParser("s", timestamps=False))
    batches = list(stream)
    assert [line.text for batch in batches for line in batch] == [str(n) for n in range(2_500)]
    assert len(batches) < 2_500  # batched, not one list per line
    assert all(len(batch) <= 1_000 for batch in batches)
    assert stream.join(5)


def test_a_line_that_never_ends_is_handed_over_in_bounded_pieces() -> None:
    parser = RawLogParser("s", timestamps=False)
    lines = [line for _ in range(100) for line in parser.feed(b"x" * 4096)]  # 400 KiB, no newline
    assert lines, "the unfinished line was held back whole"
    assert all(len(line.text) <= LONG_LINE_BYTES + 4096 for line in lines)
    assert sum(len(line.text) for line in lines + parser.flush()) == 100 * 4096


# ---- time windows and saving


def test_windows_cycle_from_tail_through_since_to_all() -> None:
    labels = [DEFAULT_WINDOW.label]
    window = DEFAULT_WINDOW
    for _ in WINDOWS:
        window = next_window(window)
        labels.append(window.label)
    assert labels == ["tail 1000", "since 1m", "since 5m", "since 15m", "since 1h", "all", "tail 1000"]


def test_a_since_window_starts_that_many_seconds_before_now() -> None:
    now = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert LogWindow("since 5m", since_seconds=300).since(now) == datetime(2024, 5, 6, 7, 3, 9, tzinfo=UTC)
    assert LogWindow("all").since(now) is None


def test_save_writes_the_lines_to_a_new_file_with_mode_0600(tmp_path: Path) -> None:
    target = tmp_path / "out.log"
    assert save_lines(str(target), ["one", "two"]) == 2
    assert target.read_text() == "one\ntwo\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_save_overwrites_a_file_of_ours_and_makes_it_0600(tmp_path: Path) -> None:
    target = tmp_path / "out.log"
    target.write_text("a much longer earlier content\n")
    target.chmod(0o644)
    assert save_lines(str(target), ["new"]) == 1
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_save_refuses_a_symbolic_link_and_leaves_its_target_alone(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep me\n")
    link = tmp_path / "link.log"
    link.symlink_to(victim)
    with pytest.raises(InvalidInput, match="symbolic link"):
        save_lines(str(link), ["secret"])
    assert victim.read_text() == "keep me\n"


def test_save_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInput, match="not a regular file"):
        save_lines(str(fifo), ["x"])


def test_save_into_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="No such file"):
        save_lines(str(tmp_path / "nowhere" / "out.log"), ["x"])
