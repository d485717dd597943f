"""What the bench creates on the sandbox engines, and the cleanup that always runs (also on Ctrl-C).

Containers carry the label portside-bench=1; pods live in the namespace portside-bench (labelled too) and use a
scheduler that does not exist, so they stay Pending and cost the node nothing.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import docker
import psutil

from bench.common import BUSYBOX, LABEL, LABEL_KEY, LABEL_VALUE, NAMESPACE, PREFIX, log
from tui.adapters.errors import BackendError, Conflict, NotFound
from tui.adapters.kube_cluster import KubeCluster

THREADS = 16  # concurrent API calls: enough to fill a 2-core apiserver/dockerd, not enough to starve others
FAKE_SCHEDULER = "portside-bench-no-such-scheduler"


def docker_api() -> docker.APIClient:
    return docker.APIClient(base_url=os.environ.get("DOCKER_HOST"), version="auto", timeout=120)


DOCKER_DAEMONS = ("dockerd", "containerd")
KUBE_DAEMONS = ("kube-apiserver", "etcd", "kube-controller-manager")


def wait_quiet(daemons: Iterable[str], *, below: float = 0.05, window: float = 1.0, timeout: float = 30) -> None:
    """Wait until these daemons together use less than ``below`` of a core over ``window`` seconds. Objects
    just created keep them busy for a while; a cold start measured meanwhile would measure that too (and so
    would its baseline)."""
    wanted = set(daemons)
    procs = [p for p in psutil.process_iter(["name"]) if p.info["name"] in wanted]
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = sum(_cpu_seconds(p) for p in procs)
        time.sleep(window)
        used = (sum(_cpu_seconds(p) for p in procs) - before) / window
        if used < below:
            log(f"{'/'.join(sorted(wanted))} quiet after {time.monotonic() - started:.1f}s")
            return
    log(f"{'/'.join(sorted(wanted))} still busy after {timeout:.0f}s; measuring anyway")


def _cpu_seconds(proc: psutil.Process) -> float:
    with contextlib.suppress(psutil.Error):
        times = proc.cpu_times()
        return float(times.user + times.system)
    return 0.0


def container_name(i: int) -> str:
    return f"{PREFIX}-c{i:05d}"


def create_containers(
    n: int, *, running: int = 0, command: Iterable[str] = ("sleep", "86400"), start_at: int = 0
) -> list[str]:
    """Create ``n`` busybox containers (the first ``running`` of them started); returns their ids in order."""
    api = docker_api()
    config = api.create_host_config(network_mode="none")

    def create(i: int) -> str:
        return str(
            api.create_container(
                BUSYBOX, list(command), name=container_name(i), labels={LABEL_KEY: LABEL_VALUE}, host_config=config
            )["Id"]
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        ids = list(pool.map(create, range(start_at, start_at + n)))
        list(pool.map(api.start, ids[:running]))
    log(f"created {n} containers ({running} running) in {time.perf_counter() - started:.1f}s")
    return ids


def remove_containers() -> int:
    """Remove every container labelled portside-bench=1; returns how many."""
    api = docker_api()
    ids = [c["Id"] for c in api.containers(all=True, filters={"label": LABEL})]
    started = time.perf_counter()

    def remove(cid: str) -> None:
        with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
            api.remove_container(cid, force=True)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(remove, ids))
    if ids:
        log(f"removed {len(ids)} containers in {time.perf_counter() - started:.1f}s")
    return len(ids)


# ---- Kubernetes


def kube() -> KubeCluster:
    return KubeCluster(context="sandbox-admin", namespace=NAMESPACE)


def pod_name(i: int) -> str:
    return f"{PREFIX}-p{i:05d}"


def pending_pod(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {LABEL_KEY: LABEL_VALUE, **(labels or {})}},
        "spec": pod_spec(),
    }


def pod_spec() -> dict[str, Any]:
    return {
        "schedulerName": FAKE_SCHEDULER,
        "terminationGracePeriodSeconds": 0,
        "containers": [{"name": "main", "image": BUSYBOX, "imagePullPolicy": "Never", "command": ["sleep", "1d"]}],
    }


def ensure_namespace(cluster: KubeCluster) -> None:
    wait_namespace_gone(cluster)
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE, "labels": {LABEL_KEY: "1"}}}
    with contextlib.suppress(Conflict):
        cluster.request("POST", "/api/v1/namespaces", body=body)


def create_pods(cluster: KubeCluster, n: int, start_at: int = 0) -> float:
    """Create ``n`` Pending pods with concurrent calls; returns the seconds it took."""
    path = f"/api/v1/namespaces/{NAMESPACE}/pods"
    started = time.perf_counter()

    def create(i: int) -> None:
        for attempt in range(5):  # a small apiserver may answer 429/5xx under load: retry a few times
            try:
                cluster.request("POST", path, body=pending_pod(pod_name(i)), timeout=(5, 60))
                return
            except Conflict:
                return
            except Exception:
                if attempt == 4:
                    raise
                time.sleep(0.5 * (attempt + 1))

    with ThreadPoolExecutor(THREADS) as pool:
        for done, _ in enumerate(pool.map(create, range(start_at, start_at + n)), start=1):
            if done % 2000 == 0:
                log(f"  {done}/{n} pods created ({time.perf_counter() - started:.0f}s)")
    seconds = time.perf_counter() - started
    log(f"created {n} pods in {seconds:.1f}s ({n / seconds:.0f}/s)")
    return seconds


def count_pods(cluster: KubeCluster) -> int:
    body = cluster.request("GET", f"/api/v1/namespaces/{NAMESPACE}/pods", {"limit": 1})
    remaining = (body.get("metadata") or {}).get("remainingItemCount") or 0
    return len(body.get("items") or []) + int(remaining)


def delete_namespace(cluster: KubeCluster, wait: bool = True) -> None:
    """Delete the bench namespace and, with ``wait``, everything in it (bounded wait)."""
    started = time.perf_counter()
    path = f"/api/v1/namespaces/{NAMESPACE}/pods"
    for _ in range(10):
        # Pods first, in one call: the namespace controller would do the same, but later and slower. A small
        # apiserver gives up after ~34 s on 10,000 pods (having deleted many): call again until none is left.
        try:
            cluster.request("DELETE", path, {"gracePeriodSeconds": 0}, timeout=(5, 120))
            break
        except NotFound:
            break
        except BackendError as error:
            log(f"deleting pods: {error}; again")
    with contextlib.suppress(NotFound):
        cluster.request("DELETE", f"/api/v1/namespaces/{NAMESPACE}")
    if wait:
        wait_namespace_gone(cluster)
        log(f"namespace {NAMESPACE} deleted in {time.perf_counter() - started:.1f}s")


def wait_namespace_gone(cluster: KubeCluster, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            cluster.request("GET", f"/api/v1/namespaces/{NAMESPACE}")
        except NotFound:
            return
        time.sleep(1)
    log(f"namespace {NAMESPACE} still terminating after {timeout:.0f}s")


@contextlib.contextmanager
def cleanup_always() -> Iterator[None]:
    """Remove what the bench created when the block ends, however it ends (Ctrl-C included)."""
    try:
        yield
    finally:
        log("cleanup: bench containers and namespace")
        remove_containers()
        cluster = kube()
        try:
            delete_namespace(cluster)
        finally:
            cluster.close()
