"""LogBuffer: bounded ring buffer, dropped counter, 16 KiB cut, defensive cleaning, filters."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from tui.adapters.log_lines import LogLine as AdapterLogLine
from widgets.log_buffer import MAX_LINE_BYTES, LogBuffer, LogLine, clean, cut


def texts(buffer: LogBuffer) -> list[str]:
    return [line.text for line in buffer]


def test_buffer_keeps_only_the_last_max_lines_and_counts_the_dropped() -> None:
    buffer = LogBuffer(max_lines=3)
    buffer.append(["a", "b"])
    buffer.append(["c", "d", "e"])
    assert texts(buffer) == ["c", "d", "e"]
    assert buffer.dropped == 2
    assert buffer.total == 5
    assert buffer.first == 2


def test_one_batch_larger_than_the_buffer_keeps_its_tail() -> None:
    buffer = LogBuffer(max_lines=10)
    buffer.append(str(n) for n in range(1, 100_001))
    assert len(buffer) == 10
    assert buffer.dropped == 99_990
    assert texts(buffer)[-1] == "100000"


def test_absolute_line_numbers_survive_drops() -> None:
    buffer = LogBuffer(max_lines=2)
    buffer.append(["a", "b", "c"])
    assert buffer.line(2).text == "c"
    assert buffer.line(1).text == "b"
    for gone in (0, 3):
        try:
            buffer.line(gone)
        except IndexError:
            continue
        raise AssertionError(f"line {gone} should not be reachable")


def test_clear_forgets_lines_and_counters() -> None:
    buffer = LogBuffer(max_lines=2)
    buffer.append(["a", "b", "c"])
    buffer.clear()
    assert len(buffer) == 0 and buffer.dropped == 0 and buffer.total == 0


def test_a_line_over_16_kib_is_cut_with_a_visible_marker() -> None:
    long = "x" * (MAX_LINE_BYTES + 12_345)
    buffer = LogBuffer()
    buffer.append([long])
    stored = buffer[0].text
    assert stored.startswith("x" * MAX_LINE_BYTES)
    assert stored.endswith(" …[cut 12345 bytes]")
    assert len(stored.encode()) < MAX_LINE_BYTES + 40


def test_cut_never_splits_a_multibyte_character() -> None:
    long = "é" * MAX_LINE_BYTES  # 2 bytes each
    kept, _, marker = cut(long).partition(" …[cut ")
    assert kept == "é" * (MAX_LINE_BYTES // 2)
    assert marker == f"{MAX_LINE_BYTES} bytes]"


def test_a_line_of_exactly_16_kib_is_kept_whole() -> None:
    line = "y" * MAX_LINE_BYTES
    assert cut(line) == line


def test_raw_terminal_escapes_are_stripped_defensively() -> None:
    raw = "\x1b]0;evil title\x07\x1b[31mred\x1b[0m \x9b31m\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \u202eend\r"
    buffer = LogBuffer()
    buffer.append([raw])
    assert buffer[0].text == "red 31mlink end\u240d"


def test_clean_keeps_a_printable_line_as_the_same_object() -> None:
    line = "plain text, nothing to do"
    assert clean(line) is line


def test_clean_lines_from_the_adapters_are_stored_without_a_copy() -> None:
    line = AdapterLogLine("web", "GET / 200", datetime(2024, 1, 2, tzinfo=UTC))
    buffer = LogBuffer()
    buffer.append([line])
    assert buffer[0] is line


def test_plain_strings_get_the_given_source() -> None:
    buffer = LogBuffer()
    buffer.append(["step 1/3"], source="build")
    assert buffer[0] == LogLine("build", "step 1/3", None)


def test_filtered_returns_matching_lines_and_invert_the_others() -> None:
    buffer = LogBuffer()
    buffer.append(["GET /a 200", "GET /b 500", "POST /c 201"])
    pattern = re.compile(r" [45]\d\d$")
    assert [line.text for line in buffer.filtered(pattern)] == ["GET /b 500"]
    assert [line.text for line in buffer.filtered(pattern, invert=True)] == ["GET /a 200", "POST /c 201"]
    assert len(buffer.filtered(None)) == 3


def test_matching_gives_absolute_numbers_from_a_start() -> None:
    buffer = LogBuffer(max_lines=4)
    buffer.append(["err 1", "ok", "err 2", "ok", "err 3", "ok"])  # keeps lines 2..5
    pattern = re.compile("err")
    assert buffer.matching(pattern) == [2, 4]
    assert buffer.matching(pattern, start=3) == [4]
    assert buffer.matching(pattern, invert=True) == [3, 5]


@given(
    max_lines=st.integers(min_value=1, max_value=50),
    batches=st.lists(st.lists(st.text(max_size=5), max_size=80), max_size=20),
)
def test_buffer_never_holds_more_than_max_lines(max_lines: int, batches: list[list[str]]) -> None:
    buffer = LogBuffer(max_lines=max_lines)
    appended = 0
    for batch in batches:
        buffer.append(batch)
        appended += len(batch)
        assert len(buffer) <= max_lines
        assert buffer.dropped == appended - len(buffer)
    expected = [clean(text) for batch in batches for text in batch][-max_lines:] if appended else []
    assert texts(buffer) == expected


@given(st.text())
def test_cleaned_text_has_no_terminal_controls(text: str) -> None:
    cleaned = clean(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in cleaned)
