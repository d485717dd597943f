"""Pure formatting of values for tables (unit-tested)."""

from __future__ import annotations

from datetime import UTC, datetime


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f}{unit}" if unit == "B" or value >= 100 else f"{value:.1f}{unit}"
        value /= 1000
    raise AssertionError("unreachable")


def age(since: datetime | None, now: datetime | None = None) -> str:
    """kubectl-style age: 45s, 12m, 3h, 5d."""
    if since is None:
        return "?"
    seconds = int(((now or datetime.now(UTC)) - since).total_seconds())
    if seconds < 0:
        return "0s"
    for unit, span in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= span * (2 if unit != "m" else 1):
            return f"{seconds // span}{unit}"
    return f"{seconds}s"


def short_id(value: str) -> str:
    return value.removeprefix("sha256:")[:12]
