"""Compose projects as frozen records: the services, networks and volumes portside brings up.

The loader (``compose_model.load_project``) builds them from checked files and holds resolved values only:
absolute bind paths, the environment with ``env_file`` folded in, the engine names of networks and volumes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from tui.adapters.compose_errors import ComposeProblem
from tui.adapters.compose_values import MountSpec, PortSpec

DEFAULT_NETWORK = "default"
# Not part of the hash: changing them must not recreate containers (compose leaves out the same kinds).
_UNHASHED = ("scale", "build", "pull_policy", "profiles", "depends_on", "config_hash")

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class BuildSpec:
    context: str  # absolute
    dockerfile: str = "Dockerfile"
    args: Pairs = ()
    target: str = ""
    labels: Pairs = ()
    network: str = ""
    pull: bool = False
    no_cache: bool = False
    cache_from: tuple[str, ...] = ()
    extra_hosts: Pairs = ()
    shm_size: int | None = None


@dataclass(frozen=True)
class Healthcheck:
    test: tuple[str, ...]  # ("CMD", ...), ("CMD-SHELL", "..."), or ("NONE",) when disabled
    interval: int = 0  # nanoseconds; 0 = the engine's default
    timeout: int = 0
    start_period: int = 0
    retries: int = 0


@dataclass(frozen=True)
class Ulimit:
    name: str
    soft: int
    hard: int


@dataclass(frozen=True)
class LoggingSpec:
    driver: str = ""
    options: Pairs = ()


@dataclass(frozen=True)
class ServiceNetwork:
    key: str  # a key of the project's networks
    aliases: tuple[str, ...] = ()
    ipv4_address: str = ""
    ipv6_address: str = ""
    priority: int = 0


@dataclass(frozen=True)
class Dependency:
    service: str
    condition: str = "service_started"  # service_healthy, service_completed_successfully
    required: bool = True


@dataclass(frozen=True)
class ComposeService:
    name: str
    image: str  # for a build-only service, the name the build is tagged with: <project>-<service>
    build: BuildSpec | None = None
    command: tuple[str, ...] | None = None  # None: the image's own
    entrypoint: tuple[str, ...] | None = None
    environment: Pairs = ()
    labels: Pairs = ()
    ports: tuple[PortSpec, ...] = ()
    expose: tuple[PortSpec, ...] = ()
    volumes: tuple[MountSpec, ...] = ()
    networks: tuple[ServiceNetwork, ...] = ()
    network_mode: str = ""
    depends_on: tuple[Dependency, ...] = ()
    container_name: str = ""
    hostname: str = ""
    domainname: str = ""
    working_dir: str = ""
    user: str = ""
    restart: str = "no"
    healthcheck: Healthcheck | None = None
    ulimits: tuple[Ulimit, ...] = ()
    stdin_open: bool = False
    tty: bool = False
    stop_signal: str = ""
    stop_grace_period: int | None = None  # nanoseconds
    scale: int = 1
    logging: LoggingSpec | None = None
    profiles: tuple[str, ...] = ()
    pull_policy: str = "missing"
    platform: str = ""
    host_options: tuple[tuple[str, Any], ...] = ()  # the pass-through keys (privileged, cap_add, ...), frozen
    config_hash: str = ""

    def option(self, key: str, default: Any = None) -> Any:
        return dict(self.host_options).get(key, default)

    @property
    def dependencies(self) -> tuple[str, ...]:
        """Services that must be up first: depends_on, and the one a ``service:`` network mode names."""
        names = [d.service for d in self.depends_on]
        if self.network_mode.startswith("service:"):
            names.append(self.network_mode.removeprefix("service:"))
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class IpamConfig:
    subnet: str = ""
    ip_range: str = ""
    gateway: str = ""


@dataclass(frozen=True)
class ComposeNetwork:
    key: str
    name: str  # on the engine: <project>_<key> unless named or external
    external: bool = False
    driver: str = ""
    driver_opts: Pairs = ()
    internal: bool = False
    attachable: bool = False
    enable_ipv6: bool = False
    labels: Pairs = ()
    ipam_driver: str = ""
    ipam_config: tuple[IpamConfig, ...] = ()
    ipam_options: Pairs = ()


@dataclass(frozen=True)
class ComposeVolume:
    key: str
    name: str  # on the engine: <project>_<key> unless named or external
    external: bool = False
    driver: str = ""
    driver_opts: Pairs = ()
    labels: Pairs = ()


@dataclass(frozen=True)
class ComposeProject:
    name: str
    working_dir: str
    config_files: tuple[str, ...]
    services: tuple[ComposeService, ...]
    networks: tuple[ComposeNetwork, ...] = ()
    volumes: tuple[ComposeVolume, ...] = ()
    warnings: tuple[ComposeProblem, ...] = field(default=(), compare=False)

    @property
    def key(self) -> str:
        return self.name

    def service(self, name: str) -> ComposeService:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    def network(self, key: str) -> ComposeNetwork:
        return next(n for n in self.networks if n.key == key)

    def volume(self, key: str) -> ComposeVolume:
        return next(v for v in self.volumes if v.key == key)

    def start_order(self, names: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """Service names, each after everything it depends on; ``names`` pulls in their dependencies too."""
        wanted = list(names) if names is not None else [s.name for s in self.services]
        order: list[str] = []
        visiting: set[str] = set()

        def visit(name: str) -> None:
            if name in order or name in visiting:  # a cycle cannot pass the loader; guard anyway
                return
            visiting.add(name)
            for dependency in self.service(name).dependencies:
                visit(dependency)
            visiting.discard(name)
            order.append(name)

        for name in wanted:
            visit(name)
        return tuple(order)

    def stop_order(self, names: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """Dependents before what they depend on (the reverse of the start order)."""
        return tuple(reversed(self.start_order(names)))

    def dependents(self, name: str) -> tuple[str, ...]:
        """Services that depend on ``name``, directly or not."""
        found: list[str] = []
        frontier = [name]
        while frontier:
            current = frontier.pop()
            for service in self.services:
                if current in service.dependencies and service.name not in found:
                    found.append(service.name)
                    frontier.append(service.name)
        return tuple(found)


def service_hash(service: ComposeService, networks: dict[str, str], volumes: dict[str, str]) -> str:
    """The config hash: what the service would run with, including the engine names of its networks and
    volumes, and nothing that only decides how many or in which order (scale, depends_on, build)."""
    data = {k: v for k, v in asdict(service).items() if k not in _UNHASHED}
    data["network_names"] = sorted(networks[n.key] for n in service.networks)
    data["volume_names"] = sorted(volumes[m.source] for m in service.volumes if m.type == "volume" and m.source)
    encoded = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def find_cycle(graph: dict[str, tuple[str, ...]]) -> list[str] | None:
    """A dependency cycle as ``[a, b, a]``, or None; only names that are keys of ``graph`` are followed."""
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for nxt in graph.get(name, ()):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[name] = 2
        return None

    for name in graph:
        if name not in state and (cycle := visit(name)):
            return cycle
    return None
