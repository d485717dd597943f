"""Every parser that turns an API answer into a record, fed the answer with a hostile payload appended to every
string (values and keys): nothing raises, and no string of the record can drive a terminal (rule 6)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.reliability.conftest import PAYLOADS, screen_has_no_escape
from tui.adapters import kube_records as kr
from tui.adapters.docker_engine import container_from_api, image_from_api
from tui.adapters.docker_networks import network_from_api
from tui.adapters.docker_volumes import volume_from_api
from tui.adapters.kube_cluster import pod_from_api

pytestmark = pytest.mark.hostile

META = {
    "name": "web",
    "namespace": "default",
    "uid": "5f1c",
    "creationTimestamp": "2026-01-01T00:00:00Z",
    "labels": {"app": "web"},
    "annotations": {"note": "text"},
    "ownerReferences": [{"kind": "ReplicaSet", "name": "web-1"}],
}
WORKLOAD = {"metadata": META, "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}}, "status": {}}
SAMPLES: dict[str, tuple[Callable[[Any], Any], dict[str, Any]]] = {
    "container": (
        container_from_api,
        {
            "Id": "abc123",
            "Names": ["/web"],
            "Image": "busybox",
            "ImageID": "sha256:1",
            "State": "running",
            "Status": "Up 2 minutes",
            "Created": 1700000000,
            "Ports": [{"PrivatePort": 80, "PublicPort": 8080, "Type": "tcp", "IP": "127.0.0.1"}],
            "Labels": {"com.docker.compose.project": "demo"},
            "Command": "sleep 3600",
        },
    ),
    "image": (
        image_from_api,
        {"Id": "sha256:1", "RepoTags": ["busybox:latest"], "Size": 1, "Created": 1700000000},
    ),
    "volume": (
        volume_from_api,
        {"Name": "data", "Driver": "local", "Mountpoint": "/var/lib/x", "Labels": {"a": "b"}, "Scope": "local"},
    ),
    "network": (
        network_from_api,
        {
            "Id": "n1",
            "Name": "net",
            "Driver": "bridge",
            "Scope": "local",
            "IPAM": {"Config": [{"Subnet": "10.0.0.0/24"}]},
            "Labels": {"a": "b"},
        },
    ),
    "pod": (
        pod_from_api,
        {
            "metadata": META,
            "spec": {"nodeName": "node1", "containers": [{"name": "main"}]},
            "status": {
                "phase": "Running",
                "podIP": "10.0.0.1",
                "reason": "Evicted",
                "containerStatuses": [
                    {"name": "main", "ready": True, "restartCount": 0, "state": {"waiting": {"reason": "Crash"}}}
                ],
            },
        },
    ),
    "deployment": (kr.deployment_from_api, WORKLOAD),
    "statefulset": (kr.statefulset_from_api, WORKLOAD),
    "daemonset": (kr.daemonset_from_api, WORKLOAD),
    "replicaset": (kr.replicaset_from_api, WORKLOAD),
    "job": (kr.job_from_api, {**WORKLOAD, "status": {"conditions": [{"type": "Failed", "status": "True"}]}}),
    "cronjob": (kr.cronjob_from_api, {"metadata": META, "spec": {"schedule": "* * * * *"}, "status": {}}),
    "service": (
        kr.service_from_api,
        {
            "metadata": META,
            "spec": {
                "type": "LoadBalancer",
                "clusterIP": "10.0.0.1",
                "externalIPs": ["1.2.3.4"],
                "ports": [{"port": 80, "protocol": "TCP", "nodePort": 30080}],
                "selector": {"app": "web"},
            },
            "status": {"loadBalancer": {"ingress": [{"hostname": "lb.example"}]}},
        },
    ),
    "configmap": (kr.configmap_from_api, {"metadata": META, "data": {"key": "value"}}),
    "secret": (kr.secret_from_api, {"metadata": META, "type": "Opaque", "data": {"password": "c2VjcmV0"}}),
    "node": (
        kr.node_from_api,
        {
            "metadata": {**META, "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "spec": {},
            "status": {
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "ok"}],
                "nodeInfo": {"kubeletVersion": "v1.20.2"},
                "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
                "capacity": {"cpu": "2", "memory": "1Gi", "pods": "110"},
                "allocatable": {"cpu": "2", "memory": "1Gi", "pods": "110"},
            },
        },
    ),
    "namespace": (kr.namespace_from_api, {"metadata": META, "status": {"phase": "Active"}}),
    "event": (
        kr.event_from_api,
        {
            "metadata": META,
            "involvedObject": {"kind": "Pod", "name": "web"},
            "reason": "BackOff",
            "message": "Back-off restarting",
            "type": "Warning",
            "count": 3,
            "lastTimestamp": "2026-01-01T00:00:00Z",
            "source": {"component": "kubelet"},
        },
    ),
}
# Strings the parser must understand (a time, a quantity, a condition's True/False) stay as they are.
KEEP = {"creationTimestamp", "lastTimestamp", "cpu", "memory", "pods", "status", "type"}
FREE_MAPS = {"labels", "annotations", "data", "selector", "matchLabels", "Labels"}  # their keys are data too


def poisoned(value: Any, payload: str, key: str = "") -> Any:
    """``value`` with ``payload`` appended to every string and to the keys of free-form maps."""
    if isinstance(value, dict):
        return {(k + payload if key in FREE_MAPS else k): poisoned(v, payload, k) for k, v in value.items()}
    if isinstance(value, list):
        return [poisoned(v, payload, key) for v in value]
    if isinstance(value, str):
        return value if key in KEEP else value + payload
    return value


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from strings(getattr(value, field.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from strings(item)


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
@pytest.mark.parametrize("kind", SAMPLES.keys())
def test_parsed_record_of_a_hostile_api_answer_holds_no_terminal_control(kind: str, payload: str) -> None:
    parse, sample = SAMPLES[kind]
    record = parse(poisoned(sample, payload))
    bad = {text: screen_has_no_escape(text) for text in strings(record) if screen_has_no_escape(text)}
    assert not bad, bad
    if payload.startswith("[") or payload.startswith("[/"):
        assert any(payload in text for text in strings(record)), "markup was altered instead of kept as text"
