"""Scenarios run on the real `portside` process under a pty: cold start (1, 2), CPU (6), RSS (7), dtui (9)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from bench.common import NAMESPACE, emit, median, wall_time
from bench.fixtures import docker_api
from bench.pty_harness import TuiProcess, any_name_visible, count_at_least
from bench.textual_floor import ROW

PORTSIDE = str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "portside")
FLOOR_ARGV = [str(Path(PORTSIDE).with_name("python")), str(Path(__file__).with_name("textual_floor.py"))]
DTUI = str(Path.home() / ".cache" / "portside" / "bench-venv" / "bin" / "dtui")
CONTAINERS_SUMMARY = r"(\d+) (?:of \d+ )?containers"
PODS_SUMMARY = r"(\d+) (?:of \d+ )?pods"
POD_ROW = re.compile(r"\S+\s+\S+\s+\d+/\d+\s")
DTUI_ROW = re.compile(r"^│ [●○] +\S")


def textual_floor(scenario: int, reps: int) -> float | None:
    """A bare Textual app's cold start to its one row (bench/textual_floor.py), under the same harness: what any
    Textual app costs on this machine at this moment, to set portside's first row against."""
    firsts, cpu = [], []
    for _ in range(reps):
        with TuiProcess(FLOOR_ARGV) as tui:
            first = tui.wait_for(any_name_visible({ROW}), 60)
            cpu.append(tui.cpu_at_match)
            if first is not None:
                firsts.append(first)
    value = median(firsts)
    emit(
        scenario,
        "bare Textual app: cold start to first painted row",
        value,
        "s",
        reps=len(firsts),
        cpu_s=median(cpu),
    )
    return value


def against_floor(scenario: int, what: str, n: int, value: float | None, floor: float | None) -> None:
    """The first-row figure again, as a multiple of the bare Textual app's (measured minutes apart)."""
    emit(
        scenario,
        f"{what}: first painted row, against a bare Textual app",
        value,
        "s",
        n=n,
        baseline=floor,
        baseline_what="bare Textual app, same run",
    )


def container_names() -> tuple[set[str], int]:
    """Names portside lists (kubelet's k8s_ containers are counted, not listed) and how many."""
    listed = [c for c in docker_api().containers(all=True) if not c.get("Labels", {}).get("io.kubernetes.pod.uid")]
    return {str(c["Names"][0]).lstrip("/") for c in listed}, len(listed)


def portside_argv(*args: str) -> list[str]:
    return [PORTSIDE, "--context", "sandbox-admin", *args]


def containers_cold_start(
    n: int, reps: int, baseline: float, floor: float | None, *, rss: bool = False
) -> float | None:
    """Scenario 1 at one N: first painted row and synced list, median of ``reps`` fresh processes."""
    names, total = container_names()
    firsts, synced, rss_values, cpu = [], [], [], []
    for _ in range(reps):
        with TuiProcess(portside_argv()) as tui:
            first = tui.wait_for(any_name_visible(names), 60)
            cpu.append(tui.cpu_at_match)
            # The status line is written with the snapshot's rows; others' containers come and go, so only
            # ours are counted on.
            full = tui.wait_for(count_at_least(CONTAINERS_SUMMARY, n), 120)
            if first is not None:
                firsts.append(first)
            if full is not None:
                synced.append(full)
            if rss and full is not None:
                time.sleep(1)
                rss_values.append(tui.rss_mb())
    value = median(firsts)
    emit(
        1,
        "containers: cold start to first painted row",
        value,
        "s",
        n=n,
        baseline=baseline,
        baseline_what="docker ps -a",
        target=0.6 if n == 1000 else None,
        reps=len(firsts),
        cpu_s=median(cpu),
        listed=total,
        note=None if firsts else "no row appeared within 60 s",
    )
    against_floor(1, "containers", n, value, floor)
    emit(
        1,
        "containers: cold start to fully synced list",
        median(synced),
        "s",
        n=n,
        baseline=baseline,
        baseline_what="docker ps -a",
        target=2 * baseline,
        reps=len(synced),
        listed=total,
    )
    if rss:
        emit(7, "containers: RSS synced", median(rss_values), "MB", n=n, reps=len(rss_values))
    return value


def dtui_cold_start(n: int, reps: int, portside_first: float | None) -> None:
    """Scenario 9: the Textual Docker peer docker-tui (dtui) on scenario 1, as a ratio to portside."""
    if not os.path.exists(DTUI):
        emit(9, "dtui: cold start to first painted row", None, "s", n=n, note=f"{DTUI} missing: run scripts/bench")
        return
    firsts, cpu = [], []
    problem = None
    for _ in range(reps):
        with TuiProcess([DTUI]) as tui:
            first = tui.wait_for(lambda lines: any(DTUI_ROW.match(line) for line in lines), 60)
            cpu.append(tui.cpu_at_match)
            if first is None:
                problem = "no row within 60 s: " + " / ".join(x.strip() for x in tui.lines() if x.strip())[:300]
            else:
                firsts.append(first)
    emit(
        9,
        "dtui: cold start to first painted row (ratio = dtui / portside)",
        median(firsts),
        "s",
        n=n,
        baseline=portside_first,
        baseline_what="portside, same run",
        reps=len(firsts),
        cpu_s=median(cpu),
        note=problem,
    )


def steady_cpu(label: str, n: int, seconds: float, target: float, *, pods: bool = False) -> None:
    """Scenario 6: CPU of the portside process over ``seconds`` once its list is synced and settled."""
    argv = portside_argv("-n", NAMESPACE) if pods else portside_argv()
    with TuiProcess(argv) as tui:
        if pods:
            tui.send(b"4")
            ready = tui.wait_for(count_at_least(PODS_SUMMARY, n), 180)
        else:
            ready = tui.wait_for(count_at_least(CONTAINERS_SUMMARY, n), 120)
        if ready is None:
            emit(6, f"CPU steady state, {label}", None, "% of one core", n=n, note="list never synced")
            return
        time.sleep(3)  # let start-up work (first stats round, version probes) finish
        since = time.time()
        cpu = tui.cpu_percent(seconds)
        rss = tui.rss_mb()
    # Other people's containers come and go on this engine; each event costs portside a lookup and a row.
    events = docker_api().events(
        since=int(since), until=int(time.time()) + 1, decode=True, filters={"type": "container"}
    )
    emit(
        6,
        f"CPU steady state, {label}",
        cpu,
        "% of one core",
        n=n,
        target=target,
        window_s=seconds,
        rss_mb=rss,
        engine_container_events_in_window=sum(1 for _ in events),
    )


def pods_cold_start(
    n: int, reps: int, baseline: float, floor: float | None, *, timings: bool = True, rss: bool = False
) -> None:
    """Scenario 2 at one N: pods view (key 4 typed at once), first painted row and the fully synced list;
    without ``timings``, only the RSS once synced (scenario 7 alone: one process, no floor to set them against).
    """
    firsts, synced, rss_values, cpu, cpu_full = [], [], [], [], []
    for _ in range(reps):
        with TuiProcess(portside_argv("-n", "all")) as tui:
            tui.send(b"4")
            first = tui.wait_for(any_pod_row, 120)
            cpu.append(tui.cpu_at_match)
            full = tui.wait_for(count_at_least(PODS_SUMMARY, n), 180)
            cpu_full.append(tui.cpu_at_match)
            if first is not None:
                firsts.append(first)
            if full is not None:
                synced.append(full)
            if rss and full is not None:
                time.sleep(1)
                rss_values.append(tui.rss_mb())
    if timings:
        pods_timings(n, firsts, synced, cpu, cpu_full, baseline, floor)
    if rss:
        emit(
            7,
            "pods: RSS synced",
            median(rss_values),
            "MB",
            n=n,
            target=200.0 if n == 10000 else None,
            reps=len(rss_values),
        )


def pods_timings(
    n: int,
    firsts: list[float],
    synced: list[float],
    cpu: list[float | None],
    cpu_full: list[float | None],
    baseline: float,
    floor: float | None,
) -> None:
    emit(
        2,
        "pods: cold start to first painted row",
        median(firsts),
        "s",
        n=n,
        baseline=baseline,
        baseline_what="kubectl get pods -A",
        target=1.0 if n == 10000 else None,
        reps=len(firsts),
        cpu_s=median(cpu),
    )
    against_floor(2, "pods", n, median(firsts), floor)
    emit(
        2,
        "pods: cold start to fully synced list",
        median(synced),
        "s",
        n=n,
        baseline=baseline,
        baseline_what="kubectl get pods -A",
        target=3.0 if n == 10000 else None,
        reps=len(synced),
        cpu_s=median(cpu_full),
    )


def any_pod_row(lines: list[str]) -> bool:
    """A row of the pods table: the header line is followed by a row whose READY cell reads like 0/1."""
    for i, line in enumerate(lines):
        if "NAMESPACE" in line and "READY" in line:
            return any(POD_ROW.search(x) for x in lines[i + 1 : i + 3])
    return False


def docker_ps_baseline() -> float:
    return wall_time(["docker", "ps", "-a"])


def kubectl_baseline() -> float:
    return wall_time(["kubectl", "--context", "sandbox-admin", "get", "pods", "-A"])
