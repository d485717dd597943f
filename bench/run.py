"""Run the benchmarks of issue #7 against the sandbox engines; one JSON line per figure on stdout.

    .venv/bin/python -m bench.run [--quick] [--scenario N ...] [--no-readme]

Writes bench/results.jsonl and regenerates the results table in bench/README.md (between the markers).
Everything it creates carries portside-bench=1 or lives in namespace portside-bench, and is removed at the end,
also on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import platform
import signal
import sys
import time
from dataclasses import dataclass
from typing import IO, Any

from bench import cold_start, fixtures, in_process, table_bench
from bench.common import RESULTS, emit, log, records
from bench.report import write_readme


@dataclass(frozen=True)
class Sizes:
    containers: tuple[int, ...]
    pods: tuple[int, ...]
    rows: tuple[int, ...]
    reps: int
    cpu_seconds: float
    cpu_containers: tuple[int, ...]
    event_containers: int
    singles: int
    burst: int
    replicas: int
    log_rates: tuple[int, ...]
    log_seconds: float
    soak_minutes: float


FULL = Sizes(
    containers=(0, 100, 1000),
    pods=(1000, 10000),
    rows=(10_000, 100_000),
    reps=5,
    cpu_seconds=60,
    cpu_containers=(50, 500),
    event_containers=500,
    singles=20,
    burst=200,
    replicas=50,
    log_rates=(1000, 10_000, 20_000, 50_000),
    log_seconds=10,
    soak_minutes=10,
)
QUICK = Sizes(
    containers=(0, 100),
    pods=(200, 1000),
    rows=(10_000,),
    reps=2,
    cpu_seconds=10,
    cpu_containers=(50,),
    event_containers=250,
    singles=10,
    burst=100,
    replicas=20,
    log_rates=(1000, 10_000),
    log_seconds=5,
    soak_minutes=1,
)


def docker_scenarios(wanted: set[int], size: Sizes) -> None:
    fixtures.remove_containers()
    if 6 in wanted:
        cold_start.steady_cpu("idle (no bench containers)", 0, size.cpu_seconds, 1.0)
    if wanted & {1, 7, 9}:
        floor = cold_start.textual_floor(1, size.reps)
        made = 0
        for n in size.containers:
            fixtures.create_containers(n - made, start_at=made)
            made = n
            fixtures.wait_quiet(fixtures.DOCKER_DAEMONS)
            baseline = cold_start.docker_ps_baseline()
            first = cold_start.containers_cold_start(n, size.reps, baseline, floor, rss=n == max(size.containers))
            if 9 in wanted:
                cold_start.dtui_cold_start(n, size.reps, first)
        fixtures.remove_containers()
    if wanted & {3, 6}:
        running = 0
        for n in sorted({*size.cpu_containers, size.event_containers}):
            fixtures.create_containers(n - running, running=n - running, start_at=running)
            running = n
            if 6 in wanted and n in size.cpu_containers:
                target = 5.0 if n >= 500 else None
                cold_start.steady_cpu(f"{n} running containers", n, size.cpu_seconds, target or 5.0)
            if 3 in wanted and n == size.event_containers:
                asyncio.run(in_process.docker_event_latency(n, size.singles, size.burst))
        fixtures.remove_containers()
    if 8 in wanted:
        for rate in size.log_rates:
            asyncio.run(in_process.log_throughput(rate, size.log_seconds))
        asyncio.run(in_process.log_soak(20_000, size.soak_minutes))


def kube_scenarios(wanted: set[int], size: Sizes) -> None:
    cluster = fixtures.kube()
    try:
        fixtures.ensure_namespace(cluster)
        floor = cold_start.textual_floor(2, size.reps) if 2 in wanted else None
        made = 0
        for n in size.pods:
            seconds = fixtures.create_pods(cluster, n - made, start_at=made)
            emit("setup", "pods created (concurrent POSTs)", (n - made) / seconds, "pods/s", n=n - made)
            made = n
            largest = n == max(size.pods)
            if 2 in wanted or (7 in wanted and largest):
                fixtures.wait_quiet(fixtures.KUBE_DAEMONS)
                baseline = cold_start.kubectl_baseline()
                reps = size.reps if 2 in wanted else 1
                cold_start.pods_cold_start(n, reps, baseline, floor, timings=2 in wanted, rss=largest)
            if largest and 6 in wanted:
                cold_start.steady_cpu(f"{n} pods, no churn", n, size.cpu_seconds, 2.0, pods=True)
            if largest and 4 in wanted:
                asyncio.run(in_process.kube_event_latency(n, size.singles, size.replicas))
    finally:
        fixtures.delete_namespace(cluster)
        cluster.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller N, shorter windows (a few minutes)")
    parser.add_argument("--scenario", type=int, action="append", choices=range(1, 10), help="repeatable")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite bench/README.md")
    parser.add_argument(
        "--readme-only", action="store_true", help="rewrite the table from results.jsonl, run nothing"
    )
    args = parser.parse_args(argv)
    if args.readme_only:
        write_readme([json.loads(line) for line in RESULTS.read_text().splitlines()])
        return 0
    if not os.environ.get("DOCKER_HOST") or not os.environ.get("KUBECONFIG"):
        print('bench: run `eval "$(scripts/sandbox env)"` first (scripts/bench does)', file=sys.stderr)
        return 2
    wanted = set(args.scenario or range(1, 10))
    size = QUICK if args.quick else FULL
    hold_the_machine()
    # SIGTERM ends the run like Ctrl-C: through the finally blocks that remove what the bench created.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    started = time.time()
    emit("machine", "cores", float(os.cpu_count() or 0), "cores", note=machine())
    try:
        with fixtures.cleanup_always():
            if wanted & {1, 3, 6, 7, 8, 9}:
                docker_scenarios(wanted, size)
            if wanted & {2, 4, 6, 7}:
                kube_scenarios(wanted, size)
            if 5 in wanted:
                for n in size.rows:
                    asyncio.run(table_bench.table_figures(n, size.reps))
    except KeyboardInterrupt:
        log("interrupted: cleaned up")
        return 130
    finally:
        save(args, started, wanted)
    return 0


HELD: list[IO[str]] = []  # the open lock file, kept for the life of the process


def hold_the_machine() -> None:
    """One bench run at a time: two would measure each other, remove each other's containers and namespace at
    their end, and overwrite each other's results. The lock is released when the process ends."""
    path = RESULTS.with_name(".bench.lock")
    lock = path.open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log("another bench run holds the machine: waiting for it to end")
        fcntl.flock(lock, fcntl.LOCK_EX)
    HELD.append(lock)


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, Linux {platform.release()}, Python {platform.python_version()}"


def save(args: argparse.Namespace, started: float, wanted: set[int]) -> None:
    """Write results.jsonl: this run's figures, plus the earlier run's for scenarios not run this time."""
    run: dict[str, Any] = {
        "run": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "quick": args.quick,
        "seconds": round(time.time() - started),
    }
    fresh = [{**run, **r} for r in records()]
    measured = {(r["scenario"], r["figure"], r["n"]) for r in fresh}
    kept = []
    if RESULTS.exists() and wanted != set(range(1, 10)):
        for line in RESULTS.read_text().splitlines():
            old = json.loads(line)
            scenario = old.get("scenario")
            if not isinstance(scenario, int) or scenario in wanted:
                continue
            if (scenario, old["figure"], old["n"]) not in measured:  # a figure measured again replaces it
                kept.append(old)
    every = kept + fresh
    every.sort(
        key=lambda r: (isinstance(r["scenario"], int), r["scenario"] if isinstance(r["scenario"], int) else 0)
    )
    RESULTS.write_text("".join(json.dumps(r) + "\n" for r in every))
    log(f"wrote {RESULTS} ({len(fresh)} new figures, {len(kept)} kept from the last run)")
    if not args.no_readme:
        write_readme(every)


if __name__ == "__main__":
    sys.exit(main())
