"""Compose engine, the verbs on existing containers: start, stop, restart, down.

They take the model or only a project name: a stack found on the engine by its labels (perhaps made by
`docker compose` or docker-compose 1.x, from a file portside never saw) can be stopped or taken down too.
With the model, dependency order is respected (each level in parallel); without it all go at once.
A ``timeout`` of None lets each container's own stop timeout (``stop_grace_period``) apply.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import docker
import docker.errors

from tui.adapters.compose_container import PROJECT
from tui.adapters.compose_records import ComposeProject
from tui.adapters.compose_status import ComposeResult, Operation, Progress
from tui.adapters.docker_errors import translated_errors
from tui.adapters.models import ContainerInfo

PARALLEL = 8
ACTIVE = ("running", "restarting", "paused")


class LifecycleMixin:
    """Mixed into ComposeEngine."""

    def api(self) -> docker.APIClient:
        raise NotImplementedError

    def containers(self, project: str, services: Iterable[str] | None = None) -> list[ContainerInfo]:
        raise NotImplementedError

    def start(
        self,
        project: ComposeProject | str,
        *,
        services: Sequence[str] | None = None,
        progress: Progress | None = None,
    ) -> ComposeResult:
        """Start the existing containers, dependencies first (nothing is created: that is ``up``)."""
        run = Operation(progress, None)
        for level in self._levels(project, services):
            self._parallel([c for c in level if c.state != "running"], lambda c: self._start(c, run))
        return run.result

    def stop(
        self,
        project: ComposeProject | str,
        *,
        services: Sequence[str] | None = None,
        timeout: int | None = None,
        progress: Progress | None = None,
    ) -> ComposeResult:
        """Stop the running containers, dependents first."""
        run = Operation(progress, None)
        for level in reversed(self._levels(project, services)):
            self._parallel([c for c in level if c.state in ACTIVE], lambda c: self._stop(c, timeout, run))
        return run.result

    def restart(
        self,
        project: ComposeProject | str,
        *,
        services: Sequence[str] | None = None,
        timeout: int | None = None,
        progress: Progress | None = None,
    ) -> ComposeResult:
        """Stop then start every existing container (stopped ones are started), dependencies first."""
        run = Operation(progress, None)
        levels = self._levels(project, services)
        for level in reversed(levels):
            self._parallel([c for c in level if c.state in ACTIVE], lambda c: self._stop(c, timeout, None))
        for level in levels:
            self._parallel(level, lambda c: self._start(c, run, "restarted"))
        return run.result

    def down(
        self,
        project: ComposeProject | str,
        *,
        volumes: bool = False,
        timeout: int | None = None,
        progress: Progress | None = None,
    ) -> ComposeResult:
        """Remove the project's containers (one-off ones too) and networks; its volumes only when asked.

        Everything is found by the project label, so what `docker compose` or docker-compose 1.x made goes too;
        the model only orders the stops. External networks and volumes carry no label: they are never touched.
        """
        name = project if isinstance(project, str) else project.name
        run = Operation(progress, None)
        for level in reversed(self._levels(project, None)):
            self._parallel(level, lambda c: self._stop_and_remove(c, timeout, volumes, run))
        with translated_errors(f"list containers of {name}"):
            leftovers = self.api().containers(all=True, filters={"label": f"{PROJECT}={name}"})
        for raw in leftovers:  # one-off `run` containers, or ones created meanwhile
            with translated_errors(f"remove {raw['Id'][:12]}"), contextlib.suppress(docker.errors.NotFound):
                self.api().remove_container(raw["Id"], force=True, v=volumes)
        for network in self._owned(name, "network"):
            with translated_errors(f"remove network {network}"), contextlib.suppress(docker.errors.NotFound):
                self.api().remove_network(network)
            run.emit("network", network, "removed")
        if volumes:
            for volume in self._owned(name, "volume"):
                with translated_errors(f"remove volume {volume}"), contextlib.suppress(docker.errors.NotFound):
                    self.api().remove_volume(volume)
                run.emit("volume", volume, "removed")
        return run.result

    def _owned(self, name: str, kind: str) -> list[str]:
        """Networks or volumes labelled with the project: what compose (either version) or portside made for it.
        One of the same name made by hand is never removed."""
        with translated_errors(f"list {kind}s of {name}"):
            if kind == "network":
                return sorted(str(n["Name"]) for n in self.api().networks(filters={"label": f"{PROJECT}={name}"}))
            raw = self.api().volumes(filters={"label": f"{PROJECT}={name}"}).get("Volumes") or []
            return sorted(str(v["Name"]) for v in raw)

    def _levels(self, project: ComposeProject | str, services: Sequence[str] | None) -> list[list[ContainerInfo]]:
        """The containers in groups, each group depending only on earlier ones (one group without a model)."""
        name = project if isinstance(project, str) else project.name
        containers = self.containers(name, services)
        if isinstance(project, str):
            return [containers] if containers else []
        known = {s.name for s in project.services}
        depth: dict[str, int] = {}
        for service in project.start_order():
            deps = [depth.get(d, 0) for d in project.service(service).dependencies if d in known]
            depth[service] = 1 + max(deps, default=-1)
        levels: dict[int, list[ContainerInfo]] = {}
        for container in containers:
            levels.setdefault(depth.get(container.compose_service or "", 0), []).append(container)
        return [levels[k] for k in sorted(levels)]

    @staticmethod
    def _parallel(containers: list[ContainerInfo], action: Callable[[ContainerInfo], None]) -> None:
        if len(containers) <= 1:
            for container in containers:
                action(container)
            return
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(containers))) as pool:
            for future in [pool.submit(action, c) for c in containers]:
                future.result()  # the first failure is raised once all have finished

    def _start(self, container: ContainerInfo, run: Operation, action: str = "started") -> None:
        with translated_errors(f"start {container.name}"):
            self.api().start(container.id)
        run.emit("container", container.name, action)

    def _stop(self, container: ContainerInfo, timeout: int | None, run: Operation | None) -> None:
        with translated_errors(f"stop {container.name}"), contextlib.suppress(docker.errors.NotFound):
            self.api().stop(container.id, timeout=timeout)
        if run is not None:
            run.emit("container", container.name, "stopped")

    def _stop_and_remove(
        self, container: ContainerInfo, timeout: int | None, volumes: bool, run: Operation
    ) -> None:
        if container.state in ACTIVE:
            self._stop(container, timeout, run)
        with translated_errors(f"remove {container.name}"), contextlib.suppress(docker.errors.NotFound):
            self.api().remove_container(container.id, force=True, v=volumes)
        run.emit("container", container.name, "removed")
