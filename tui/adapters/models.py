"""Frozen records the adapters return. Every string in them has passed through ``sanitize``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Generic, TypeVar

from tui.adapters.errors import BackendError


@dataclass(frozen=True)
class PortBinding:
    container_port: int
    protocol: str
    host_ip: str = ""
    host_port: int | None = None

    def __str__(self) -> str:
        inner = f"{self.container_port}/{self.protocol}"
        if self.host_port is None:
            return inner
        if not self.host_ip or self.host_ip in ("0.0.0.0", "::"):
            host = ""
        else:
            host = f"[{self.host_ip}]:" if ":" in self.host_ip else f"{self.host_ip}:"
        return f"{host}{self.host_port}->{inner}"


@dataclass(frozen=True)
class ContainerInfo:
    id: str
    name: str
    image: str
    image_id: str
    state: str  # created, running, paused, restarting, removing, exited, dead
    status: str  # the engine's human text: "Up 3 minutes (healthy)", "Exited (1) 2 hours ago"
    created: datetime
    ports: tuple[PortBinding, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    command: str = ""

    @property
    def key(self) -> str:
        return self.id

    def label(self, name: str) -> str | None:
        return self._label_map.get(name)

    @cached_property
    def _label_map(self) -> dict[str, str]:
        # Built once per record: views ask for labels of every record on every change (summary, columns).
        # cached_property writes the instance __dict__ directly, so it works on a frozen dataclass and stays
        # out of fields(), eq and hash.
        return dict(self.labels)

    @property
    def kubernetes_pod(self) -> str | None:
        """The pod this container belongs to when the kubelet (dockershim) created it."""
        return self.label("io.kubernetes.pod.name")

    @property
    def compose_project(self) -> str | None:
        return self.label("com.docker.compose.project")

    @property
    def compose_service(self) -> str | None:
        return self.label("com.docker.compose.service")


@dataclass(frozen=True)
class ImageInfo:
    id: str
    tags: tuple[str, ...]
    size: int
    created: datetime

    @property
    def key(self) -> str:
        return self.id

    @property
    def name(self) -> str:
        return self.tags[0] if self.tags else "<none>:<none>"


@dataclass(frozen=True)
class ContainerState:
    name: str
    ready: bool
    restarts: int
    state: str  # running, waiting, terminated
    reason: str = ""


@dataclass(frozen=True)
class PodInfo:
    uid: str
    namespace: str
    name: str
    phase: str
    status: str  # what kubectl shows: Running, Pending, CrashLoopBackOff, OOMKilled, Terminating, ...
    ready: int
    total: int
    restarts: int
    node: str
    ip: str
    created: datetime | None
    containers: tuple[ContainerState, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    owner: str = ""  # "ReplicaSet/web-5d9c" when owned

    @property
    def key(self) -> str:
        return self.uid


@dataclass(frozen=True)
class KubeContext:
    name: str
    cluster: str
    user: str
    namespace: str
    server: str


@dataclass(frozen=True)
class ExecResult:
    """A command run to completion in a container (Docker) or a pod's container."""

    exit_code: int | None
    output: str


@dataclass(frozen=True)
class EngineVersion:
    """What the header shows for a backend: endpoint and server version."""

    endpoint: str
    version: str


Item = TypeVar("Item", ContainerInfo, ImageInfo, PodInfo)


# A live feed yields these deltas. A Snapshot replaces the whole set (first list, and after every reconnect
# or 410 relist) so that the table equals the truth after any fault; Upserted/Deleted are single-key changes.


@dataclass(frozen=True)
class Snapshot(Generic[Item]):
    """A whole list, or one page of a list still arriving (``LiveFeed.paged()`` only).

    ``page`` 0 begins a list (a relist after a fault too); ``complete`` marks its last page, and only then does
    the list replace what the consumer had: keys in none of its pages are gone. Iterating a feed plainly yields
    whole lists only (page 0, complete).
    """

    items: tuple[Item, ...]
    complete: bool = True
    page: int = 0

    @property
    def whole(self) -> bool:
        """The complete list in one delta: replace everything with it."""
        return self.complete and self.page == 0


@dataclass(frozen=True)
class Upserted(Generic[Item]):
    item: Item


@dataclass(frozen=True)
class Deleted:
    key: str


@dataclass(frozen=True)
class Disconnected:
    error: BackendError
    retry_in: float


Delta = Snapshot[Item] | Upserted[Item] | Deleted | Disconnected


@dataclass
class Backoff:
    """1 s doubling to 30 s (RELIABILITY.md rule 1); reset after a success."""

    initial: float = 1.0
    ceiling: float = 30.0
    _next: float = field(default=0.0, init=False)

    def next_delay(self) -> float:
        self._next = self.initial if self._next == 0 else min(self._next * 2, self.ceiling)
        return self._next

    def reset(self) -> None:
        self._next = 0.0
