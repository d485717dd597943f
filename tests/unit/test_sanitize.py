"""tui.adapters.sanitize: nothing that drives a terminal survives; ordinary text is untouched."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tui.adapters.sanitize import CARRIAGE_RETURN_MARK, LineDecoder, clean_line, clean_text

# Everything the sanitiser promises to remove (tab and newline are handled separately).
C0 = [chr(c) for c in range(0x20) if chr(c) not in "\t\n"] + ["\x7f"]
C1 = [chr(c) for c in range(0x80, 0xA0)]
BIDI = [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]
BIDI += ["\u200e", "\u200f", "\u061c"]
FORBIDDEN = re.compile("[" + re.escape("".join(C0 + C1 + BIDI)) + "]")

# Text biased towards the dangerous characters and escape-sequence fragments.
FRAGMENTS = ["\x1b[", "\x1b]", "\x1b]52;c;", "\x1b]8;;", "\x1bP", "\x1b\\", "\x07", "\x9b", "\x9d", "\x9c", "\r\n"]
hostile = st.lists(
    st.one_of(
        st.sampled_from([*C0, *C1, *BIDI, "\t", "\n", "\r", *FRAGMENTS]),
        st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=4),
    ),
    max_size=12,
).map("".join)
# Text without anything the sanitiser has to touch.
harmless_char = st.characters(exclude_categories=["Cs"]).filter(lambda c: not FORBIDDEN.match(c) and c != "\r")


@given(hostile)
def test_clean_text_output_has_no_escape_c0_c1_or_bidi_controls(text: str) -> None:
    out = clean_text(text)
    assert "\x1b" not in out
    assert FORBIDDEN.search(out) is None, repr(out)


@given(hostile)
def test_clean_line_output_has_no_newline_and_no_controls(text: str) -> None:
    out = clean_line(text)
    assert "\n" not in out
    assert "\x1b" not in out
    assert FORBIDDEN.search(out) is None, repr(out)


@given(hostile)
def test_clean_text_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


@given(hostile)
def test_clean_line_is_idempotent(text: str) -> None:
    once = clean_line(text)
    assert clean_line(once) == once


@given(st.text(alphabet=harmless_char))
def test_clean_text_leaves_text_without_controls_unchanged(text: str) -> None:
    assert clean_text(text) == text


@given(st.text(alphabet=harmless_char.filter(lambda c: c != "\n")))
def test_clean_line_leaves_text_without_controls_unchanged(text: str) -> None:
    assert clean_line(text) == text


@given(st.text().filter(str.isprintable))
def test_printable_text_passes_both_cleaners_unchanged(text: str) -> None:
    assert clean_text(text) == text
    assert clean_line(text) == text


def test_csi_colour_codes_are_removed_and_text_kept() -> None:
    assert clean_line("\x1b[1;31mERROR\x1b[0m: disk \x1b[38;5;208mfull\x1b[m") == "ERROR: disk full"


def test_csi_cursor_movement_and_screen_clear_are_removed() -> None:
    assert clean_line("a\x1b[2J\x1b[H\x1b[10;20Hb\x1b[?25l") == "ab"


def test_osc52_clipboard_write_is_removed_with_its_payload_bel_terminated() -> None:
    assert clean_line("before\x1b]52;c;cm0gLXJmIH4K\x07after") == "beforeafter"


def test_osc52_clipboard_write_is_removed_with_its_payload_st_terminated() -> None:
    assert clean_line("before\x1b]52;c;cm0gLXJmIH4K\x1b\\after") == "beforeafter"


def test_osc8_hyperlink_is_removed_keeping_only_the_visible_text() -> None:
    out = clean_line("see \x1b]8;;https://evil.example/x\x07docs\x1b]8;;\x07 now")
    assert out == "see docs now"
    assert "evil" not in out


def test_unterminated_osc_swallows_the_rest_of_the_line() -> None:
    assert clean_line("ok\x1b]0;set title forever") == "ok"


def test_dcs_sequence_is_removed_with_payload() -> None:
    assert clean_line("a\x1bPq#0;2;0;0;0\x1b\\b") == "ab"


def test_eight_bit_osc_string_is_removed_with_payload() -> None:
    assert clean_line("a\x9d52;c;payload\x9cb") == "ab"


def test_lone_escape_is_removed() -> None:
    assert clean_line("a\x1b") == "a"


def test_carriage_return_is_shown_as_visible_mark() -> None:
    assert CARRIAGE_RETURN_MARK == "\u240d"
    assert clean_line("progress 10%\rprogress 20%") == "progress 10%\u240dprogress 20%"
    assert clean_text("a\rb") == "a\u240db"


def test_crlf_in_clean_text_becomes_plain_newline() -> None:
    assert clean_text("line1\r\nline2\r\n") == "line1\nline2\n"


def test_clean_line_treats_trailing_crlf_like_a_trailing_newline() -> None:
    assert clean_line("Up 3 minutes\r\n") == clean_line("Up 3 minutes\n") == "Up 3 minutes"


def test_clean_line_marks_inner_crlf_as_one_newline_mark() -> None:
    assert clean_line("a\r\nb") == "a\u2424b"


def test_clean_text_keeps_newlines_and_tabs() -> None:
    assert clean_text("key:\n\tvalue\x00\n") == "key:\n\tvalue\n"


def test_clean_line_drops_trailing_newline_and_marks_inner_ones() -> None:
    assert clean_line("one\ntwo\n") == "one\u2424two"


def test_clean_line_keeps_tabs() -> None:
    assert clean_line("a\tb") == "a\tb"


def test_bidi_override_is_removed_from_a_name() -> None:
    # "invoice\u202egnp.exe" would display as "invoiceexe.png".
    assert clean_line("invoice\u202egnp.exe") == "invoicegnp.exe"


def test_c1_controls_and_del_are_removed() -> None:
    assert clean_line("a\x85b\x9bc\x7fd") == "abcd"


# ---- LineDecoder


def test_line_decoder_splits_complete_lines_and_keeps_partial_line_pending() -> None:
    decoder = LineDecoder()
    assert decoder.feed(b"one\ntwo\nthr") == ["one", "two"]
    assert decoder.feed(b"ee\n") == ["three"]
    assert decoder.flush() == []


def test_line_decoder_joins_multibyte_character_split_across_feeds() -> None:
    data = "héllo €uro 🐳\n".encode()
    for cut in range(1, len(data)):
        decoder = LineDecoder()
        lines = decoder.feed(data[:cut]) + decoder.feed(data[cut:]) + decoder.flush()
        assert lines == ["héllo €uro 🐳"], cut


def test_line_decoder_handles_one_byte_at_a_time() -> None:
    decoder = LineDecoder()
    lines: list[str] = []
    for byte in "ünïcode 🐳\nzwei\n".encode():
        lines += decoder.feed(bytes([byte]))
    assert lines == ["ünïcode 🐳", "zwei"]


def test_line_decoder_replaces_invalid_bytes_with_replacement_character() -> None:
    decoder = LineDecoder()
    assert decoder.feed(b"bad \xff\xfe byte\n") == ["bad \ufffd\ufffd byte"]


def test_line_decoder_flush_returns_trailing_partial_line() -> None:
    decoder = LineDecoder()
    assert decoder.feed(b"done\nno newline at end") == ["done"]
    assert decoder.flush() == ["no newline at end"]
    assert decoder.flush() == []


def test_line_decoder_flush_turns_truncated_multibyte_char_into_replacement() -> None:
    decoder = LineDecoder()
    assert decoder.feed("ab€".encode()[:-1]) == []
    assert decoder.flush() == ["ab\ufffd"]


def test_line_decoder_cleans_escape_sequences_in_lines() -> None:
    decoder = LineDecoder()
    assert decoder.feed(b"\x1b[32mgreen\x1b[0m\n\x1b]52;c;eA==\x07x\n") == ["green", "x"]


def test_line_decoder_crlf_line_endings_give_the_same_lines_as_lf() -> None:
    assert LineDecoder().feed(b"one\r\ntwo\r\n") == ["one", "two"]


def test_line_decoder_keeps_empty_lines() -> None:
    assert LineDecoder().feed(b"a\n\nb\n") == ["a", "", "b"]


@given(
    st.lists(st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp"))), max_size=5),
    st.data(),
)
def test_line_decoder_any_chunking_gives_the_same_lines(lines: list[str], data: st.DataObject) -> None:
    payload = "".join(line + "\n" for line in lines).encode()
    cuts = sorted(data.draw(st.lists(st.integers(0, len(payload)), max_size=6)))
    decoder = LineDecoder()
    out: list[str] = []
    for start, end in zip([0, *cuts], [*cuts, len(payload)], strict=True):
        out += decoder.feed(payload[start:end])
    out += decoder.flush()
    assert out == lines
