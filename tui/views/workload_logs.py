"""Logs of a workload: every container of every pod its selector matches, merged, each line prefixed by its pod.

The pods are listed when the screen opens and again on each time window (`W`), by the workload's own label
selector, as `kubectl logs -l` does; each container's log is a stream of its own, merged in time order, and each
pod gets its own theme colour (``1``-``9`` hide or show one).
"""

from __future__ import annotations

from typing import Any

from tui.adapters.compose_logs import MergedLogStream
from tui.adapters.errors import InvalidInput
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.kube_pods import pod_logs
from tui.adapters.log_lines import LogStream, LogWindow
from tui.views.log_screen import LogScreen

MAX_STREAMS = 32  # one connection each: a 500-replica deployment shows its first 32 containers


def open_workload_logs(cluster: KubeCluster, namespace: str, selector: str, window: LogWindow) -> LogStream:
    """One merged stream over the containers of the pods matching ``selector`` (blocking)."""
    if not selector:
        raise InvalidInput("this workload has no pod selector")
    pods = sorted(cluster.list_pods(namespace, selector), key=lambda p: p.name)
    if not pods:
        raise InvalidInput(f"no pods match {selector}")
    parts: dict[str, LogStream] = {}
    try:
        for pod in pods:
            for container in pod.containers:
                if len(parts) == MAX_STREAMS:
                    break
                source = pod.name if len(pod.containers) == 1 else f"{pod.name}/{container.name}"
                parts[source] = pod_logs(
                    cluster,
                    namespace,
                    pod.name,
                    container.name,
                    tail=window.tail,
                    since_seconds=window.since_seconds,
                )
    except Exception:
        for part in parts.values():
            part.close()
        raise
    return MergedLogStream(parts)


def workload_log_screen(cluster: KubeCluster, kind: str, record: Any) -> LogScreen:
    """The merged, followed logs of a workload's pods."""
    title = f"Logs: {kind} {record.namespace}/{record.name} · pods matching {record.selector or '(none)'}"
    return LogScreen(
        title,
        open_window=lambda window: open_workload_logs(cluster, record.namespace, record.selector, window),
        show_source=True,
    )
