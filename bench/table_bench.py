"""Scenario 5: the resource table alone, with synthetic pods, in a LiveView (the filter is the view's).

Each figure is the time from the change to one rendered frame (``frame``), median over repetitions.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from bench.common import TERM_SIZE, emit, log, median
from bench.in_process import frame
from tui.actions import Gateway
from tui.adapters.live import LiveFeed
from tui.adapters.models import Backoff, Delta, PodInfo, Snapshot, Upserted
from tui.audit import AuditLog
from tui.views.live_view import LiveView
from widgets.resource_table import Column, ResourceTable

STATUSES = ("Pending", "Running", "ContainerCreating", "CrashLoopBackOff", "Completed")


async def keystroke(pilot: Pilot[Any], key: str, applied: Callable[[], bool]) -> None:
    """A key as the terminal sends it, until the view has applied it, then one rendered frame. (Pilot.press
    waits twice for the app to be idle, in 20 ms steps: ~64 ms even for a key bound to nothing.)"""
    pilot.app._driver.send_message(events.Key(key, key if len(key) == 1 else None))  # type: ignore[union-attr]
    deadline = time.monotonic() + 30
    while not applied() and time.monotonic() < deadline:
        await asyncio.sleep(0)
    await frame(pilot)


def scrolled_from(view: LiveView, top: float) -> Callable[[], bool]:
    return lambda: view.table.scroll_offset.y != top


def filtered_by(view: LiveView, text: str) -> Callable[[], bool]:
    return lambda: view.filter_text == text


class IdleFeed(LiveFeed[Any]):
    """A feed that yields nothing until closed: the bench applies deltas itself, on the loop."""

    def _run(self, backoff: Backoff) -> Iterator[Delta[Any]]:
        self._closed.wait()
        return iter(())


class SyntheticPods(LiveView):
    NOUN = "pods"
    COLUMNS = [
        Column("namespace", "NAMESPACE", lambda p: p.namespace),
        Column("name", "NAME", lambda p: p.name),
        Column("ready", "READY", lambda p: f"{p.ready}/{p.total}"),
        Column("status", "STATUS", lambda p: Text(p.status)),
        Column("restarts", "RESTARTS", lambda p: str(p.restarts)),
        Column("node", "NODE", lambda p: p.node),
        Column("ip", "IP", lambda p: p.ip),
    ]

    def target(self) -> str:
        return "synthetic"


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        audit = AuditLog(Path(tempfile.mkdtemp(prefix="portside-bench-")) / "audit.jsonl")

        async def refuse(_: Any) -> bool:
            return False

        yield SyntheticPods(IdleFeed, Gateway(audit, refuse, readonly=True), id="synthetic")


def ms(seconds: list[float]) -> float | None:
    """The median of ``seconds``, in milliseconds."""
    value = median(seconds)
    return None if value is None else value * 1000


def pods(n: int) -> list[PodInfo]:
    now = datetime.now(UTC)
    return [
        PodInfo(
            uid=f"uid-{i:06d}",
            namespace=f"ns-{i % 50:02d}",
            name=f"app-{i % 997:03d}-{i:06d}",
            phase="Pending",
            status=STATUSES[i % len(STATUSES)],
            ready=0,
            total=1,
            restarts=i % 7,
            node=f"node-{i % 20:02d}",
            ip=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
            created=now,
        )
        for i in range(n)
    ]


async def table_figures(n: int, reps: int) -> None:
    records = pods(n)
    rng = random.Random(n)
    app = TableApp()
    async with app.run_test(size=TERM_SIZE) as pilot:
        view = app.query_one(SyntheticPods)
        table = view.query_one(ResourceTable)
        table.focus()
        started = time.perf_counter()
        view.post_message(LiveView.FeedDelta(Snapshot(tuple(records))))
        await frame(pilot)
        while table.row_count < n:
            await pilot.pause(0.05)
        await frame(pilot)
        first = time.perf_counter() - started
        emit(5, "table: first paint of the snapshot", first, "s", n=n)
        log(f"table {n}: first paint {first:.2f}s")

        for share in (0.01, 0.10):
            costs = []
            for rep in range(reps):
                changed = rng.sample(records, int(n * share))
                fresh = [
                    replace(
                        p,
                        status=STATUSES[(STATUSES.index(p.status) + 1 + rep) % len(STATUSES)],
                        restarts=p.restarts + 1,
                    )
                    for p in changed
                ]
                started = time.perf_counter()
                for pod in fresh:
                    view.post_message(LiveView.FeedDelta(Upserted(pod)))
                await frame(pilot)
                costs.append(time.perf_counter() - started)
                for pod in fresh:  # the next repetition changes the current records
                    records[int(pod.uid[4:])] = pod
            emit(5, f"table: tick with {share:.0%} of rows changed", ms(costs), "ms", n=n, reps=reps)

        costs = []
        for _ in range(reps):
            top = view.table.scroll_offset.y
            started = time.perf_counter()
            await keystroke(pilot, "pagedown", scrolled_from(view, top))
            costs.append(time.perf_counter() - started)
        emit(5, "table: page-down to frame", ms(costs), "ms", n=n, reps=reps)

        await pilot.press("slash")
        costs = []
        typed = ""
        for key in "app-01":  # each keystroke narrows the list: the filter runs over every record
            typed += key
            started = time.perf_counter()
            await keystroke(pilot, key, filtered_by(view, typed))
            costs.append(time.perf_counter() - started)
        target = 50.0 if n <= 10_000 else 150.0
        emit(
            5,
            "table: filter keystroke to frame, median",
            ms(costs),
            "ms",
            n=n,
            target=target,
            reps=len(costs),
        )
        emit(
            5,
            "table: filter keystroke to frame, worst",
            max(costs) * 1000,
            "ms",
            n=n,
            target=target,
            reps=len(costs),
        )
