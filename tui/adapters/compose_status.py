"""Records the compose engine returns: progress events, operation results, and drift against the file."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from tui.adapters.models import ContainerInfo
from tui.adapters.sanitize import clean_line


@dataclass(frozen=True)
class ComposeEvent:
    """One step: ``kind`` network|volume|container|image|service|project, ``action`` what happened to ``name``
    (created, recreated, started, running, stopped, restarted, removed, waiting, building, pulling, warning...)."""

    kind: str
    name: str
    action: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.name}: {self.action}" + (f" ({self.detail})" if self.detail else "")


Progress = Callable[[ComposeEvent], None]


@dataclass
class ComposeResult:
    """Everything an operation did, in order; ``cancelled`` when it stopped early on request."""

    events: list[ComposeEvent] = field(default_factory=list)
    cancelled: bool = False

    def names(self, action: str, kind: str = "container") -> list[str]:
        return [e.name for e in self.events if e.action == action and e.kind == kind]


class Operation:
    """One operation's progress reporting (thread-safe: parallel stops report from pool threads) and
    cancellation (a threading.Event set by the UI, checked between steps)."""

    def __init__(
        self, progress: Progress | None, cancel: threading.Event | None, timeout: int | None = None
    ) -> None:
        self.result = ComposeResult()
        self.progress = progress
        self.cancel = cancel
        self.timeout = timeout  # stop timeout for containers the operation replaces or removes
        self._lock = threading.Lock()

    def emit(self, kind: str, name: str, action: str, detail: str = "") -> None:
        event = ComposeEvent(kind, clean_line(name), action, clean_line(detail))
        with self._lock:
            self.result.events.append(event)
            if self.progress is not None:
                self.progress(event)

    @property
    def cancelled(self) -> bool:
        if self.cancel is not None and self.cancel.is_set():
            self.result.cancelled = True
        return self.result.cancelled


@dataclass(frozen=True)
class ServiceState:
    """One service on the engine compared with the file."""

    service: str
    wanted: int  # the scale in the file
    running: int
    containers: tuple[ContainerInfo, ...] = ()
    outdated: tuple[str, ...] = ()  # containers made from another config or image: `up` would recreate them

    @property
    def state(self) -> str:
        if not self.containers:
            return "missing" if self.wanted else "running"
        if self.outdated:
            return "outdated"
        if self.running == self.wanted == len(self.containers):
            return "running"
        return "stopped" if self.running == 0 else "partial"


@dataclass(frozen=True)
class ProjectStatus:
    project: str
    services: tuple[ServiceState, ...]
    orphans: tuple[ContainerInfo, ...] = ()  # containers of the project whose service the file no longer has
    missing_networks: tuple[str, ...] = ()
    missing_volumes: tuple[str, ...] = ()

    @property
    def in_sync(self) -> bool:
        return not self.drift

    @property
    def drift(self) -> tuple[str, ...]:
        """Each difference as a sentence; empty when the engine runs exactly what the file says."""
        found = []
        for s in self.services:
            if s.outdated:
                found.append(f"{s.service}: {', '.join(s.outdated)} made from an older configuration")
            if len(s.containers) != s.wanted:
                found.append(f"{s.service}: {len(s.containers)} containers, the file wants {s.wanted}")
            elif s.running != s.wanted:
                found.append(f"{s.service}: {s.running} of {s.wanted} running")
        found += [f"{c.compose_service}: orphan container {c.name}" for c in self.orphans]
        found += [f"network {n} is missing" for n in self.missing_networks]
        found += [f"volume {v} is missing" for v in self.missing_volumes]
        return tuple(found)
