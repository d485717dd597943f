"""LogBuffer: bounded ring buffer, dropped counter, 16 KiB cut, defensive cleaning, filters; row selection
(context lines, separators, hidden sources) and JSON pretty-printing."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from tui.adapters.log_lines import LogLine as AdapterLogLine
from widgets.log_buffer import MAX_LINE_BYTES, LogBuffer, LogLine, clean, cut
from widgets.log_rows import SEPARATOR, RowLayout, RowSelector, next_context, pretty_json


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


# ---- row selection: filter, context lines with separators, hidden sources (widgets.log_rows)


def numbered(texts: list[str], source: str = "") -> list[tuple[int, LogLine]]:
    return [(n, LogLine(source, text)) for n, text in enumerate(texts)]


def test_without_filter_or_hidden_sources_every_line_is_a_row() -> None:
    selector = RowSelector()
    assert selector.shows_everything
    assert selector.feed(numbered(["a", "b"])) == [0, 1]


def test_context_adds_neighbours_and_separates_groups_that_do_not_touch() -> None:
    lines = [f"line {n}" for n in range(20)]
    lines[5] = lines[15] = "match"
    selector = RowSelector(re.compile("match"), context=2)
    assert selector.feed(numbered(lines)) == [3, 4, 5, 6, 7, SEPARATOR, 13, 14, 15, 16, 17]


def test_overlapping_context_groups_merge_without_a_separator() -> None:
    lines = ["x"] * 10
    lines[3] = lines[6] = "hit"
    selector = RowSelector(re.compile("hit"), context=2)
    assert selector.feed(numbered(lines)) == [1, 2, 3, 4, 5, 6, 7, 8]


def test_context_fed_in_pieces_equals_context_fed_at_once() -> None:
    lines = [("hit" if n % 7 == 0 else "x") for n in range(60)]
    whole = RowSelector(re.compile("hit"), context=2).feed(numbered(lines))
    pieces = RowSelector(re.compile("hit"), context=2)
    rows = [row for start in range(0, 60, 4) for row in pieces.feed(numbered(lines)[start : start + 4])]
    assert rows == whole


def test_no_separator_without_context() -> None:
    selector = RowSelector(re.compile("hit"))
    assert selector.feed(numbered(["hit", "x", "x", "hit"])) == [0, 3]


def test_inverted_filter_with_context_shows_the_non_matching_lines_and_their_neighbours() -> None:
    selector = RowSelector(re.compile("debug"), invert=True, context=1)
    rows = selector.feed(numbered(["debug", "debug", "debug", "error", "debug", "debug", "debug"]))
    assert rows == [2, 3, 4]


def test_hidden_sources_are_not_rows_and_not_context() -> None:
    pairs = [
        (0, LogLine("web", "hit")),
        (1, LogLine("db", "x")),
        (2, LogLine("web", "y")),
        (3, LogLine("db", "hit")),
    ]
    assert RowSelector(hidden={"db"}).feed(pairs) == [0, 2]
    assert RowSelector(re.compile("hit"), context=1, hidden={"db"}).feed(pairs) == [0, 2]


def test_next_context_cycles_0_2_5_10() -> None:
    assert [next_context(n) for n in (0, 2, 5, 10, 3)] == [2, 5, 10, 0, 5]


def test_pretty_json_indents_objects_and_leaves_other_lines_alone() -> None:
    assert pretty_json('{"level": "info", "n": [1, 2]}') == [
        "{",
        '  "level": "info",',
        '  "n": [',
        "    1,",
        "    2",
        "  ]",
        "}",
    ]
    assert pretty_json("plain text") is None
    assert pretty_json("{not json}") is None
    assert pretty_json('"a string"') is None


def test_pretty_json_never_returns_terminal_controls_that_the_raw_line_escaped() -> None:
    pretty = pretty_json('{"m": "\\u001b[31mred \\u009b x \\u202e"}')
    assert pretty is not None
    assert all(clean(line) == line for line in pretty)
    shown = "".join(pretty)
    assert not any(c in shown for c in ("\x1b", "\x9b", "\u202e"))


def test_row_layout_finds_the_row_of_a_screen_line_and_forgets_dropped_rows() -> None:
    layout = RowLayout()
    layout.append([1, 3, 2])  # rows 0..2 take screen lines 0, 1-3, 4-5
    assert layout.height == 6
    assert [layout.locate(line) for line in range(7)] == [(0, 0), (1, 0), (1, 1), (1, 2), (2, 0), (2, 1), None]
    assert layout.drop_front(1) == 1
    assert (layout.height, layout.start(1), layout.locate(0)) == (5, 3, (0, 0))


def test_row_layout_stays_right_through_many_drops_and_compactions() -> None:
    layout, heights = RowLayout(), []
    for batch in range(40):
        new = [1 + (batch + n) % 3 for n in range(500)]
        layout.append(new)
        heights += new
        dropped = max(0, len(heights) - 3_000)
        assert layout.drop_front(dropped) == sum(heights[:dropped])
        del heights[:dropped]
    assert len(layout) == len(heights) and layout.height == sum(heights)
    line = 0
    for row, height in enumerate(heights):
        assert layout.start(row) == line and layout.locate(line + height - 1) == (row, height - 1)
        line += height
