"""Reading fast logs: HTTP chunks undone in large pieces, and live output the consumer cannot keep up with
passed over unparsed, counted and marked, never its newest piece, never history."""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.adapters.docker_logs import MultiplexedLogParser
from tui.adapters.http_chunked import ChunkedBody
from tui.adapters.log_lines import LogStream, RawLogParser


def chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def reader(data: bytes, step: int) -> Callable[[int], bytes]:
    pieces = [data[n : n + step] for n in range(0, len(data), step)]
    return lambda size: pieces.pop(0) if pieces else b""


def read_all(body: ChunkedBody) -> bytes:
    out = b""
    while piece := body.read1(65536):
        out += piece
    return out


@given(st.lists(st.binary(min_size=1, max_size=300), max_size=20), st.integers(min_value=1, max_value=64))
def test_a_chunked_body_gives_its_bytes_however_the_connection_splits_it(parts: list[bytes], step: int) -> None:
    body = ChunkedBody(reader(chunked(*parts), step))
    assert read_all(body) == b"".join(parts)
    assert body.ended


def test_chunk_extensions_are_ignored_and_the_last_chunk_ends_the_body() -> None:
    data = b"5;name=value\r\nhello\r\n1\r\n!\r\n0\r\n\r\nnot part of the body"
    body = ChunkedBody(reader(data, 7))
    assert read_all(body) == b"hello!"


def test_a_chunk_size_that_is_not_hex_is_an_error() -> None:
    with pytest.raises(ValueError):
        read_all(ChunkedBody(reader(b"zz\r\nhello\r\n", 100)))


def test_a_connection_closed_mid_body_is_an_error_not_an_end() -> None:
    body = ChunkedBody(reader(b"a\r\n01234", 100))
    assert body.read1(100) == b"01234"
    with pytest.raises(ConnectionError):
        body.read1(100)
    assert not body.ended


# ---- skipping in the parsers


def stamped(when: datetime, text: str) -> bytes:
    return f"{when.isoformat().replace('+00:00', 'Z')} {text}\n".encode()


def test_raw_skip_counts_the_lines_and_keeps_the_start_of_the_next() -> None:
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    parser = RawLogParser("s", timestamps=False)
    assert [line.text for line in parser.feed(b"a\nb\nc")] == ["a", "b"]
    assert parser.skip(b"c\nd\ne") == (2, None)  # "cc" (begun before) and "d"; "e" begins the next line
    assert [line.text for line in parser.feed(b"f\ng\n")] == ["ef", "g"]
    timed = RawLogParser("s", timestamps=True)
    assert timed.skip(stamped(when, "one") + stamped(when + timedelta(seconds=1), "two")) == (
        2,
        when + timedelta(seconds=1),
    )


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def test_multiplexed_skip_counts_messages_across_pieces_and_streams() -> None:
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    data = b"".join(frame(1 + n % 2, stamped(when + timedelta(seconds=n), f"line {n}")) for n in range(10))
    data += frame(1, stamped(when, "after"))
    parser = MultiplexedLogParser("s", timestamps=True)
    cut = len(data) - 20  # the last frame is split: its end comes with the next piece
    assert parser.skip(data[:cut]) == (10, when + timedelta(seconds=9))
    assert [line.text for line in parser.feed(data[cut:])] == ["after"]


# ---- the stream


class Source:
    """Pieces of a byte stream, all of them available at once; then it stays open, quiet."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces
        self.closed = threading.Event()

    def read(self) -> bytes:
        if self.pieces:
            return self.pieces.pop(0)
        self.closed.wait(30)
        return b""


def take(stream: LogStream, count: int) -> list[str]:
    texts: list[str] = []
    with stream:
        for batch in stream:
            texts += [line.text for line in batch]
            if len(texts) >= count:
                break
    return texts


def lines_at(when: datetime, first: int, count: int) -> bytes:
    return b"".join(stamped(when, f"line {n}") for n in range(first, first + count))


def test_live_output_behind_by_more_than_a_second_is_skipped_but_never_history_nor_the_newest_piece() -> None:
    now = datetime.now(UTC)
    old, late = now - timedelta(hours=1), now - timedelta(seconds=30)
    pieces = [
        lines_at(old, 0, 100),  # history, as late as it is: delivered whole
        lines_at(old, 100, 100),
        lines_at(now, 200, 10),  # live, on time
        lines_at(late, 210, 10),  # live, late: parsed (it shows the stream is behind)...
        lines_at(late, 220, 10),  # ...then what has more behind it is passed over
        lines_at(late, 230, 10),
        lines_at(late, 240, 10),  # the newest piece: always shown
    ]
    source = Source(pieces)
    stream = LogStream(source.read, source.closed.set, RawLogParser("s", timestamps=True))
    texts = take(stream, 231)  # the last piece is shown: it has nothing after it, and the source stays open
    shown = list(range(0, 220)) + list(range(240, 250))
    marker = "[portside: 20 lines skipped, they came faster than they can be shown]"
    assert texts == [f"line {n}" for n in shown[:220]] + [marker] + [f"line {n}" for n in shown[220:]]
    assert stream.skipped == 20
    assert stream.join(5)


def test_a_stream_that_keeps_up_skips_nothing() -> None:
    now = datetime.now(UTC)
    source = Source([lines_at(now, n * 10, 10) for n in range(20)])
    stream = LogStream(source.read, source.closed.set, RawLogParser("s", timestamps=True))
    assert take(stream, 200) == [f"line {n}" for n in range(200)]
    assert stream.skipped == 0
