"""tui.adapters.kube_apply against the sandbox's real cluster (Kubernetes 1.20): plan, apply, edit, errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import BUSYBOX, unique
from tui.adapters.errors import Conflict, InvalidInput
from tui.adapters.kube_apply import (
    Action,
    apply_document,
    edited_document,
    open_for_edit,
    plan_document,
    plan_edit,
    plan_manifest,
    replace_object,
    with_previous_edit,
)
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.kube_manifest import ManifestError, parse_manifest


def deployment_yaml(name: str, replicas: int = 1, extra: str = "") -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    portside-test: "1"
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: {BUSYBOX}
          imagePullPolicy: Never
          command: ["sleep", "3600"]
{extra}"""


@pytest.fixture
def cluster(test_namespace: str) -> Iterator[KubeCluster]:
    found = KubeCluster(context="sandbox-admin", namespace=test_namespace)
    yield found
    found.close()


def test_plan_says_create_then_apply_creates_then_plan_says_unchanged(cluster: KubeCluster) -> None:
    name = unique("apply")
    config = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-cm\ndata:\n  a: '1'\n"
    manifest = parse_manifest(deployment_yaml(name) + "---\n" + config, "app.yaml")
    plan = plan_manifest(cluster, manifest)
    assert [(i.action, i.document.label, i.namespace) for i in plan] == [
        (Action.CREATE, f"Deployment/{name}", cluster.namespace),
        (Action.CREATE, f"ConfigMap/{name}-cm", cluster.namespace),
    ]
    with pytest.raises(Exception, match="not found"):  # a dry run creates nothing
        cluster.request("GET", f"/api/v1/namespaces/{cluster.namespace}/configmaps/{name}-cm")
    assert [apply_document(cluster, d) for d in manifest.documents] == [True, True]
    live = cluster.request("GET", f"/apis/apps/v1/namespaces/{cluster.namespace}/deployments/{name}")
    assert live["spec"]["replicas"] == 1
    assert any(m["manager"] == "portside" and m["operation"] == "Apply" for m in live["metadata"]["managedFields"])
    again = plan_manifest(cluster, manifest)
    assert [i.action for i in again] == [Action.UNCHANGED, Action.UNCHANGED]
    assert [apply_document(cluster, d) for d in manifest.documents] == [False, False]


def test_changed_replicas_plan_configure_naming_spec_replicas(cluster: KubeCluster) -> None:
    name = unique("apply")
    (first,) = parse_manifest(deployment_yaml(name, 1), "app.yaml").documents
    apply_document(cluster, first)
    (changed,) = parse_manifest(deployment_yaml(name, 2), "app.yaml").documents
    item = plan_document(cluster, changed)
    assert (item.action, item.changes) == (Action.CONFIGURE, ("spec.replicas",))
    apply_document(cluster, changed)
    live = cluster.request("GET", f"/apis/apps/v1/namespaces/{cluster.namespace}/deployments/{name}")
    assert live["spec"]["replicas"] == 2


def test_an_invalid_value_is_the_servers_error_at_the_fields_line(cluster: KubeCluster) -> None:
    name = unique("apply")
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\n" + deployment_yaml(name, -1)
    manifest = parse_manifest(text, "bad.yaml")
    ok, bad = plan_manifest(cluster, manifest)
    assert ok.action is Action.CREATE  # the other document is still planned
    assert bad.action is Action.ERROR
    assert bad.problem.startswith(f"bad.yaml:13: Deployment/{name}: ")  # line 13: "replicas: -1"
    assert "spec.replicas: Invalid value: -1" in bad.problem
    with pytest.raises(InvalidInput, match=r"^bad\.yaml:13: "):
        apply_document(cluster, bad.document)


def test_a_value_of_the_wrong_type_is_located_at_its_line(cluster: KubeCluster) -> None:
    name = unique("apply")
    text = deployment_yaml(name).replace("replicas: 1", "replicas: three")
    (document,) = parse_manifest(text, "typed.yaml").documents
    item = plan_document(cluster, document)
    assert item.action is Action.ERROR and item.problem.startswith(f"typed.yaml:8: Deployment/{name}: ")


def test_a_kind_the_server_does_not_serve_is_found_unknown_by_discovery(cluster: KubeCluster) -> None:
    text = "apiVersion: apps/v1\nkind: Gizmo\nmetadata:\n  name: g\n---\n"
    text += "apiVersion: nothing.example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"
    gizmo, widget = plan_manifest(cluster, parse_manifest(text, "odd.yaml"))
    assert gizmo.problem == "odd.yaml:2: Gizmo/g: unknown kind Gizmo: apps/v1 has no such kind"
    assert widget.problem.startswith("odd.yaml:7: Widget/w: unknown kind Widget: the server does not serve")


def test_a_kind_outside_our_table_is_applied_through_discovery(cluster: KubeCluster) -> None:
    name = unique("role")
    text = f"""\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {name}
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [get]
"""
    (document,) = parse_manifest(text, "role.yaml").documents
    assert plan_document(cluster, document).action is Action.CREATE
    assert apply_document(cluster, document) is True
    path = f"/apis/rbac.authorization.k8s.io/v1/namespaces/{cluster.namespace}/roles/{name}"
    assert cluster.request("GET", path)["rules"][0]["verbs"] == ["get"]


# ---- edit


def test_edit_replaces_the_object_at_the_version_read(cluster: KubeCluster) -> None:
    name = unique("edit")
    cluster.request(
        "POST",
        f"/api/v1/namespaces/{cluster.namespace}/configmaps",
        body={"metadata": {"name": name}, "data": {"colour": "blue"}},
    )
    session = open_for_edit(cluster, "configmap", cluster.namespace, name)
    assert "status" not in session.text and "managedFields" not in session.text and "colour: blue" in session.text
    edited = session.text.replace("colour: blue", "colour: green")
    document = edited_document(session, edited, "edit")
    item = plan_edit(cluster, session, document)
    assert (item.action, item.changes) == (Action.CONFIGURE, ("data.colour",))
    replace_object(cluster, session, document)
    live = cluster.request("GET", f"/api/v1/namespaces/{cluster.namespace}/configmaps/{name}")
    assert live["data"] == {"colour": "green"}


def test_an_edit_of_an_object_changed_meanwhile_is_a_conflict(cluster: KubeCluster) -> None:
    name = unique("edit")
    path = f"/api/v1/namespaces/{cluster.namespace}/configmaps"
    cluster.request("POST", path, body={"metadata": {"name": name}, "data": {"colour": "blue"}})
    session = open_for_edit(cluster, "configmap", cluster.namespace, name)
    cluster.request("PUT", f"{path}/{name}", body={"metadata": {"name": name}, "data": {"colour": "red"}})
    edited = session.text.replace("colour: blue", "colour: green")
    document = edited_document(session, edited, "edit")
    with pytest.raises(Conflict, match="changed on the server since you opened it"):
        plan_edit(cluster, session, document)
    with pytest.raises(Conflict):
        replace_object(cluster, session, document)
    assert cluster.request("GET", f"{path}/{name}")["data"] == {"colour": "red"}
    fresh = open_for_edit(cluster, "configmap", cluster.namespace, name)
    kept = with_previous_edit(fresh, edited)
    assert "colour: red" in kept and "# data:" in kept  # the edit survives as comments
    (still_one,) = parse_manifest(kept, "edit").documents
    assert still_one.body["data"] == {"colour": "red"}


def test_an_edit_that_renames_the_object_is_refused_at_the_name() -> None:
    from tui.adapters.kube_apply import EditSession

    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: n\n"
    session = EditSession("configmap", "n", "a", "/api/v1/namespaces/n/configmaps/a", "1", text, {})
    with pytest.raises(ManifestError, match="cannot change the kind, name or namespace"):
        edited_document(session, text.replace("name: a", "name: b"), "edit")


def test_secrets_are_never_opened_for_editing(cluster: KubeCluster) -> None:
    with pytest.raises(InvalidInput, match="not edited here"):
        open_for_edit(cluster, "secret", cluster.namespace, "anything")
