"""tui.adapters.kube_resources against the sandbox's real cluster (Kubernetes 1.20): watches, scale, restart."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import pod_manifest, unique, wait_for
from tui.adapters.errors import Forbidden
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.kube_records import DeploymentInfo
from tui.adapters.kube_resources import (
    KINDS,
    delete,
    list_kind,
    read_secret_values,
    rollout_restart,
    scale,
    served_version,
    watch_kind,
)
from tui.adapters.live import FORBIDDEN_RETRY
from tui.adapters.models import Deleted, Disconnected, Snapshot, Upserted


def deployment_manifest(name: str, replicas: int) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"portside-test": "1"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": pod_manifest(name)["spec"]},
        },
    }


def create_deployment(cluster: KubeCluster, namespace: str, replicas: int) -> str:
    name = unique("deploy")
    cluster.request(
        "POST", f"/apis/apps/v1/namespaces/{namespace}/deployments", body=deployment_manifest(name, replicas)
    )
    return name


class Collected:
    """A feed consumed in a thread, folded into the current set of records by key (as a view does)."""

    def __init__(self, feed: Any) -> None:
        self.feed = feed
        self.deltas: list[object] = []
        self.records: dict[str, Any] = {}
        self.thread = threading.Thread(target=self._consume, daemon=True)
        self.thread.start()

    def _consume(self) -> None:
        for delta in self.feed:
            if isinstance(delta, Snapshot):
                self.records = {r.key: r for r in delta.items}
            elif isinstance(delta, Upserted):
                self.records[delta.item.key] = delta.item
            elif isinstance(delta, Deleted):
                self.records.pop(delta.key, None)
            self.deltas.append(delta)

    def named(self, name: str) -> Any:
        return next((r for r in list(self.records.values()) if r.name == name), None)

    def close(self) -> None:
        self.feed.close()
        self.thread.join(10)
        assert not self.thread.is_alive(), "close() must end the blocking watch"


@pytest.fixture
def deployments(kube_admin: KubeCluster, test_namespace: str) -> Iterator[Collected]:
    watched = Collected(watch_kind(kube_admin, "deployments", test_namespace))
    wait_for(lambda: watched.deltas and isinstance(watched.deltas[0], Snapshot), 15, "the first snapshot")
    yield watched
    watched.close()


def counts(d: DeploymentInfo | None) -> tuple[int, int, int, int | None, int | None, bool] | None:
    return None if d is None else (d.desired, d.current, d.ready, d.up_to_date, d.available, d.converged)


def test_deployment_watch_converges_after_create_and_scale_then_sees_delete(
    kube_admin: KubeCluster, test_namespace: str, deployments: Collected
) -> None:
    name = create_deployment(kube_admin, test_namespace, 2)
    wait_for(lambda: counts(deployments.named(name)) == (2, 2, 2, 2, 2, True), 90, "2 of 2 ready in the watch")
    scale(kube_admin, "deploy", test_namespace, name, 3)
    wait_for(lambda: getattr(deployments.named(name), "desired", 0) == 3, 30, "desired 3 in the watch")
    wait_for(lambda: counts(deployments.named(name)) == (3, 3, 3, 3, 3, True), 90, "3 of 3 ready in the watch")
    uid = deployments.named(name).uid
    delete(kube_admin, "deployments", test_namespace, name)
    wait_for(lambda: any(isinstance(d, Deleted) and d.key == uid for d in deployments.deltas), 30, "the delete")
    assert not any(isinstance(d, Disconnected) for d in deployments.deltas)


def test_scaled_deployment_is_seen_lagging_before_it_converges(
    kube_admin: KubeCluster, test_namespace: str, deployments: Collected
) -> None:
    name = create_deployment(kube_admin, test_namespace, 1)
    wait_for(lambda: counts(deployments.named(name)) == (1, 1, 1, 1, 1, True), 90, "1 of 1 ready")
    scale(kube_admin, "deployments", test_namespace, name, 2)
    wait_for(lambda: counts(deployments.named(name)) == (2, 2, 2, 2, 2, True), 90, "2 of 2 ready")
    mine = [d.item for d in deployments.deltas if isinstance(d, Upserted) and d.item.name == name]
    assert any(r.desired == 2 and not r.converged for r in mine), "an intermediate, lagging state was reported"


def test_rollout_restart_replaces_every_pod(kube_admin: KubeCluster, test_namespace: str) -> None:
    name = create_deployment(kube_admin, test_namespace, 2)

    def running_pods() -> set[str]:
        pods = kube_admin.list_pods(test_namespace)
        return {p.name for p in pods if p.name.startswith(f"{name}-") and p.status == "Running"}

    def converged() -> DeploymentInfo | None:
        found = [d for d in list_kind(kube_admin, "deployments", test_namespace) if d.name == name]
        return found[0] if found and found[0].converged else None

    wait_for(lambda: converged() and len(running_pods()) == 2, 90, "the first two pods")
    before = running_pods()
    rollout_restart(kube_admin, "deployments", test_namespace, name)

    def replaced() -> bool:
        now = running_pods()
        return bool(converged()) and len(now) == 2 and not now & before

    wait_for(replaced, 120, "two new pods and none of the old ones")
    raw = kube_admin.request("GET", f"/apis/apps/v1/namespaces/{test_namespace}/deployments/{name}")
    assert "kubectl.kubernetes.io/restartedAt" in raw["spec"]["template"]["metadata"]["annotations"]


def test_secret_record_never_holds_values_and_reveal_decodes_them(
    kube_admin: KubeCluster, test_namespace: str
) -> None:
    name, value = unique("creds"), f"s3cr3t-{unique('v')}"
    kube_admin.request(
        "POST",
        f"/api/v1/namespaces/{test_namespace}/secrets",
        body={"metadata": {"name": name}, "stringData": {"password": value, "user": "admin"}},
    )
    (secret,) = [s for s in list_kind(kube_admin, "secrets", test_namespace) if s.name == name]
    assert secret.keys == ("password", "user")
    assert value not in repr(secret) and "admin" not in repr(secret)
    assert read_secret_values(kube_admin, test_namespace, name) == {"password": value, "user": "admin"}


def test_viewer_is_forbidden_outside_its_namespace_and_retried_slowly() -> None:
    viewer = KubeCluster(context="sandbox-viewer")
    assert isinstance(list_kind(viewer, "deployments", "portside-view"), list)
    watched = Collected(watch_kind(viewer, "deployments", "default"))
    try:
        wait_for(lambda: watched.deltas, 15, "the first delta")
        (first,) = watched.deltas
        assert isinstance(first, Disconnected) and isinstance(first.error, Forbidden)
        assert first.retry_in == FORBIDDEN_RETRY and "forbidden" in str(first.error)
    finally:
        watched.close()  # must not wait out the 30 s
    allowed = Collected(watch_kind(viewer, "deployments", "portside-view"))
    try:
        wait_for(lambda: allowed.deltas, 15, "the allowed list")
        assert isinstance(allowed.deltas[0], Snapshot)
    finally:
        allowed.close()
    viewer.close()


def test_nodes_list_has_localhost_ready_with_capacity(kube_admin: KubeCluster) -> None:
    nodes = {n.name: n for n in list_kind(kube_admin, "nodes", "ignored")}
    node = nodes["localhost"]
    assert node.status == "Ready" and node.version.startswith("v1.20")
    assert node.capacity.pods > 0 and node.capacity.cpu not in ("", "?") and node.capacity.memory.endswith("Ki")
    assert node.allocatable.pods > 0
    assert {c.type for c in node.conditions} >= {"Ready", "MemoryPressure", "DiskPressure"}


def test_cronjobs_are_served_by_batch_v1beta1_on_1_20(kube_admin: KubeCluster, test_namespace: str) -> None:
    assert served_version(kube_admin, KINDS["cronjobs"]) == "batch/v1beta1"
    name = unique("cron")
    job = {"spec": {"template": {"spec": {**pod_manifest(name)["spec"], "restartPolicy": "Never"}}}}
    kube_admin.request(
        "POST",
        f"/apis/batch/v1beta1/namespaces/{test_namespace}/cronjobs",
        body={"metadata": {"name": name}, "spec": {"schedule": "0 3 * * *", "suspend": True, "jobTemplate": job}},
    )
    (cron,) = [c for c in list_kind(kube_admin, "cj", test_namespace) if c.name == name]
    assert cron.schedule == "0 3 * * *" and cron.suspend and cron.active == 0
    delete(kube_admin, "cronjobs", test_namespace, name)
    assert not [c for c in list_kind(kube_admin, "cj", test_namespace) if c.name == name]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_lists_and_parses_from_the_real_cluster(
    kind: str, kube_admin: KubeCluster, test_namespace: str
) -> None:
    records = list_kind(kube_admin, kind, "")  # all namespaces: the seeded demo objects are real input
    assert all(r.key for r in records)
