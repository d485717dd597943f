"""Manifest parsing (tui.adapters.kube_manifest) and the pure parts of kube_apply: located problems, paths, diffs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.adapters.errors import InvalidInput
from tui.adapters.kube_apply import changed_paths, comparable, field_path, locate
from tui.adapters.kube_manifest import MAX_FILE_BYTES, ManifestError, parse_manifest, read_manifest

EXAMPLE = Path(__file__).parents[2] / "examples" / "manifests" / "web.yaml"

TWO = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
data:
  a: "1"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: two
  namespace: elsewhere
spec:
  replicas: 2
"""


def test_every_document_becomes_an_object_with_its_first_line() -> None:
    manifest = parse_manifest(TWO, "two.yaml")
    assert [(d.kind, d.name, d.namespace, d.line, d.index) for d in manifest.documents] == [
        ("ConfigMap", "one", "", 1, 1),
        ("Deployment", "two", "elsewhere", 8, 2),
    ]
    assert manifest.problems == ()
    assert manifest.documents[1].body["spec"] == {"replicas": 2}


def test_the_line_of_a_nested_field_is_known() -> None:
    deployment = parse_manifest(TWO, "two.yaml").documents[1]
    assert deployment.line_of(("spec", "replicas")) == 14
    assert deployment.line_of(("spec", "template", "spec")) == 13  # nearest ancestor that exists


def test_the_example_manifest_holds_a_three_replica_deployment_and_a_service() -> None:
    manifest = read_manifest(EXAMPLE)
    assert [d.label for d in manifest.documents] == ["Deployment/web", "Service/web"]
    assert manifest.documents[0].body["spec"]["replicas"] == 3


def test_bad_yaml_refuses_the_whole_file_at_the_line() -> None:
    with pytest.raises(ManifestError) as caught:
        parse_manifest(TWO + "---\nkind: [unclosed\n", "bad.yaml")
    (problem,) = caught.value.problems
    assert problem.file == "bad.yaml" and problem.line >= 16 and "YAML syntax error" in problem.message


def test_a_document_that_is_not_a_mapping_is_located_and_the_others_stay() -> None:
    manifest = parse_manifest(TWO + "---\n- just\n- a list\n", "list.yaml")
    assert [d.name for d in manifest.documents] == ["one", "two"]
    (problem,) = manifest.problems
    assert str(problem) == "list.yaml:16: a document must be a mapping (apiVersion, kind, metadata), not a list"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("apiVersion: v1\nmetadata:\n  name: x\n", "f.yaml:1: ?/x: kind missing (or not text)"),
        ("apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {}\n", "f.yaml:3: Pod/?: metadata.name missing"),
        ("kind: Pod\nmetadata:\n  name: p\n", "f.yaml:1: Pod/p: apiVersion missing (or not text)"),
    ],
)
def test_missing_kind_name_or_api_version_is_located(text: str, expected: str) -> None:
    (problem,) = parse_manifest(text, "f.yaml").problems
    assert str(problem).startswith(expected)


def test_a_list_kind_is_expanded_into_its_items_with_their_lines() -> None:
    text = """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: a
  - apiVersion: v1
    kind: ConfigMap
    metadata: {}
"""
    manifest = parse_manifest(text, "list.yaml")
    (item,) = manifest.documents
    assert (item.name, item.line, item.line_of(("metadata", "name"))) == ("a", 4, 7)
    (problem,) = manifest.problems
    assert problem.line == 10 and "metadata.name missing" in problem.message


def test_empty_documents_and_comments_are_skipped() -> None:
    manifest = parse_manifest("---\n# nothing\n---\n" + TWO + "---\n", "f.yaml")
    assert len(manifest.documents) == 2 and manifest.problems == ()


def test_timestamps_stay_text_so_the_body_is_json() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\ndata:\n  when: 2024-01-02T03:04:05Z\n"
    (document,) = parse_manifest(text, "t.yaml").documents
    assert document.body["data"]["when"] == "2024-01-02T03:04:05Z"


def test_an_alias_bomb_is_refused_before_expansion() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    with pytest.raises(ManifestError) as caught:
        parse_manifest("\n".join(lines) + "\n", "bomb.yaml")
    assert "alias" in str(caught.value)


def test_a_file_too_large_is_refused_without_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * MAX_FILE_BYTES + "\n")
    with pytest.raises(ManifestError, match="larger than"):
        read_manifest(big)


def test_control_characters_in_names_are_sanitised_for_display() -> None:
    text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "evil\\e[31mred"\n'
    (document,) = parse_manifest(text, "f.yaml").documents
    assert "\x1b" not in document.name and "\x1b" in document.body["metadata"]["name"]


# ---- where a document goes


def test_a_known_kind_is_located_without_discovery_in_the_default_namespace() -> None:
    deployment = parse_manifest(TWO, "two.yaml").documents[1]
    assert locate(deployment, "default").path == "/apis/apps/v1/namespaces/elsewhere/deployments/two"
    configmap = parse_manifest(TWO, "two.yaml").documents[0]
    found = locate(configmap, "mine")
    assert (found.path, found.namespace) == ("/api/v1/namespaces/mine/configmaps/one", "mine")


def test_an_unknown_kind_is_located_at_its_kind_line() -> None:
    text = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"
    (document,) = parse_manifest(text, "w.yaml").documents
    with pytest.raises(InvalidInput) as caught:
        locate(document, "default", [])
    assert str(caught.value) == (
        "w.yaml:2: Widget/w: unknown kind Widget: the server does not serve example.com/v1"
    )
    served = [{"name": "gadgets", "kind": "Gadget", "namespaced": True}]
    with pytest.raises(InvalidInput, match=r"example\.com/v1 has no such kind"):
        locate(document, "default", served)


def test_an_api_version_that_is_not_group_slash_version_is_refused_before_any_request() -> None:
    text = "apiVersion: ../../api/v1\nkind: Pod\nmetadata:\n  name: p\n"
    (document,) = parse_manifest(text, "p.yaml").documents
    with pytest.raises(InvalidInput, match=r"^p\.yaml:1: Pod/p: apiVersion '\.\./\.\./api/v1' is not"):
        locate(document, "default", [])


def test_a_discovered_cluster_scoped_kind_has_no_namespace() -> None:
    text = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n  namespace: x\n"
    (document,) = parse_manifest(text, "r.yaml").documents
    served = [
        {"name": "clusterroles", "kind": "ClusterRole", "namespaced": False},
        {"name": "clusterroles/status", "kind": "ClusterRole", "namespaced": False},
    ]
    found = locate(document, "default", served)
    assert (found.path, found.namespace) == ("/apis/rbac.authorization.k8s.io/v1/clusterroles/r", "")


# ---- comparing the dry run with the live object


def test_changed_paths_name_the_leaves_and_never_the_values() -> None:
    before = {"spec": {"replicas": 1, "template": {"containers": [{"image": "a"}]}}, "data": {"password": "old"}}
    after = {"spec": {"replicas": 2, "template": {"containers": [{"image": "b"}]}}, "data": {"password": "new"}}
    assert changed_paths(before, after) == [
        "spec.replicas",
        "spec.template.containers[0].image",
        "data.password",
    ]
    assert changed_paths(before, before) == []


def test_fields_that_change_on_every_write_are_ignored() -> None:
    live = {"metadata": {"name": "x", "resourceVersion": "1", "generation": 1, "managedFields": [1]}, "status": {}}
    dry = {
        "metadata": {"name": "x", "resourceVersion": "2", "generation": 2, "managedFields": [2]},
        "status": {"a": 1},
    }
    assert changed_paths(comparable(live), comparable(dry)) == []


def test_a_server_field_path_becomes_a_key_path() -> None:
    assert field_path("spec.template.spec.containers[0].image") == (
        "spec",
        "template",
        "spec",
        "containers",
        0,
        "image",
    )
