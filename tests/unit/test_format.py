"""tui.format: sizes, kubectl-style ages and short ids as the tables show them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui.format import age, human_size, short_id

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0B"),
        (1, "1B"),
        (999, "999B"),
        (1000, "1.0kB"),
        (1500, "1.5kB"),
        (99_949, "99.9kB"),
        (100_000, "100kB"),
        (123_456_789, "123MB"),
        (5_600_000_000, "5.6GB"),
        (2 * 10**12, "2.0TB"),
        (3 * 10**15, "3000TB"),
    ],
)
def test_human_size_uses_decimal_units_with_one_decimal_below_100(size: int, shown: str) -> None:
    assert human_size(size) == shown


@pytest.mark.parametrize("size", [99_950, 999_500, 999_999, 999_999_999])
def test_human_size_shows_at_most_three_significant_digits_below_terabytes(size: int) -> None:
    number = human_size(size).rstrip("kMGTB")
    assert float(number) < 1000
    assert "." not in number or float(number) < 100


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0s"),
        (45, "45s"),
        (59, "59s"),
        (60, "1m"),
        (12 * 60 + 30, "12m"),
        (2 * 3600 - 1, "119m"),
        (2 * 3600, "2h"),
        (3 * 3600 + 59 * 60, "3h"),
        (2 * 86400 - 1, "47h"),
        (2 * 86400, "2d"),
        (5 * 86400 + 23 * 3600, "5d"),
        (400 * 86400, "400d"),
    ],
)
def test_age_is_kubectl_style_with_whole_units(seconds: int, shown: str) -> None:
    assert age(NOW - timedelta(seconds=seconds), now=NOW) == shown


def test_age_of_unknown_time_is_question_mark() -> None:
    assert age(None, now=NOW) == "?"


def test_age_in_the_future_is_zero_seconds() -> None:
    assert age(NOW + timedelta(minutes=5), now=NOW) == "0s"


def test_age_defaults_now_to_current_utc_time() -> None:
    assert age(datetime.now(UTC) - timedelta(hours=5)) == "5h"


def test_short_id_strips_sha256_prefix_and_keeps_twelve_chars() -> None:
    digest = "sha256:" + "0123456789abcdef" * 4
    assert short_id(digest) == "0123456789ab"


def test_short_id_of_plain_container_id_keeps_twelve_chars() -> None:
    assert short_id("f00dfacecafe1234567890") == "f00dfacecafe"


def test_short_id_of_short_value_is_unchanged() -> None:
    assert short_id("abc") == "abc"
    assert short_id("") == ""
