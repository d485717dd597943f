"""What every scenario shares: the result record, percentiles, wall-time baselines, the bench's labels."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.jsonl"
LABEL_KEY, LABEL_VALUE = "portside-bench", "1"
LABEL = f"{LABEL_KEY}={LABEL_VALUE}"
NAMESPACE = "portside-bench"
PREFIX = "pbench"  # every container and pod name the bench creates starts with it
BUSYBOX = "portside/busybox:latest"
TERM_SIZE = (120, 40)  # columns, rows of the pseudo-terminal and of the headless runs

_records: list[dict[str, Any]] = []


def emit(
    scenario: int | str,
    figure: str,
    value: float | None,
    unit: str,
    *,
    n: int | None = None,
    baseline: float | None = None,
    baseline_what: str | None = None,
    target: float | None = None,
    lower_is_better: bool = True,
    reps: int | None = None,
    note: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Print one JSON line for one figure and keep it for results.jsonl. ``ratio`` is value / baseline."""
    ratio = round(value / baseline, 2) if value is not None and baseline else None
    met: bool | None = None
    if value is not None and target is not None:
        met = value <= target if lower_is_better else value >= target
    record: dict[str, Any] = {
        "scenario": scenario,
        "n": n,
        "figure": figure,
        "value": _round(value),
        "unit": unit,
        "baseline": _round(baseline),
        "ratio": ratio,
        "target": target,
        "met": met,
    }
    if baseline_what:
        record["baseline_what"] = baseline_what
    if reps is not None:
        record["reps"] = reps
    if note:
        record["note"] = note
    record.update({k: _round(v) if isinstance(v, float) else v for k, v in extra.items()})
    record["load1"] = round(os.getloadavg()[0], 1)  # the machine is shared: a busy neighbour shows here
    _records.append(record)
    print(json.dumps(record), flush=True)
    return record


def records() -> list[dict[str, Any]]:
    return list(_records)


def log(text: str) -> None:
    """Progress goes to stderr, so stdout stays one JSON line per figure."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    return round(value, 4) if abs(value) < 10 else round(value, 1)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no samples."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def wall_time(argv: list[str], reps: int = 3) -> float:
    """Median wall time in seconds of a CLI command (the baselines: docker ps -a, kubectl get pods -A)."""
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=os.environ)
        times.append(time.perf_counter() - start)
    return statistics.median(times)
