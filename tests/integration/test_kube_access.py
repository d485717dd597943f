"""RBAC questions and control-plane health asked of the real sandbox cluster."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tui.adapters.kube_access import action_access, can_i
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.kube_health import cluster_health

pytestmark = pytest.mark.kube


@pytest.fixture
def viewer() -> Iterator[KubeCluster]:
    cluster = KubeCluster(context="sandbox-viewer")
    yield cluster
    cluster.close()


def test_admin_may_delete_and_scale_where_the_viewer_may_not(kube_admin: KubeCluster, viewer: KubeCluster) -> None:
    assert can_i(kube_admin, "delete", "pods", "portside-view").allowed
    assert action_access(kube_admin, "deployment.scale", "portside-view").allowed
    refused = action_access(viewer, "deployment.scale", "portside-view")
    assert not refused.allowed
    assert refused.reason.startswith("not allowed to patch deployments/scale in namespace portside-view")
    assert not can_i(viewer, "delete", "pods", "portside-view").allowed
    assert not can_i(viewer, "create", "pods", "portside-view", "exec").allowed


def test_viewer_may_read_in_its_namespace_and_nothing_elsewhere(viewer: KubeCluster) -> None:
    assert can_i(viewer, "list", "pods", "portside-view").allowed
    assert not can_i(viewer, "list", "pods", "default").allowed
    assert not can_i(viewer, "list", "nodes").allowed  # cluster-scoped: asked without a namespace


def test_an_answer_is_cached_so_a_second_question_makes_no_request(viewer: KubeCluster) -> None:
    first = can_i(viewer, "delete", "configmaps", "portside-view")
    viewer.close()
    viewer.request = None  # type: ignore[method-assign,assignment]  # any call now would fail loudly
    assert can_i(viewer, "delete", "configmaps", "portside-view") is first


def test_cluster_health_reports_version_api_checks_and_components(kube_admin: KubeCluster) -> None:
    health = cluster_health(kube_admin)
    assert health.version.startswith("v1.20")
    names = {c.name for c in health.checks}
    assert {"/livez etcd", "/readyz etcd", "/readyz ping"} <= names
    assert all(c.healthy for c in health.checks)
    assert {c.name for c in health.components} >= {"scheduler", "controller-manager", "etcd-0"}
    assert all(c.healthy for c in health.components), health.components
    assert health.problems == ()


def test_cluster_health_of_the_viewer_says_what_it_may_not_read(viewer: KubeCluster) -> None:
    health = cluster_health(viewer)
    assert health.version.startswith("v1.20")  # /version is open to every authenticated user
    assert any("component statuses" in p and "forbidden" in p.lower() for p in health.problems), health.problems
