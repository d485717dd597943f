"""Pure formatting of values for tables (unit-tested)."""

from __future__ import annotations

from datetime import UTC, datetime


def human_size(size: int) -> str:
    """Decimal units, at most three significant digits: 999B, 1.5kB, 120MB."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        text = f"{value:.0f}" if unit == "B" or round(value, 1) >= 100 else f"{value:.1f}"
        if float(text) < 1000:
            return text + unit
        value /= 1000
    return f"{value:.1f}TB" if value < 100 else f"{value:.0f}TB"


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
