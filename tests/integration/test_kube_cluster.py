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


# ---- credentials and trust, as the kubeconfig gives them (tui/adapters/kube_config.py, kube_http.py)


def sandbox_config() -> tuple[str, str, str]:
    """The sandbox's server, CA data and admin token, read from its kubeconfig."""
    import os

    import yaml

    doc = yaml.safe_load(Path(os.environ["KUBECONFIG"]).read_text())
    cluster = doc["clusters"][0]["cluster"]
    token = next(u["user"]["token"] for u in doc["users"] if u["name"] == "admin")
    return cluster["server"], cluster["certificate-authority-data"], token


def one_context(tmp_path: Path, cluster: str, user: str) -> str:
    path = tmp_path / "kubeconfig"
    path.write_text(
        f"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n{cluster}users:\n- name: u\n  user:\n{user}"
        "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n"
    )
    return str(path)


def test_an_exec_plugin_token_is_used_until_it_expires(tmp_path: Path) -> None:
    server, ca, token = sandbox_config()
    runs = tmp_path / "runs"
    plugin = tmp_path / "plugin"
    expiry = "2099-01-01T00:00:00Z"
    plugin.write_text(
        f"#!/bin/sh\necho run >> {runs}\n"
        f'echo \'{{"kind": "ExecCredential", "status": {{"token": "{token}", "expirationTimestamp": "\'$EXPIRY\'"}}}}\'\n'
    )
    plugin.chmod(0o700)
    cluster = f"    server: {server}\n    certificate-authority-data: {ca}\n"
    exec_user = (
        f"    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {plugin}\n"
        f"      env:\n      - name: EXPIRY\n        value: '{expiry}'\n"
    )
    cluster_client = KubeCluster(one_context(tmp_path, cluster, exec_user))
    assert cluster_client.version().version.startswith("v1.")
    cluster_client.list_pods("default")
    assert runs.read_text().count("run") == 1  # cached: the token has not expired
    expired = exec_user.replace(expiry, "2000-01-01T00:00:00Z")
    short_lived = KubeCluster(one_context(tmp_path, cluster, expired))
    short_lived.version()
    short_lived.version()
    assert runs.read_text().count("run") == 3  # expired at once: asked again for each request


def test_a_token_file_is_read_and_a_wrong_token_is_refused(tmp_path: Path) -> None:
    server, ca, token = sandbox_config()
    (tmp_path / "token").write_text(token + "\n")
    cluster = f"    server: {server}\n    certificate-authority-data: {ca}\n"
    assert KubeCluster(one_context(tmp_path, cluster, "    tokenFile: token\n")).version().version
    with pytest.raises(Forbidden):
        KubeCluster(one_context(tmp_path, cluster, "    token: not-a-token\n")).version()


def test_the_server_certificate_is_checked_unless_the_kubeconfig_says_not_to(tmp_path: Path) -> None:
    server, _, token = sandbox_config()
    user = f"    token: {token}\n"
    with pytest.raises(Unavailable, match="certificate verify failed"):
        KubeCluster(one_context(tmp_path, f"    server: {server}\n", user)).version()  # system CAs only
    insecure = f"    server: {server}\n    insecure-skip-tls-verify: true\n"
    assert KubeCluster(one_context(tmp_path, insecure, user)).version().version
