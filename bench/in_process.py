"""Scenarios that drive the real app headless (App.run_test) against the sandbox: event latency (3, 4), logs (8).

Latency is taken when the view applies the delta to its table (a spy around ``LiveView.apply_delta``), then one
frame is rendered; the event's own time comes from the engine (Docker ``timeNano``) or from a reference watch
opened in this process before the change (Kubernetes), so the figure is the app's own delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import psutil
from textual.pilot import Pilot

from bench.common import LABEL, NAMESPACE, PREFIX, TERM_SIZE, emit, log, median, percentile
from bench.fixtures import THREADS, docker_api, kube, pending_pod, pod_spec
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.models import Deleted, Upserted
from tui.app import PortsideApp, make_app
from tui.audit import AuditLog
from tui.views.live_view import LiveView
from tui.views.log_screen import container_log_screen
from widgets.log_view import LogView
from widgets.resource_table import ResourceTable


async def until(pilot: Pilot[Any], condition: Callable[[], object], timeout: float, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await pilot.pause(step)
    return True


async def frame(pilot: Pilot[Any]) -> None:
    """Let pending messages run, then render the screen once (what a terminal would be sent)."""
    await pilot._wait_for_screen()
    pilot.app.screen._on_timer_update()


def bench_app(namespace: str = NAMESPACE) -> PortsideApp:
    audit = AuditLog(Path(tempfile.mkdtemp(prefix="portside-bench-")) / "audit.jsonl")
    return make_app(DockerEngine(), KubeCluster(context="sandbox-admin", namespace=namespace), audit)


def spy_on(view: LiveView) -> dict[str, list[tuple[float, Any]]]:
    """Record (time, item or None) per key each time the view applies an upsert or a delete."""
    applied: dict[str, list[tuple[float, Any]]] = defaultdict(list)
    original = view.apply_delta

    def spy(delta: Any) -> None:
        original(delta)
        now = time.time()
        if isinstance(delta, Upserted):
            applied[delta.item.key].append((now, delta.item))
        elif isinstance(delta, Deleted):
            applied[delta.key].append((now, None))

    view.apply_delta = spy  # type: ignore[method-assign]
    return applied


def table_of(app: PortsideApp, view_id: str) -> ResourceTable:
    return app.query_one(f"#{view_id}", LiveView).query_one(ResourceTable)


# ---- scenario 3: Docker event to updated row


class DockerEvents:
    """The engine's rename events for bench containers, with the engine's own time (timeNano)."""

    def __init__(self) -> None:
        self.api = docker_api()
        self.times: dict[tuple[str, str], float] = {}
        self.stream = self.api.events(
            decode=True, filters={"type": "container", "event": "rename", "label": LABEL}
        )
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with contextlib.suppress(Exception):
            for event in self.stream:
                actor = event.get("Actor") or {}
                name = str((actor.get("Attributes") or {}).get("name", ""))
                self.times[(str(actor.get("ID")), name)] = event["timeNano"] / 1e9

    def close(self) -> None:
        self.stream.close()


async def docker_event_latency(n: int, singles: int, burst: int) -> None:
    api = docker_api()
    ids = [
        c["Id"] for c in sorted(api.containers(all=True, filters={"label": LABEL}), key=lambda c: c["Names"][0])
    ]
    if len(ids) < singles + burst:
        emit(3, "docker event to row", None, "ms", n=n, note=f"only {len(ids)} bench containers")
        return
    app = bench_app()
    events = DockerEvents()
    try:
        async with app.run_test(size=TERM_SIZE) as pilot:
            view = app.query_one("#containers-view", LiveView)
            applied = spy_on(view)
            rows = view.query_one(ResourceTable)
            await until(pilot, lambda: all(i in rows.records for i in ids), 120)

            def latency(cid: str, name: str) -> float | None:
                sent = events.times.get((cid, name))
                seen = next(
                    (t for t, item in applied.get(cid, []) if item is not None and item.name == name), None
                )
                return None if sent is None or seen is None else (seen - sent) * 1000

            single: list[float] = []
            for i, cid in enumerate(ids[:singles]):
                name = f"{PREFIX}-s{i:05d}"
                await asyncio.to_thread(api.rename, cid, name)
                await until(pilot, partial(lambda c, m: latency(c, m) is not None, cid, name), 30, 0.002)
                await frame(pilot)
                value = latency(cid, name)
                if value is not None:
                    single.append(value)
            emit(3, "docker event to row, single events, p50", median(single), "ms", n=n, reps=len(single))
            emit(
                3,
                "docker event to row, single events, p95",
                percentile(single, 95),
                "ms",
                n=n,
                target=150.0,
                reps=len(single),
            )

            targets = [(cid, f"{PREFIX}-b{i:05d}") for i, cid in enumerate(ids[singles : singles + burst])]

            def rename_all() -> None:
                with ThreadPoolExecutor(THREADS) as pool:
                    list(pool.map(lambda t: api.rename(*t), targets))

            started = time.perf_counter()
            await asyncio.to_thread(rename_all)
            await until(pilot, lambda: all(latency(c, m) is not None for c, m in targets), 60, 0.005)
            await frame(pilot)
            drained = time.perf_counter() - started
            values = [v for c, m in targets if (v := latency(c, m)) is not None]
            emit(3, f"docker event to row, burst of {burst}, p50", median(values), "ms", n=n, reps=len(values))
            emit(
                3,
                f"docker event to row, burst of {burst}, p95",
                percentile(values, 95),
                "ms",
                n=n,
                target=150.0,
                reps=len(values),
                burst_drained_s=drained,
            )
    finally:
        events.close()


# ---- scenario 4: Kubernetes watch event to updated row


class ReferenceWatch:
    """A bare watch of the bench namespace in a thread: when each pod event reaches this process."""

    def __init__(self, cluster: KubeCluster) -> None:
        self.cluster = cluster
        self.times: dict[str, list[float]] = defaultdict(list)
        version = cluster.request("GET", f"/api/v1/namespaces/{NAMESPACE}/pods", {"limit": 1})["metadata"][
            "resourceVersion"
        ]
        query = {"watch": "true", "resourceVersion": version, "timeoutSeconds": 600}
        self.response = cluster.request(
            "GET", f"/api/v1/namespaces/{NAMESPACE}/pods", query, stream=True, timeout=(5, 700)
        )
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with contextlib.suppress(Exception):
            for line in self.response:
                event = json.loads(line)
                uid = str(((event.get("object") or {}).get("metadata") or {}).get("uid", ""))
                self.times[uid].append(time.time())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.response.shutdown()
            self.response.close()


def paired_latencies(ref: dict[str, list[float]], applied: dict[str, list[tuple[float, Any]]]) -> list[float]:
    """The k-th event of a pod seen by the reference watch against the k-th one the view applied (ms)."""
    out = []
    for uid, times in list(ref.items()):
        for sent, (seen, _) in zip(times, applied.get(uid, []), strict=False):
            out.append((seen - sent) * 1000)
    return out


def deployment(name: str, replicas: int, revision: str) -> dict[str, Any]:
    labels = {"app": name}
    template = {"metadata": {"labels": labels, "annotations": {"bench/revision": revision}}, "spec": pod_spec()}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"portside-bench": "1"}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template},
    }


async def kube_event_latency(n: int, singles: int, replicas: int) -> None:
    cluster = kube()
    app = bench_app()
    ref = ReferenceWatch(cluster)
    try:
        async with app.run_test(size=TERM_SIZE) as pilot:
            await pilot.press("4")
            view = app.query_one("#pods-view", LiveView)
            applied = spy_on(view)
            rows = view.query_one(ResourceTable)
            synced = await until(pilot, lambda: rows.row_count >= n, 300, 0.05)
            if not synced:
                emit(4, "kube event to row", None, "ms", n=n, note=f"pods table never reached {n} rows")
                return
            path = f"/api/v1/namespaces/{NAMESPACE}/pods"
            # A created pod: from the moment its request is sent, so the API server's write and its watch fan-out
            # are counted (the reference watch and the view's receive one event up to ~1 ms apart, in either order).
            single: list[float] = []
            for i in range(singles):
                sent = time.time()
                created = await asyncio.to_thread(
                    cluster.request, "POST", path, None, pending_pod(f"{PREFIX}-e{i:05d}")
                )
                uid = created["metadata"]["uid"]
                await until(pilot, partial(lambda u: u in applied, uid), 30, 0.002)
                await frame(pilot)
                single.append((applied[uid][0][0] - sent) * 1000)
            emit(4, "kube pod created (request sent) to row, p50", median(single), "ms", n=n, reps=len(single))
            emit(
                4,
                "kube pod created (request sent) to row, p95",
                percentile(single, 95),
                "ms",
                n=n,
                target=150.0,
                reps=len(single),
            )

            # A deployment of `replicas` pods, then a rollout (new template): every pod event it causes.
            ref.times.clear()
            applied.clear()
            deploys = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments"
            name = f"{PREFIX}-rollout"
            started = time.perf_counter()
            await asyncio.to_thread(cluster.request, "POST", deploys, None, deployment(name, replicas, "1"))
            await until(
                pilot,
                lambda: sum(1 for p in rows.records.values() if p.name.startswith(name)) >= replicas,
                120,
                0.01,
            )
            all_rows = time.perf_counter() - started
            await asyncio.to_thread(
                cluster.request, "PUT", f"{deploys}/{name}", None, deployment(name, replicas, "2")
            )
            # Let the controllers churn; stop when no pod event has arrived for 3 s (or after 60 s).
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                last = max((t[-1] for t in ref.times.values() if t), default=0)
                if last and time.time() - last > 3:
                    break
                await pilot.pause(0.2)
            await frame(pilot)
            values = paired_latencies(ref.times, applied)
            missing = sum(len(t) for t in ref.times.values()) - len(values)
            emit(
                4,
                f"kube watch event to row, rollout of {replicas} replicas, p50",
                median(values),
                "ms",
                n=n,
                reps=len(values),
            )
            emit(
                4,
                f"kube watch event to row, rollout of {replicas} replicas, p95",
                percentile(values, 95),
                "ms",
                n=n,
                target=150.0,
                reps=len(values),
                events_not_applied=missing,
                create_to_all_rows_s=all_rows,
            )
    finally:
        ref.close()
        with contextlib.suppress(Exception):
            cluster.request(
                "DELETE",
                f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{PREFIX}-rollout",
                {"propagationPolicy": "Background"},
            )
        cluster.close()


# ---- scenario 8: logs


@contextlib.asynccontextmanager
async def followed_log(rate: int) -> AsyncIterator[tuple[Pilot[Any], LogView]]:
    """A container printing ``rate`` lines a second (a burst each second), its log screen following it, past
    the first tail of 1,000 lines."""
    api = docker_api()
    name = f"{PREFIX}-log{rate}"
    command = ["sh", "-c", f"while :; do seq 1 {rate}; sleep 1; done"]
    config = api.create_host_config(network_mode="none")
    cid = api.create_container(
        "portside/busybox:latest", command, name=name, labels={"portside-bench": "1"}, host_config=config
    )["Id"]
    api.start(cid)
    engine = DockerEngine()
    app = bench_app()
    try:
        async with app.run_test(size=TERM_SIZE) as pilot:
            record = await asyncio.to_thread(engine.get_container, cid)
            assert record is not None, "the log container vanished"
            await app.push_screen(container_log_screen(engine, record))
            log_view = app.screen.query_one(LogView)
            await until(pilot, lambda: log_view.buffer.total > 0, 30, 0.05)
            await pilot.pause(2)
            yield pilot, log_view
    finally:
        with contextlib.suppress(Exception):
            api.remove_container(cid, force=True)


async def log_throughput(rate: int, seconds: float) -> None:
    me = psutil.Process()
    async with followed_log(rate) as (pilot, log_view):
        lags: list[float] = []
        first_total, first_skipped, cpu_before = log_view.buffer.total, log_view.skipped, me.cpu_times()
        started = time.perf_counter()
        seen = first_total
        while time.perf_counter() - started < seconds:
            await pilot.pause(0.05)
            # Only when lines arrived: the producer writes a burst a second, and between bursts the
            # newest line ages without anything being late.
            if log_view.buffer.total == seen:
                continue
            seen = log_view.buffer.total
            last = log_view.buffer.tail(1)
            if last and last[0].timestamp is not None:
                lags.append(time.time() - last[0].timestamp.timestamp())
        elapsed = time.perf_counter() - started
        cpu_after = me.cpu_times()
        delivered = (log_view.buffer.total - first_total) / elapsed
        skipped = (log_view.skipped - first_skipped) / elapsed
        cpu = 100 * ((cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)) / elapsed
        rss = me.memory_info().rss / 2**20
    target = 20000 * 0.9 if rate >= 20000 else rate * 0.9  # seq + sleep 1 prints a little under the rate
    emit(
        8,
        "logs: lines/s delivered",
        delivered,
        "lines/s",
        n=rate,
        target=target,
        lower_is_better=False,
        window_s=seconds,
        cpu_ms_per_1k_lines=cpu / 100 / delivered * 1e6 if delivered else None,
    )
    emit(8, "logs: lines/s skipped (counted and marked in the log)", skipped, "lines/s", n=rate, window_s=seconds)
    # Up to 20,000 lines/s the target is a lag of at most 1 s; above, that the lag does not grow.
    keeps_up = rate <= 20000
    emit(8, "logs: lag, median", median(lags), "s", n=rate, target=1.0 if keeps_up else None, samples=len(lags))
    emit(8, "logs: lag, max", max(lags) if lags else None, "s", n=rate, target=1.0 if keeps_up else None)
    if not keeps_up:
        third = max(len(lags) // 3, 1)
        first, last = median(lags[:third]), median(lags[-third:])
        growth = last - first if first is not None and last is not None else None
        emit(8, "logs: lag growth, last third of the window minus the first", growth, "s", n=rate, target=0.5)
    emit(8, "logs: CPU of the bench process (app + harness)", cpu, "% of one core", n=rate)
    emit(8, "logs: RSS of the bench process", rss, "MB", n=rate)
    log(f"logs {rate}/s: delivered {delivered:.0f}/s")


async def log_soak(rate: int, minutes: float) -> None:
    """RSS of the process following ``rate`` lines/s for ``minutes``: the buffer is bounded, so after the first
    minute (buffer full, caches warm) the RSS must stay flat. Figure: growth from minute 1 to the end."""
    me = psutil.Process()
    async with followed_log(rate) as (pilot, log_view):
        started = time.perf_counter()
        samples: list[tuple[float, float]] = []
        while (elapsed := time.perf_counter() - started) < minutes * 60:
            await pilot.pause(5)
            samples.append((elapsed, me.memory_info().rss / 2**20))
        rolled_out = log_view.buffer.dropped  # lines the bounded buffer let go: what keeps the RSS flat
    warm = [rss for at, rss in samples if at >= 60] or [rss for _, rss in samples]
    growth = warm[-1] - warm[0]
    emit(
        8,
        f"logs: RSS growth over a {minutes:g}-minute soak (from minute 1)",
        growth,
        "MB",
        n=rate,
        target=10.0,
        rss_start_mb=round(warm[0], 1),
        rss_end_mb=round(warm[-1], 1),
        rss_max_mb=round(max(warm), 1),
        rolled_out_of_buffer=rolled_out,
    )
    log(f"log soak {rate}/s for {minutes:g} min: RSS {warm[0]:.0f} -> {warm[-1]:.0f} MB")
