"""Fixed data behind the real adapter interfaces, for SVG snapshots that must not change between runs.

Only the snapshot tests use these; every behavioural test talks to the sandbox's real engines.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.adapters.docker_engine import DockerEngine
from tui.adapters.docker_networks import NetworkInfo
from tui.adapters.docker_volumes import VolumeInfo
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.live import LiveFeed
from tui.adapters.models import (
    Backoff,
    ContainerInfo,
    Delta,
    EngineVersion,
    ImageInfo,
    PodInfo,
    PortBinding,
    Snapshot,
)

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
COMPOSE = (("com.docker.compose.project", "elastic"), ("com.docker.compose.service", "es01"))

CONTAINERS = (
    ContainerInfo(
        "c1" * 32,
        "demo-web",
        "portside/busybox:latest",
        "sha256:d6",
        "running",
        "Up 2 hours",
        EPOCH,
        (PortBinding(80, "tcp", "127.0.0.1", 8080),),
    ),
    ContainerInfo(
        "c2" * 32, "demo-logger", "portside/busybox:latest", "sha256:d6", "running", "Up 2 hours", EPOCH
    ),
    ContainerInfo(
        "c3" * 32,
        "demo-crashed",
        "portside/busybox:latest",
        "sha256:d6",
        "exited",
        "Exited (3) 2 hours ago",
        EPOCH,
    ),
    ContainerInfo(
        "c4" * 32,
        "es01",
        "portside/busybox:latest",
        "sha256:d6",
        "running",
        "Up 1 hour",
        EPOCH,
        (PortBinding(9200, "tcp", "127.0.0.1", 9200),),
        COMPOSE,
    ),
    ContainerInfo(
        "c5" * 32, "paused-job", "portside/busybox:latest", "sha256:d6", "paused", "Up 5 minutes (Paused)", EPOCH
    ),
)
# Ages are shown relative to now: keep them a fixed distance from now so the snapshot stays the same.
IMAGES = (
    ImageInfo(
        "sha256:" + "d6" * 32, ("portside/busybox:latest",), 2_011_136, datetime.now(UTC) - timedelta(days=3)
    ),
)
PODS = (
    PodInfo("u1", "demo", "web-58f6bf78fc-77z6f", "Running", "Running", 1, 1, 0, "localhost", "172.17.0.6", None),
    PodInfo(
        "u2",
        "demo",
        "crashy-766d754d84-cltn7",
        "Running",
        "CrashLoopBackOff",
        0,
        1,
        7,
        "localhost",
        "172.17.0.10",
        None,
    ),
)

DATA = "/var/lib/docker/volumes/{}/_data"
VOLUMES = (
    VolumeInfo(
        "elastic_data01",
        "local",
        DATA.format("elastic_data01"),
        "local",
        EPOCH,
        (("com.docker.compose.project", "elastic"),),
        ("es01",),
    ),
    VolumeInfo(
        "elastic_data02",
        "local",
        DATA.format("elastic_data02"),
        "local",
        EPOCH,
        (("com.docker.compose.project", "elastic"),),
        ("es02",),
    ),
    VolumeInfo("shared-cache", "local", DATA.format("shared-cache"), "local", EPOCH, (), ("demo-web", "es01")),
    VolumeInfo("scratch", "local", DATA.format("scratch"), "local", EPOCH),
)
NETWORKS = (
    NetworkInfo("3f" * 32, "bridge", "bridge", "local", "172.17.0.0/16", EPOCH, containers=("demo-web",)),
    NetworkInfo("07" * 32, "host", "host", "local", "", EPOCH),
    NetworkInfo("26" * 32, "none", "null", "local", "", EPOCH),
    NetworkInfo(
        "54" * 32,
        "elastic_elastic",
        "bridge",
        "local",
        "172.18.0.0/16",
        EPOCH,
        False,
        (("com.docker.compose.project", "elastic"),),
        ("es01", "es02"),
    ),
)
ELASTIC_INSPECT = {
    "Name": "elastic_elastic",
    "Id": "54" * 32,
    "Driver": "bridge",
    "Scope": "local",
    "EnableIPv6": False,
    "Attachable": True,
    "IPAM": {"Config": [{"Subnet": "172.18.0.0/16", "Gateway": "172.18.0.1"}]},
    "Containers": {
        "c4" * 32: {"Name": "es01", "IPv4Address": "172.18.0.2/16", "IPv6Address": "", "MacAddress": "02:42:ac"},
        "c6" * 32: {"Name": "es02", "IPv4Address": "172.18.0.3/16", "IPv6Address": "", "MacAddress": "02:42:ad"},
    },
    "Labels": {"com.docker.compose.project": "elastic"},
}


class FixedFeed(LiveFeed[Any]):
    def __init__(self, items: tuple[Any, ...]) -> None:
        super().__init__()
        self.items = items

    def _run(self, backoff: Backoff) -> Iterator[Delta[Any]]:
        yield Snapshot(self.items)
        self._closed.wait()


class FixedDocker(DockerEngine):
    def __init__(self) -> None:
        super().__init__("unix:///run/docker.sock")

    def version(self) -> EngineVersion:
        return EngineVersion(self.endpoint, "20.10.24 (API 1.41)")

    def watch_containers(self) -> FixedFeed:  # type: ignore[override]
        return FixedFeed(CONTAINERS)

    def watch_images(self) -> FixedFeed:  # type: ignore[override]
        return FixedFeed(IMAGES)

    def container_counts(self) -> dict[str, int]:
        return {IMAGES[0].id: len(CONTAINERS)}

    def watch_volumes(self) -> FixedFeed:  # type: ignore[override]
        return FixedFeed(VOLUMES)

    def watch_networks(self) -> FixedFeed:  # type: ignore[override]
        return FixedFeed(NETWORKS)

    def inspect_network(self, network: str) -> dict[str, Any]:
        return ELASTIC_INSPECT


def _deployment(name: str, uid: str, desired: int, ready: int, updated: int) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "demo", "uid": uid, "generation": 2},
        "spec": {"replicas": desired, "selector": {"matchLabels": {"app": name}}},
        "status": {
            "observedGeneration": 2,
            "replicas": max(desired, ready),
            "readyReplicas": ready,
            "updatedReplicas": updated,
            "availableReplicas": ready,
        },
    }


NODE = {
    "metadata": {"name": "localhost", "uid": "n1", "labels": {"node-role.kubernetes.io/control-plane": ""}},
    "status": {
        "capacity": {"cpu": "2", "memory": "24564736Ki", "pods": "110"},
        "allocatable": {"cpu": "2", "memory": "24462336Ki", "pods": "110"},
        "conditions": [
            {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
            {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure"},
            {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready"},
        ],
        "nodeInfo": {"kubeletVersion": "v1.20.2"},
    },
}
RAW_POD = {
    "metadata": {"name": "web-58f6bf78fc-77z6f", "namespace": "demo", "uid": "u1", "labels": {"app": "web"}},
    "spec": {"nodeName": "localhost", "containers": [{"name": "web", "image": "portside/busybox:latest"}]},
    "status": {"phase": "Running", "podIP": "172.17.0.6", "conditions": [{"type": "Ready", "status": "True"}]},
}
LISTS: dict[str, list[dict[str, Any]]] = {
    "/apis/apps/v1/namespaces/demo/deployments": [
        _deployment("web", "d1", 3, 3, 3),
        _deployment("api", "d2", 5, 2, 4),  # scaling up: the counts that lag carry the cue
        _deployment("crashy", "d3", 1, 0, 1),
    ],
    "/api/v1/nodes": [NODE],
    "/api/v1/pods": [{"metadata": {"uid": p.uid}, "spec": {"nodeName": p.node}} for p in PODS],
    "/api/v1/namespaces/demo/events": [
        {"lastTimestamp": "2026-01-01T10:00:00Z", "type": "Normal", "reason": "Started", "message": "Started web"}
    ],
}
HEALTH = "[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]poststarthook/start-apiextensions-controllers ok\n"
COMPONENTS = [
    {"metadata": {"name": name}, "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}]}
    for name in ("controller-manager", "scheduler", "etcd-0")
]


class FixedResponse:
    """A streamed answer: text for /livez and /readyz; a watch that stays open, quiet, until closed."""

    def __init__(self, text: str = "") -> None:
        self.text = text.encode()
        self.closed = threading.Event()

    def read(self, *_: Any) -> bytes:
        return self.text

    def __iter__(self) -> Iterator[bytes]:
        self.closed.wait()
        return iter(())

    def shutdown(self) -> None:
        self.closed.set()

    def close(self) -> None:
        self.closed.set()

    def release_conn(self) -> None:
        self.closed.set()


class FixedKube(KubeCluster):
    """A cluster answering from the tables above: lists, quiet watches, access reviews, health."""

    def __init__(self) -> None:
        super().__init__(context="prod-eu", namespace="demo")

    def version(self) -> EngineVersion:
        return EngineVersion("prod-eu/demo", "v1.20.2")

    def watch_pods(self, namespace: str | None = None, selector: str = "") -> FixedFeed:  # type: ignore[override]
        return FixedFeed(PODS)

    def request(
        self, method: str, path: str, query: dict[str, Any] | None = None, body: Any = None, **kwargs: Any
    ) -> Any:
        if path.endswith("selfsubjectaccessreviews"):
            return {"status": {"allowed": True}}
        if path in ("/livez", "/readyz"):
            return FixedResponse(HEALTH)
        if kwargs.get("stream"):
            return FixedResponse()
        if path == "/version":
            return {"gitVersion": "v1.20.2", "platform": "linux/amd64"}
        if path == "/api/v1/componentstatuses":
            return {"items": COMPONENTS}
        if path == "/api/v1/namespaces/demo/pods/web-58f6bf78fc-77z6f":
            return RAW_POD
        return {"metadata": {"resourceVersion": "1"}, "items": LISTS.get(path, [])}
