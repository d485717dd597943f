"""May I? SelfSubjectAccessReview before offering a mutation, with the answers cached briefly.

The API server is the only judge of RBAC (roles, bindings, aggregated rules, webhooks): portside asks it, per
verb, resource, subresource and namespace, and keeps the answer for ``TTL`` seconds so a view can grey out the
keys it may not use without asking on every key press. Blocking: call from a thread worker.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass

from tui.adapters.errors import BackendError
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.kube_resources import ResourceKind, resource_kind
from tui.adapters.sanitize import clean_line

TTL = 60.0
REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"

# What each registry verb (the action id's suffix) asks of the API: (verb, subresource).
ACTION_ACCESS: dict[str, tuple[str, str]] = {
    "delete": ("delete", ""),
    "scale": ("patch", "scale"),
    "restart": ("patch", ""),
    "edit": ("update", ""),
    "shell": ("create", "exec"),
    "exec": ("create", "exec"),
    "reveal": ("get", ""),
}


@dataclass(frozen=True)
class Access:
    allowed: bool
    reason: str  # why not, in words ("" when allowed)


_cache: weakref.WeakKeyDictionary[KubeCluster, dict[tuple[str, ...], tuple[float, Access]]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def _group(kind: ResourceKind) -> str:
    version = kind.group_versions[0]
    return version.split("/")[0] if "/" in version else ""


def can_i(
    cluster: KubeCluster, verb: str, kind: ResourceKind | str, namespace: str = "", subresource: str = ""
) -> Access:
    """Whether the current user may ``verb`` objects of ``kind`` in ``namespace`` ("" : cluster-wide)."""
    found = resource_kind(kind)
    scope = namespace if found.namespaced else ""
    key = (verb, found.name, subresource, scope)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(cluster, {}).get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    attributes = {"verb": verb, "group": _group(found), "resource": found.name}
    if subresource:
        attributes["subresource"] = subresource
    if scope:
        attributes["namespace"] = scope
    body = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attributes},
    }
    answer = cluster.request("POST", REVIEWS, body=body, timeout=(5, 10)).get("status") or {}
    what = f"{verb} {found.name}{'/' + subresource if subresource else ''}"
    where = f"in namespace {scope}" if scope else "cluster-wide"
    if answer.get("allowed"):
        access = Access(True, "")
    else:
        detail = clean_line(str(answer.get("reason") or answer.get("evaluationError") or ""))
        access = Access(False, f"not allowed to {what} {where}" + (f" ({detail})" if detail else ""))
    with _lock:
        _cache.setdefault(cluster, {})[key] = (now + TTL, access)
    return access


def action_access(cluster: KubeCluster, action_id: str, namespace: str) -> Access:
    """The access a registry action ("deployment.scale") needs, asked of the API; unknown verbs are allowed
    (the gateway and the server still decide)."""
    kind, _, verb = action_id.rpartition(".")
    if verb not in ACTION_ACCESS:
        return Access(True, "")
    api_verb, subresource = ACTION_ACCESS[verb]
    try:
        return can_i(cluster, api_verb, kind, namespace, subresource)
    except BackendError as error:  # the review itself failed: let the server answer the real request
        return Access(True, f"could not ask ({error})")


__all__ = ["ACTION_ACCESS", "TTL", "Access", "action_access", "can_i"]
