"""tui.adapters.kube_records and the kind registry: raw JSON as the API server sends it -> slim frozen records."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tui.adapters.errors import InvalidInput
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
    quantity_bytes,
    replicaset_from_api,
    secret_from_api,
    service_from_api,
    statefulset_from_api,
)
from tui.adapters.kube_resources import KINDS, resource_kind

ESC = "\x1b[31m"


def meta(name: str = "web", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": "shop",
        "uid": f"uid-{name}",
        "resourceVersion": "4711",
        "generation": 3,
        "creationTimestamp": "2025-06-01T10:15:30Z",
        **extra,
    }


DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": meta(),
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}},
    "status": {
        "observedGeneration": 3,
        "replicas": 4,
        "updatedReplicas": 2,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "unavailableReplicas": 1,
    },
}


def test_deployment_counts_desired_against_current() -> None:
    d = deployment_from_api(DEPLOYMENT)
    assert (d.desired, d.current, d.ready, d.up_to_date, d.available) == (3, 4, 3, 2, 3)
    assert d.key == "uid-web" and d.namespace == "shop"
    assert d.created == datetime(2025, 6, 1, 10, 15, 30, tzinfo=UTC)
    assert d.lags(d.up_to_date) and d.lags(d.current) and not d.lags(d.ready)
    assert not d.converged


def test_deployment_converged_only_when_every_count_matches_and_spec_observed() -> None:
    done = {**DEPLOYMENT, "status": {**DEPLOYMENT["status"], "replicas": 3, "updatedReplicas": 3}}
    assert deployment_from_api(done).converged
    stale = {**done, "metadata": meta(generation=4)}  # spec changed, the controller has not looked yet
    assert not deployment_from_api(stale).observed
    assert not deployment_from_api(stale).converged


def test_new_deployment_without_status_or_replicas_defaults_to_one_desired_none_ready() -> None:
    d = deployment_from_api({"metadata": {"name": "fresh", "namespace": "shop", "uid": "u"}})
    assert (d.desired, d.current, d.ready, d.up_to_date, d.available) == (1, 0, 0, 0, 0)
    assert d.created is None and not d.converged


def test_scaled_to_zero_deployment_has_no_replicas_fields_and_is_converged() -> None:
    raw = {"metadata": meta(), "spec": {"replicas": 0}, "status": {"observedGeneration": 3}}
    assert deployment_from_api(raw).converged


def test_statefulset_on_1_20_has_no_available_count_and_it_never_lags() -> None:
    raw = {
        "metadata": meta("db"),
        "spec": {"replicas": 2},
        "status": {"observedGeneration": 3, "replicas": 2, "readyReplicas": 2, "updatedReplicas": 2},
    }
    s = statefulset_from_api(raw)
    assert s.available is None and s.converged


def test_daemonset_desired_comes_from_the_status() -> None:
    raw = {
        "metadata": meta("agent"),
        "spec": {},
        "status": {
            "desiredNumberScheduled": 2,
            "currentNumberScheduled": 2,
            "numberReady": 1,
            "updatedNumberScheduled": 2,
            "numberAvailable": 1,
            "observedGeneration": 3,
        },
    }
    ds = daemonset_from_api(raw)
    assert (ds.desired, ds.current, ds.ready, ds.up_to_date, ds.available) == (2, 2, 1, 2, 1)
    assert not ds.converged


def test_replicaset_has_no_up_to_date_count_and_names_its_owner() -> None:
    raw = {
        "metadata": meta("web-5d9c", ownerReferences=[{"kind": "Deployment", "name": "web", "uid": "x"}]),
        "spec": {"replicas": 2},
        "status": {"replicas": 2, "readyReplicas": 2, "availableReplicas": 2, "observedGeneration": 3},
    }
    rs = replicaset_from_api(raw)
    assert rs.up_to_date is None and rs.owner == "Deployment/web" and rs.converged


def test_job_complete_with_duration() -> None:
    raw = {
        "metadata": meta("backup"),
        "spec": {"completions": 3, "parallelism": 1},
        "status": {
            "startTime": "2025-06-01T10:00:00Z",
            "completionTime": "2025-06-01T10:02:30Z",
            "succeeded": 3,
            "conditions": [{"type": "Complete", "status": "True"}],
        },
    }
    job = job_from_api(raw)
    assert (job.completions, job.succeeded, job.status) == (3, 3, "Complete")
    assert job.duration(datetime.now(UTC)) == timedelta(minutes=2, seconds=30)


def test_job_running_failed_and_pending_states() -> None:
    running = job_from_api({"metadata": meta("a"), "status": {"active": 1, "startTime": "2025-06-01T10:00:00Z"}})
    assert running.status == "Running" and running.completions is None and running.finished is None
    now = datetime(2025, 6, 1, 10, 1, tzinfo=UTC)
    assert running.duration(now) == timedelta(minutes=1)
    failed = job_from_api(
        {
            "metadata": meta("b"),
            "status": {
                "failed": 6,
                "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimit"}],
            },
        }
    )
    assert failed.status == "Failed" and failed.failed == 6
    pending = job_from_api({"metadata": meta("c")})
    assert pending.status == "Pending" and pending.duration(now) is None


def test_cronjob_v1beta1_fields() -> None:
    raw = {
        "apiVersion": "batch/v1beta1",
        "kind": "CronJob",
        "metadata": meta("nightly"),
        "spec": {"schedule": "0 3 * * *", "suspend": True, "jobTemplate": {}},
        "status": {"active": [{"kind": "Job", "name": "nightly-1"}], "lastScheduleTime": "2025-06-01T03:00:00Z"},
    }
    cj = cronjob_from_api(raw)
    assert (cj.schedule, cj.suspend, cj.active) == ("0 3 * * *", True, 1)
    assert cj.last_schedule == datetime(2025, 6, 1, 3, tzinfo=UTC)
    never = cronjob_from_api({"metadata": meta("n"), "spec": {"schedule": "* * * * *"}, "status": {}})
    assert never.active == 0 and never.last_schedule is None and not never.suspend


def test_service_ports_and_external_addresses_as_kubectl_shows_them() -> None:
    raw = {
        "metadata": meta("front"),
        "spec": {
            "type": "LoadBalancer",
            "clusterIP": "10.96.0.20",
            "ports": [
                {"port": 80, "targetPort": 8080, "nodePort": 30080, "protocol": "TCP"},
                {"port": 53, "protocol": "UDP"},
            ],
            "selector": {"app": "front"},
        },
        "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}, {"hostname": "lb.example"}]}},
    }
    s = service_from_api(raw)
    assert s.type == "LoadBalancer" and s.cluster_ip == "10.96.0.20"
    assert s.ports == ("80:30080/TCP", "53/UDP")
    assert s.external == ("203.0.113.9", "lb.example") and s.selector == (("app", "front"),)
    bare = service_from_api({"metadata": meta("headless"), "spec": {"clusterIP": "None"}})
    assert bare.type == "ClusterIP" and bare.ports == () and bare.external == ()


def test_configmap_counts_data_and_binary_keys() -> None:
    raw = {"metadata": meta("cfg"), "data": {"b.conf": "x", "a.conf": "y"}, "binaryData": {"logo.png": "iVBO"}}
    cm = configmap_from_api(raw)
    assert cm.keys == ("a.conf", "b.conf", "logo.png") and cm.key_count == 3
    assert configmap_from_api({"metadata": meta("empty")}).key_count == 0


def test_secret_record_holds_key_names_never_values() -> None:
    value, encoded = "hunter2-very-secret", "aHVudGVyMi12ZXJ5LXNlY3JldA=="
    raw = {
        "metadata": meta("db-creds", annotations={"note": "x"}),
        "type": "Opaque",
        "data": {"password": encoded, "user": "YWRtaW4="},
    }
    secret = secret_from_api(raw)
    assert secret.keys == ("password", "user") and secret.type == "Opaque"
    dumped = repr(secret) + repr(dataclasses.asdict(secret))
    assert value not in dumped and encoded not in dumped and "YWRtaW4=" not in dumped
    assert secret_from_api({"metadata": meta("empty")}).keys == ()


NODE: dict[str, Any] = {
    "metadata": {
        "name": "localhost",
        "uid": "node-uid",
        "creationTimestamp": "2025-06-01T09:00:00Z",
        "labels": {"kubernetes.io/hostname": "localhost", "node-role.kubernetes.io/control-plane": ""},
    },
    "spec": {},
    "status": {
        "capacity": {"cpu": "2", "memory": "24684092Ki", "pods": "110"},
        "allocatable": {"cpu": "1900m", "memory": "24581692Ki", "pods": "110"},
        "conditions": [
            {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
            {"type": "DiskPressure", "status": "True", "reason": "KubeletHasDiskPressure", "message": "disk"},
            {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting"},
        ],
        "addresses": [
            {"type": "InternalIP", "address": "192.0.2.2"},
            {"type": "Hostname", "address": "localhost"},
        ],
        "nodeInfo": {"kubeletVersion": "v1.20.2"},
    },
}


def test_node_status_roles_resources_and_abnormal_conditions() -> None:
    node = node_from_api(NODE)
    assert node.namespace == "" and node.status == "Ready" and node.roles == ("control-plane",)
    assert node.version == "v1.20.2" and node.internal_ip == "192.0.2.2"
    assert (node.capacity.cpu, node.capacity.memory, node.capacity.pods) == ("2", "24684092Ki", 110)
    assert node.allocatable.cpu == "1900m"
    assert node.problems == ("DiskPressure",)
    assert [c.type for c in node.conditions] == ["MemoryPressure", "DiskPressure", "Ready"]


def test_node_not_ready_cordoned_and_without_status() -> None:
    cordoned = {
        **NODE,
        "spec": {"unschedulable": True},
        "status": {**NODE["status"], "conditions": [{"type": "Ready", "status": "False"}]},
    }
    node = node_from_api(cordoned)
    assert node.status == "NotReady,SchedulingDisabled" and node.problems == ()
    bare = node_from_api({"metadata": {"name": "new", "uid": "n"}})
    assert bare.status == "Unknown" and bare.capacity.pods == 0 and bare.capacity.memory == "?"
    assert bare.roles == () and bare.conditions == ()


def test_namespace_phase_and_labels() -> None:
    ns = namespace_from_api(
        {"metadata": {"name": "shop", "uid": "ns", "labels": {"team": "a"}}, "status": {"phase": "Terminating"}}
    )
    assert ns.status == "Terminating" and ns.labels == (("team", "a"),) and ns.namespace == ""
    assert namespace_from_api({"metadata": {"name": "x", "uid": "y"}}).status == "Active"


def test_event_core_v1_with_last_timestamp_and_count() -> None:
    raw = {
        "metadata": meta("web.18ecb9bc3dc0325b"),
        "involvedObject": {"kind": "Deployment", "namespace": "shop", "name": "web"},
        "reason": "ScalingReplicaSet",
        "message": "Scaled up replica set web-58f6bf78fc to 3",
        "source": {"component": "deployment-controller"},
        "firstTimestamp": "2025-06-01T10:00:00Z",
        "lastTimestamp": "2025-06-01T10:05:00Z",
        "count": 4,
        "type": "Normal",
        "eventTime": None,
    }
    ev = event_from_api(raw)
    assert (ev.type, ev.reason, ev.object, ev.count) == ("Normal", "ScalingReplicaSet", "Deployment/web", 4)
    assert ev.last_seen == datetime(2025, 6, 1, 10, 5, tzinfo=UTC) and ev.source == "deployment-controller"


def test_event_with_series_or_only_event_time() -> None:
    series = event_from_api(
        {
            "metadata": meta("e1"),
            "type": "Warning",
            "eventTime": "2025-06-01T10:00:00.000000Z",
            "series": {"count": 7, "lastObservedTime": "2025-06-01T11:00:00.000000Z"},
            "reportingComponent": "kubelet",
        }
    )
    assert series.count == 7 and series.last_seen == datetime(2025, 6, 1, 11, tzinfo=UTC)
    assert series.source == "kubelet" and series.object == ""
    bare = event_from_api({"metadata": meta("e2")})
    assert bare.count == 1 and bare.last_seen == datetime(2025, 6, 1, 10, 15, 30, tzinfo=UTC)


def test_pod_placement_counts_only_pods_that_occupy_a_node() -> None:
    running = pod_placement_from_api(
        {"metadata": meta("p"), "spec": {"nodeName": "localhost"}, "status": {"phase": "Running"}}
    )
    done = pod_placement_from_api(
        {"metadata": meta("q"), "spec": {"nodeName": "localhost"}, "status": {"phase": "Succeeded"}}
    )
    unscheduled = pod_placement_from_api({"metadata": meta("r"), "spec": {}, "status": {"phase": "Pending"}})
    assert running.occupies_node and not done.occupies_node and not unscheduled.occupies_node


def test_external_strings_are_sanitised() -> None:
    raw = {
        "metadata": meta(f"evil{ESC}name"),
        "involvedObject": {"kind": "Pod", "name": f"p{ESC}"},
        "message": f"line one\nline two{ESC}\u202e",
        "reason": "\x9bBad",
    }
    ev = event_from_api(raw)
    for text in (ev.name, ev.object, ev.message, ev.reason):
        assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text and "\n" not in text
    assert ev.name == "evilname"


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [("24684092Ki", 24684092 * 1024), ("1Gi", 2**30), ("500M", 500 * 10**6), ("1024", 1024), ("1.5Gi", 3 * 2**29)],
)
def test_memory_quantities_in_bytes(quantity: str, expected: int) -> None:
    assert quantity_bytes(quantity) == expected


@pytest.mark.parametrize("quantity", ["", "?", "12Xi", "1e3", "abc"])
def test_unparseable_quantities_are_none(quantity: str) -> None:
    assert quantity_bytes(quantity) is None


def test_every_kind_is_found_by_plural_singular_and_short_name() -> None:
    shorts = {"po", "deploy", "sts", "ds", "rs", "job", "cj", "svc", "cm", "secret", "no", "ns", "ev"}
    assert {s for k in KINDS.values() for s in k.short_names} == shorts
    for kind in KINDS.values():
        for alias in (kind.name, kind.singular, *kind.short_names):
            assert resource_kind(alias) is kind
    with pytest.raises(InvalidInput):
        resource_kind("widgets")


def test_paths_for_namespaced_cluster_scoped_and_grouped_kinds() -> None:
    assert KINDS["pods"].path("shop") == "/api/v1/namespaces/shop/pods"
    assert KINDS["deployments"].path("") == "/apis/apps/v1/deployments"
    assert KINDS["deployments"].path("shop", "web", subresource="scale") == (
        "/apis/apps/v1/namespaces/shop/deployments/web/scale"
    )
    assert (
        KINDS["cronjobs"].path("shop", group_version="batch/v1beta1")
        == "/apis/batch/v1beta1/namespaces/shop/cronjobs"
    )
    assert KINDS["nodes"].path("ignored", "localhost") == "/api/v1/nodes/localhost"
    with pytest.raises(InvalidInput):
        KINDS["secrets"].path("", "creds")  # an object of a namespaced kind needs its namespace


def test_only_workloads_with_the_subresources_are_scalable_or_restartable() -> None:
    assert {k.name for k in KINDS.values() if k.scalable} == {"deployments", "statefulsets", "replicasets"}
    assert {k.name for k in KINDS.values() if k.restartable} == {"deployments", "statefulsets", "daemonsets"}
