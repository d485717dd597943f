"""Compose engine over the Docker SDK: up, down, start, stop, restart, scale and drift of a compose project.

What it creates carries the labels and names `docker compose` uses (``<project>-<service>-<n>``,
``<project>_<network>``, ``<project>_<volume>``), so either tool sees the other's stacks; containers are
found by label, so docker-compose 1.x stacks (``<project>_<service>_<n>``) are found too.

Every method blocks: call it from a thread worker. ``progress`` receives one ComposeEvent per step (from the
calling thread, or a pool thread during parallel stops); ``cancel`` (a threading.Event) is checked between
steps, and closes a running build or pull. Errors are our BackendError types.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

import docker
import docker.errors

from tui.adapters.compose_container import (
    CONFIG_HASH,
    NETWORK,
    NUMBER,
    ONEOFF,
    PROJECT,
    SERVICE,
    VOLUME,
    container_plan,
    number_from_name,
    project_labels,
)
from tui.adapters.compose_images import ImagesStepMixin
from tui.adapters.compose_lifecycle import LifecycleMixin
from tui.adapters.compose_records import ComposeProject, ComposeService
from tui.adapters.compose_status import (
    ComposeEvent,
    ComposeResult,
    Operation,
    Progress,
    ProjectStatus,
    ServiceState,
)
from tui.adapters.docker_engine import DockerEngine, container_from_api
from tui.adapters.docker_errors import translated_errors
from tui.adapters.errors import BackendError, Conflict, InvalidInput, NotFound, Unavailable
from tui.adapters.models import ContainerInfo
from tui.adapters.sanitize import clean_line

DEPENDENCY_TIMEOUT = 120.0  # seconds a dependency may take to become healthy / to complete

__all__ = ["ComposeEngine", "ComposeEvent", "ComposeResult", "Progress", "ProjectStatus", "ServiceState"]


class ComposeEngine(ImagesStepMixin, LifecycleMixin):
    """Compose operations on one DockerEngine (images from ImagesStepMixin; start, stop, restart and down
    from LifecycleMixin)."""

    def __init__(self, engine: DockerEngine) -> None:
        self.engine = engine

    def api(self) -> docker.APIClient:
        return self.engine.api()

    # ---- discovery

    def containers(self, project: str, services: Iterable[str] | None = None) -> list[ContainerInfo]:
        """The project's service containers (one-off `run` containers left out), by service then number."""
        with translated_errors(f"list containers of {project}"):
            raw = self.api().containers(all=True, filters={"label": f"{PROJECT}={project}"})
        wanted = set(services) if services is not None else None
        found = [container_from_api(c) for c in raw]
        found = [c for c in found if c.label(ONEOFF) != "True" and (wanted is None or c.compose_service in wanted)]
        return sorted(found, key=lambda c: (c.compose_service or "", self.number(c, project)))

    @staticmethod
    def number(container: ContainerInfo, project: str) -> int:
        label = container.label(NUMBER) or ""
        if label.isdigit():
            return int(label)
        return number_from_name(container.name, project, container.compose_service or "") or 0

    # ---- up

    def up(
        self,
        project: ComposeProject,
        *,
        services: Sequence[str] | None = None,
        build: bool = False,
        force_recreate: bool = False,
        remove_orphans: bool = False,
        scale: dict[str, int] | None = None,
        timeout: int | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> ComposeResult:
        """Bring the project (or ``services`` and what they depend on) to what the file says.

        Images are built or pulled and external networks, volumes and fixed container names checked before
        anything is created. Then networks, volumes, and each service in dependency order: containers whose
        config hash or image changed are recreated, missing ones created, stopped ones started, extra ones
        (beyond the scale) removed; the others are left running untouched. ``timeout`` is the stop timeout
        for the containers replaced or removed (None: each container's own).
        """
        run = Operation(progress, cancel, timeout)
        for warning in project.warnings:
            run.emit("project", project.name, "warning", str(warning))
        order = project.start_order(tuple(services) if services is not None else None)
        image_ids = self._prepare_images(project, order, build, run)
        if run.cancelled:
            return run.result
        self._preflight(project, order)
        self._networks(project, run)
        self._volumes(project, run)
        for name in order:
            if run.cancelled:
                return run.result
            service = project.service(name)
            self._wait_for_dependencies(project, service, run)
            replicas = (scale or {}).get(name, service.scale)
            self._converge(project, service, replicas, image_ids[name], force_recreate, run)
        known = {s.name for s in project.services}
        for container in self.containers(project.name):
            if container.compose_service not in known:
                if remove_orphans:
                    self._remove(container, run, "orphan")
                else:
                    run.emit("container", container.name, "warning", "orphan: its service is not in the file")
        return run.result

    def scale(
        self,
        project: ComposeProject,
        service: str,
        replicas: int,
        *,
        timeout: int | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> ComposeResult:
        """Run ``replicas`` containers of one service (numbers 1..replicas); 0 removes them all."""
        target = project.service(service)
        if replicas < 0:
            raise InvalidInput(f"scale {service}: the number of containers cannot be negative")
        if replicas > 1 and target.container_name:
            raise InvalidInput(f"scale {service}: container_name {target.container_name!r} allows one container")
        run = Operation(progress, cancel, timeout)
        image_ids = self._prepare_images(project, (service,), False, run)
        self._preflight(project, (service,))
        self._networks(project, run)
        self._volumes(project, run)
        self._converge(project, target, replicas, image_ids[service], False, run)
        return run.result

    def _preflight(self, project: ComposeProject, order: Sequence[str]) -> None:
        """Refuse before creating anything: missing external resources, names held by other containers."""
        for network in project.networks:
            if network.external and self._network(network.name) is None:
                raise NotFound(f"external network {network.name} does not exist (create it first)")
            found = self._network(network.name)
            owner = (found or {}).get("Labels", {}) or {}
            if found and owner.get(PROJECT) not in (None, project.name):
                raise Conflict(f"network {network.name} belongs to compose project {clean_line(owner[PROJECT])}")
        for volume in project.volumes:
            if volume.external and self._volume(volume.name) is None:
                raise NotFound(f"external volume {volume.name} does not exist (create it first)")
        for name in order:
            fixed = project.service(name).container_name
            if fixed:
                holder = self._container_labels(fixed)
                if holder is not None and (holder.get(PROJECT), holder.get(SERVICE)) != (project.name, name):
                    raise Conflict(f"service {name}: the container name {fixed!r} is used by another container")

    def _container_labels(self, name: str) -> dict[str, str] | None:
        with translated_errors(f"container {name}"):
            try:
                return dict(self.api().inspect_container(name)["Config"].get("Labels") or {})
            except docker.errors.NotFound:
                return None

    def _network(self, name: str) -> dict[str, Any] | None:
        with translated_errors(f"network {name}"):
            found = self.api().networks(names=[name])
        return next((n for n in found if n.get("Name") == name), None)  # the filter matches substrings

    def _volume(self, name: str) -> dict[str, Any] | None:
        with translated_errors(f"volume {name}"):
            try:
                return dict(self.api().inspect_volume(name))
            except docker.errors.NotFound:
                return None

    def _networks(self, project: ComposeProject, run: Operation) -> None:
        for network in project.networks:
            if network.external:
                continue
            found = self._network(network.name)
            if found is not None:
                if PROJECT not in (found.get("Labels") or {}):
                    run.emit("network", network.name, "warning", "exists, not made by compose: using it as it is")
                continue
            ipam = None
            if network.ipam_driver or network.ipam_config:
                ipam = docker.types.IPAMConfig(
                    driver=network.ipam_driver or "default",
                    pool_configs=[
                        docker.types.IPAMPool(
                            subnet=c.subnet or None, iprange=c.ip_range or None, gateway=c.gateway or None
                        )
                        for c in network.ipam_config
                    ],
                    options=dict(network.ipam_options) or None,
                )
            labels = {**dict(network.labels), **project_labels(project), NETWORK: network.key}
            with translated_errors(f"create network {network.name}"):
                self.api().create_network(
                    network.name,
                    driver=network.driver or None,
                    options=dict(network.driver_opts) or None,
                    ipam=ipam,
                    internal=network.internal,
                    labels=labels,
                    enable_ipv6=network.enable_ipv6,
                    attachable=network.attachable or None,
                    check_duplicate=True,
                )
            run.emit("network", network.name, "created")

    def _volumes(self, project: ComposeProject, run: Operation) -> None:
        for volume in project.volumes:
            if volume.external:
                continue
            found = self._volume(volume.name)
            if found is not None:
                if PROJECT not in (found.get("Labels") or {}):
                    run.emit("volume", volume.name, "warning", "exists, not made by compose: using it as it is")
                continue
            labels = {**dict(volume.labels), **project_labels(project), VOLUME: volume.key}
            with translated_errors(f"create volume {volume.name}"):
                self.api().create_volume(
                    volume.name,
                    driver=volume.driver or None,
                    driver_opts=dict(volume.driver_opts) or None,
                    labels=labels,
                )
            run.emit("volume", volume.name, "created")

    def _converge(
        self,
        project: ComposeProject,
        service: ComposeService,
        replicas: int,
        image_id: str,
        force: bool,
        run: Operation,
    ) -> None:
        existing: dict[int, ContainerInfo] = {}
        for container in self.containers(project.name, (service.name,)):
            number = self.number(container, project.name)
            if number < 1 or number > replicas or number in existing:
                self._remove(container, run, "scaled down")
            else:
                existing[number] = container
        for number in range(1, replicas + 1):
            if run.cancelled:
                return
            current = existing.get(number)
            if current is None:
                self._create(project, service, number, image_id, run, "created")
            elif force or current.label(CONFIG_HASH) != service.config_hash or current.image_id != image_id:
                reason = (
                    "forced"
                    if force
                    else "config changed"
                    if current.label(CONFIG_HASH) != service.config_hash
                    else "image changed"
                )
                self._remove(current, run, None)
                self._create(project, service, number, image_id, run, "recreated", reason)
            elif current.state != "running":
                with translated_errors(f"start {current.name}"):
                    self.api().start(current.id)
                run.emit("container", current.name, "started")
            else:
                run.emit("container", current.name, "running", "unchanged")

    def _create(
        self,
        project: ComposeProject,
        service: ComposeService,
        number: int,
        image_id: str,
        run: Operation,
        action: str,
        detail: str = "",
    ) -> None:
        mode = ""
        if service.network_mode.startswith("service:"):
            target = service.network_mode.removeprefix("service:")
            running = [c for c in self.containers(project.name, (target,)) if c.state == "running"]
            if not running:
                raise Conflict(
                    f"service {service.name}: network_mode service:{target} but {target} is not running"
                )
            mode = f"container:{running[0].id}"
        plan = container_plan(project, service, number, image_id, mode)
        api = self.api()
        with translated_errors(f"create {plan.name}"):
            host_config = api.create_host_config(**plan.host)
            container_id = str(api.create_container(host_config=host_config, **plan.create)["Id"])
        try:
            for network, endpoint in plan.extra_networks:
                with translated_errors(f"connect {plan.name} to {network}"):
                    api.connect_container_to_network(container_id, network, **endpoint)
            with translated_errors(f"start {plan.name}"):
                api.start(container_id)
        except BackendError:
            # A container that cannot start would block the name: leave nothing half-made.
            with contextlib.suppress(Exception):
                api.remove_container(container_id, force=True)
            raise
        run.emit("container", plan.name, action, detail)

    def _remove(self, container: ContainerInfo, run: Operation, detail: str | None, volumes: bool = False) -> None:
        with translated_errors(f"remove {container.name}"), contextlib.suppress(docker.errors.NotFound):
            if container.state in ("running", "restarting", "paused"):
                self.api().stop(container.id, timeout=run.timeout)
            self.api().remove_container(container.id, force=True, v=volumes)
        if detail is not None:
            run.emit("container", container.name, "removed", detail)

    def _wait_for_dependencies(self, project: ComposeProject, service: ComposeService, run: Operation) -> None:
        for dependency in service.depends_on:
            if dependency.condition == "service_started":
                continue
            run.emit("service", service.name, "waiting", f"{dependency.service}: {dependency.condition}")
            deadline = time.monotonic() + DEPENDENCY_TIMEOUT
            while not self._condition_met(project.name, dependency.service, dependency.condition):
                if run.cancelled:
                    return
                if time.monotonic() > deadline:
                    raise Unavailable(
                        f"service {service.name}: {dependency.service} did not reach {dependency.condition} "
                        f"within {DEPENDENCY_TIMEOUT:.0f}s"
                    )
                if run.cancel is not None:
                    run.cancel.wait(0.5)
                else:
                    time.sleep(0.5)

    def _condition_met(self, project: str, service: str, condition: str) -> bool:
        containers = self.containers(project, (service,))
        if not containers:
            return False
        for container in containers:
            with translated_errors(f"inspect {container.name}"):
                state = self.api().inspect_container(container.id)["State"]
            if condition == "service_healthy":
                health = (state.get("Health") or {}).get("Status")
                if health == "unhealthy":
                    raise Conflict(f"{container.name} is unhealthy")
                if health != "healthy":
                    return False
            elif state.get("Running") or state.get("Status") != "exited":
                return False
            elif state.get("ExitCode") != 0:
                raise Conflict(f"{container.name} exited with code {state.get('ExitCode')}")
        return True

    # ---- drift

    def status(self, project: ComposeProject) -> ProjectStatus:
        """How the engine differs from the file: per service, wanted vs running, outdated containers, orphans."""
        containers = self.containers(project.name)
        states = []
        for service in project.services:
            mine = tuple(c for c in containers if c.compose_service == service.name)
            image_id = self._image_id(service.image)
            outdated = tuple(
                c.name
                for c in mine
                if c.label(CONFIG_HASH) != service.config_hash or (image_id and c.image_id != image_id)
            )
            states.append(
                ServiceState(service.name, service.scale, sum(c.state == "running" for c in mine), mine, outdated)
            )
        known = {s.name for s in project.services}
        return ProjectStatus(
            project=project.name,
            services=tuple(states),
            orphans=tuple(c for c in containers if c.compose_service not in known),
            missing_networks=tuple(n.name for n in project.networks if self._network(n.name) is None),
            missing_volumes=tuple(v.name for v in project.volumes if self._volume(v.name) is None),
        )
