"""Pod logs, YAML and events: what the Pods area opens for one pod. Blocking: call from thread workers."""

from __future__ import annotations

import contextlib
from typing import Any

import yaml

from tui.adapters.errors import BackendError, Unavailable
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.log_lines import LogStream, RawLogParser
from tui.adapters.sanitize import clean_line, clean_text
from tui.adapters.secrets import MASK

LOG_READ = 64 * 1024


def pod_logs(
    cluster: KubeCluster,
    namespace: str,
    pod: str,
    container: str,
    *,
    previous: bool = False,
    tail: int | None = 1000,
    since_seconds: float | None = None,
    follow: bool = True,
) -> LogStream:
    """One container's log as a LogStream; ``previous`` reads the instance before the last restart."""
    query: dict[str, Any] = {
        "container": container,
        "timestamps": "true",
        "follow": str(follow and not previous).lower(),
    }
    if previous:
        query["previous"] = "true"
    if tail is not None:
        query["tailLines"] = tail
    if since_seconds is not None:
        query["sinceSeconds"] = max(1, int(since_seconds))
    path = f"/api/v1/namespaces/{namespace}/pods/{pod}/log"
    # A quiet container is not a fault: no read timeout on a followed log; close() shuts the socket down.
    response = cluster.request("GET", path, query, stream=True, timeout=(5, None))

    def read() -> bytes:
        return bytes(response.read1(LOG_READ))

    def cancel() -> None:
        with contextlib.suppress(Exception):
            response.shutdown()
        with contextlib.suppress(Exception):
            response.release_conn()

    def translate(
        error: Exception,
    ) -> BackendError:  # urllib3's words ("IncompleteRead(0 bytes read)") are not ours
        return Unavailable(f"log stream interrupted: API server unreachable ({clean_line(str(error))})")

    return LogStream(
        read, cancel, RawLogParser(clean_line(f"{pod}/{container}"), timestamps=True), translate=translate
    )


def object_yaml(raw: dict[str, Any]) -> str:
    """An object as YAML for display: managedFields dropped, Secret values masked, terminal controls removed."""
    shown = dict(raw)
    metadata = dict(shown.get("metadata") or {})
    metadata.pop("managedFields", None)
    shown["metadata"] = metadata
    if shown.get("kind") == "Secret":
        for field in ("data", "stringData"):
            if isinstance(shown.get(field), dict):
                shown[field] = dict.fromkeys(shown[field], MASK)
    return clean_text(yaml.safe_dump(shown, sort_keys=False, default_flow_style=False))


def events_for(cluster: KubeCluster, namespace: str, uid: str) -> list[tuple[str, str, str, str, str]]:
    """(last seen, type, reason, count, message) of the events about one object, oldest first."""
    listing = cluster.request(
        "GET", f"/api/v1/namespaces/{namespace}/events", {"fieldSelector": f"involvedObject.uid={uid}"}
    )
    rows = []
    for event in listing.get("items") or []:
        last = str(event.get("lastTimestamp") or event.get("eventTime") or "")
        rows.append(
            (
                clean_line(last),
                clean_line(str(event.get("type", ""))),
                clean_line(str(event.get("reason", ""))),
                str(event.get("count") or 1),
                clean_line(str(event.get("message", ""))),
            )
        )
    return sorted(rows)


def get_pod(cluster: KubeCluster, namespace: str, name: str) -> dict[str, Any]:
    return dict(cluster.request("GET", f"/api/v1/namespaces/{namespace}/pods/{name}"))
