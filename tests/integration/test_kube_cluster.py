"""KubeCluster against the sandbox's real kube-apiserver and kubelet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import collect, pod_manifest, unique, wait_for
from tui.adapters.errors import Forbidden, NotFound, Unavailable
from tui.adapters.kube_cluster import KubeCluster, list_contexts
from tui.adapters.models import Deleted, Disconnected, Snapshot, Upserted


def test_contexts_are_read_without_writing_the_kubeconfig() -> None:
    import os

    path = Path(os.environ["KUBECONFIG"])
    before = path.read_bytes(), path.stat().st_mtime_ns
    contexts, current = list_contexts()
    names = {c.name for c in contexts}
    assert {"sandbox-admin", "sandbox-viewer"} <= names
    assert current == "sandbox-admin"
    viewer = next(c for c in contexts if c.name == "sandbox-viewer")
    assert viewer.namespace == "portside-view" and viewer.server == "https://127.0.0.1:6443"
    KubeCluster(context="sandbox-viewer").version()  # using another context must not switch the file's
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_version_reports_the_server(kube_admin: KubeCluster) -> None:
    version = kube_admin.version()
    assert version.version.startswith("v1.")
    assert version.endpoint.startswith("sandbox-admin/")


def test_pod_lifecycle_through_list_and_delete(kube_admin: KubeCluster, test_namespace: str) -> None:
    name = unique("pod")
    kube_admin.request("POST", f"/api/v1/namespaces/{test_namespace}/pods", body=pod_manifest(name))
    pod = wait_for(
        lambda: next(
            (p for p in kube_admin.list_pods(test_namespace) if p.name == name and p.status == "Running"), None
        ),
        90,
        "the pod to run",
    )
    assert pod.node == "localhost" and pod.ready == 1 and pod.total == 1  # type: ignore[union-attr]
    kube_admin.delete_pod(test_namespace, name)
    with pytest.raises(NotFound):
        kube_admin.delete_pod(test_namespace, unique("missing"))


def test_viewer_is_forbidden_outside_its_namespace() -> None:
    viewer = KubeCluster(context="sandbox-viewer")
    assert viewer.namespace == "portside-view"
    viewer.list_pods()  # allowed in its own namespace
    with pytest.raises(Forbidden):
        viewer.list_pods("default")
    with pytest.raises(Forbidden):
        viewer.delete_pod("default", "anything")


def test_pod_watch_sees_add_modify_delete(kube_admin: KubeCluster, test_namespace: str) -> None:
    feed = kube_admin.watch_pods(test_namespace)
    seen, consumer = collect(feed)
    try:
        wait_for(lambda: seen and isinstance(seen[0], Snapshot), 15, "the first snapshot")
        name = unique("watched")
        kube_admin.request("POST", f"/api/v1/namespaces/{test_namespace}/pods", body=pod_manifest(name))
        wait_for(
            lambda: any(
                isinstance(d, Upserted) and d.item.name == name and d.item.status == "Running" for d in seen
            ),
            90,
            "the watched pod running",
        )
        uid = next(d.item.uid for d in seen if isinstance(d, Upserted) and d.item.name == name)
        kube_admin.delete_pod(test_namespace, name)
        wait_for(lambda: any(isinstance(d, Deleted) and d.key == uid for d in seen), 60, "the delete event")
    finally:
        feed.close()
        consumer.join(10)
    assert not consumer.is_alive(), "close() must end the blocking watch"


def test_watch_relists_after_410_gone(kube_admin: KubeCluster, test_namespace: str) -> None:
    """A watch from a compacted resourceVersion answers 410; the feed relists and yields a new Snapshot."""
    feed = kube_admin.watch_pods(test_namespace)
    original = kube_admin.request

    def ancient_version(method: str, path: str, query: dict | None = None, *args: object, **kwargs: object):
        if query and query.get("watch") == "true" and not getattr(ancient_version, "done", False):
            ancient_version.done = True  # type: ignore[attr-defined]
            query = {**query, "resourceVersion": "1"}
        return original(method, path, query, *args, **kwargs)

    kube_admin.request = ancient_version  # type: ignore[method-assign]
    seen, consumer = collect(feed)
    try:
        wait_for(lambda: sum(isinstance(d, Snapshot) for d in seen) >= 2, 30, "a relist after 410")
    finally:
        kube_admin.request = original  # type: ignore[method-assign]
        feed.close()
        consumer.join(10)
    assert not any(isinstance(d, Disconnected) for d in seen), "410 is not a disconnection"


def test_unreachable_cluster_raises_unavailable(tmp_path: Path) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n"
        "users:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n"
        "current-context: x\n"
    )
    with pytest.raises(Unavailable):
        KubeCluster(str(config)).version()
