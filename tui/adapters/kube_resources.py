"""The Kubernetes kinds portside shows, as data, and the calls the views make on them.

Each ``ResourceKind`` says where its objects live (group/version, namespaced or not) and how a raw JSON object
becomes a slim frozen record (``tui.adapters.kube_records``). ``watch_kind`` opens one list+watch per kind and
namespace scope; nothing is relisted on a timer. A kind served under several versions across Kubernetes releases
(CronJob: batch/v1 from 1.21, batch/v1beta1 before) is resolved once per cluster through API discovery.
"""

from __future__ import annotations

import base64
import binascii
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from tui.adapters.errors import InvalidInput, NotFound
from tui.adapters.kube_cluster import KubeCluster, ListWatch, pod_from_api
from tui.adapters.kube_records import (
    configmap_from_api,
    cronjob_from_api,
    daemonset_from_api,
    deployment_from_api,
    event_from_api,
    job_from_api,
    namespace_from_api,
    node_from_api,
    pod_placement_from_api,
    replicaset_from_api,
    secret_from_api,
    service_from_api,
    statefulset_from_api,
)
from tui.adapters.models import Backoff, Delta
from tui.adapters.sanitize import clean_line, clean_text

MERGE_PATCH = "application/merge-patch+json"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"  # the annotation `kubectl rollout restart` sets


@dataclass(frozen=True)
class ResourceKind:
    name: str  # plural, as in the URL: "deployments"
    singular: str  # the action registry's kind: "deployment"
    short_names: tuple[str, ...]
    group_versions: tuple[str, ...]  # preferred first; discovery picks the first one the server serves
    namespaced: bool
    parse: Callable[[dict[str, Any]], Any]
    scalable: bool = False  # has a scale subresource
    restartable: bool = False  # has a pod template to stamp for a rolling restart

    @property
    def workload(self) -> bool:
        return self.scalable or self.restartable

    def path(
        self, namespace: str = "", name: str = "", *, group_version: str | None = None, subresource: str = ""
    ) -> str:
        """The collection (no name) or object path; "" namespace lists a namespaced kind in all namespaces."""
        version = group_version or self.group_versions[0]
        path = "/api/v1" if version == "v1" else f"/apis/{version}"
        if self.namespaced and namespace:
            path += f"/namespaces/{quote(namespace, safe='')}"
        elif self.namespaced and name:
            raise InvalidInput(f"{self.singular} {name}: a namespace is needed")
        path += f"/{self.name}"
        if name:
            path += f"/{quote(name, safe='')}"
            if subresource:
                path += f"/{subresource}"
        return path


_KINDS = (
    ResourceKind("pods", "pod", ("po",), ("v1",), True, pod_from_api),
    ResourceKind("deployments", "deployment", ("deploy",), ("apps/v1",), True, deployment_from_api, True, True),
    ResourceKind("statefulsets", "statefulset", ("sts",), ("apps/v1",), True, statefulset_from_api, True, True),
    ResourceKind("daemonsets", "daemonset", ("ds",), ("apps/v1",), True, daemonset_from_api, restartable=True),
    ResourceKind("replicasets", "replicaset", ("rs",), ("apps/v1",), True, replicaset_from_api, scalable=True),
    ResourceKind("jobs", "job", ("job",), ("batch/v1",), True, job_from_api),
    ResourceKind("cronjobs", "cronjob", ("cj",), ("batch/v1", "batch/v1beta1"), True, cronjob_from_api),
    ResourceKind("services", "service", ("svc",), ("v1",), True, service_from_api),
    ResourceKind("configmaps", "configmap", ("cm",), ("v1",), True, configmap_from_api),
    ResourceKind("secrets", "secret", ("secret",), ("v1",), True, secret_from_api),
    ResourceKind("nodes", "node", ("no",), ("v1",), False, node_from_api),
    ResourceKind("namespaces", "namespace", ("ns",), ("v1",), False, namespace_from_api),
    ResourceKind("events", "event", ("ev",), ("v1",), True, event_from_api),
)
KINDS: dict[str, ResourceKind] = {k.name: k for k in _KINDS}
# The nodes view counts pods per node from a watch of slim placements, not of full pod records.
POD_PLACEMENTS = replace(KINDS["pods"], parse=pod_placement_from_api)


def resource_kind(kind: ResourceKind | str) -> ResourceKind:
    """A kind by plural, singular or short name ("deployments", "deployment", "deploy")."""
    if isinstance(kind, ResourceKind):
        return kind
    wanted = kind.strip().lower()
    for candidate in _KINDS:
        if wanted in (candidate.name, candidate.singular, *candidate.short_names):
            return candidate
    raise InvalidInput(f"unknown resource kind {clean_line(kind)!r}")


# ---- discovery: which group/version serves a kind on this cluster

_served: weakref.WeakKeyDictionary[KubeCluster, dict[str, str]] = weakref.WeakKeyDictionary()
_served_lock = threading.Lock()


def served_version(cluster: KubeCluster, kind: ResourceKind) -> str:
    """The first of the kind's group/versions the server lists it under (one discovery call, then cached)."""
    if len(kind.group_versions) == 1:
        return kind.group_versions[0]
    with _served_lock:
        known = _served.get(cluster, {}).get(kind.name)
    if known:
        return known
    for version in kind.group_versions:
        try:
            listing = cluster.request("GET", f"/apis/{version}", timeout=(5, 10))
        except NotFound:
            continue
        if any(r.get("name") == kind.name for r in listing.get("resources") or []):
            with _served_lock:
                _served.setdefault(cluster, {})[kind.name] = version
            return version
    return kind.group_versions[-1]  # let the list itself report what is wrong


def api_path(
    cluster: KubeCluster, kind: ResourceKind | str, namespace: str = "", name: str = "", subresource: str = ""
) -> str:
    found = resource_kind(kind)
    return found.path(namespace, name, group_version=served_version(cluster, found), subresource=subresource)


# ---- watching


class ResourceWatch(ListWatch):
    """A ListWatch of one kind in one namespace scope (or cluster-wide).

    The path is resolved inside the feed (discovery may fail like any call, and then retries like one).
    """

    def __init__(self, cluster: KubeCluster, kind: ResourceKind, namespace: str, selector: str = "") -> None:
        super().__init__(cluster, kind.path(namespace), kind.parse, selector)
        self.kind, self.namespace = kind, namespace

    def _run(self, backoff: Backoff) -> Iterator[Delta[Any]]:
        self.path = self.kind.path(self.namespace, group_version=served_version(self.cluster, self.kind))
        yield from super()._run(backoff)


def watch_kind(cluster: KubeCluster, kind: ResourceKind | str, namespace: str, selector: str = "") -> ListWatch:
    """One list+watch of a kind; ``namespace`` "" means all namespaces (ignored for cluster-scoped kinds);
    ``selector`` is a label selector the server applies ("app=web,tier!=db")."""
    found = resource_kind(kind)
    return ResourceWatch(cluster, found, namespace if found.namespaced else "", selector)


def list_kind(cluster: KubeCluster, kind: ResourceKind | str, namespace: str) -> list[Any]:
    """One list, parsed: for tests and one-off reads; views watch instead."""
    found = resource_kind(kind)
    body = cluster.request("GET", api_path(cluster, found, namespace if found.namespaced else ""))
    return [found.parse(item) for item in body.get("items") or []]


# ---- mutations (blocking: call them from a thread, through the gateway)


def scale(cluster: KubeCluster, kind: ResourceKind | str, namespace: str, name: str, replicas: int) -> None:
    """Set the replica count through the scale subresource (as `kubectl scale`)."""
    found = resource_kind(kind)
    if not found.scalable:
        raise InvalidInput(f"a {found.singular} cannot be scaled")
    if replicas < 0:
        raise InvalidInput(f"replicas must be 0 or more, not {replicas}")
    _merge_patch(cluster, api_path(cluster, found, namespace, name, "scale"), {"spec": {"replicas": replicas}})


def rollout_restart(cluster: KubeCluster, kind: ResourceKind | str, namespace: str, name: str) -> None:
    """Replace every pod by stamping the pod template, as `kubectl rollout restart` does."""
    found = resource_kind(kind)
    if not found.restartable:
        raise InvalidInput(f"a {found.singular} cannot be restarted")
    stamp = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
    _merge_patch(cluster, api_path(cluster, found, namespace, name), body)


def delete(cluster: KubeCluster, kind: ResourceKind | str, namespace: str, name: str) -> None:
    """Delete one object; what it owns goes too (background cascade, as kubectl: batch/v1 would orphan pods)."""
    found = resource_kind(kind)
    path = api_path(cluster, found, namespace if found.namespaced else "", name)
    cluster.request("DELETE", path, {"propagationPolicy": "Background"})


def read_secret_values(cluster: KubeCluster, namespace: str, name: str) -> dict[str, str]:
    """A secret's values, decoded. Only for an explicit reveal: never store them in a record or a log."""
    body = cluster.request("GET", api_path(cluster, "secrets", namespace, name))
    values: dict[str, str] = {}
    for key, encoded in (body.get("data") or {}).items():
        try:
            raw = base64.b64decode(str(encoded or ""), validate=True)
        except (binascii.Error, ValueError):
            values[clean_line(str(key))] = "<not base64>"
            continue
        values[clean_line(str(key))] = clean_text(raw.decode("utf-8", errors="replace"))
    return values


def _merge_patch(cluster: KubeCluster, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """PATCH with a JSON merge patch (the API refuses PATCH as plain application/json)."""
    result: dict[str, Any] = cluster.request("PATCH", path, body=body, content_type=MERGE_PATCH)
    return result


__all__ = [
    "KINDS",
    "POD_PLACEMENTS",
    "ResourceKind",
    "ResourceWatch",
    "api_path",
    "delete",
    "list_kind",
    "read_secret_values",
    "resource_kind",
    "rollout_restart",
    "scale",
    "served_version",
    "watch_kind",
]
