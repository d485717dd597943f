"""What `docker compose` would create for one container of a service: name, labels and create arguments.

Pure functions over the model, so the naming and labelling rules are unit-tested without an engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import docker.types

from tui.adapters.compose_records import ComposeProject, ComposeService

# The labels docker compose puts on what it creates; discovery (tui.adapters.compose) reads the same ones.
PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"
NUMBER = "com.docker.compose.container-number"
ONEOFF = "com.docker.compose.oneoff"
CONFIG_HASH = "com.docker.compose.config-hash"
WORKING_DIR = "com.docker.compose.project.working_dir"
CONFIG_FILES = "com.docker.compose.project.config_files"
VERSION = "com.docker.compose.version"
IMAGE = "com.docker.compose.image"
DEPENDS_ON = "com.docker.compose.depends_on"
NETWORK = "com.docker.compose.network"
VOLUME = "com.docker.compose.volume"
# The compose release whose conventions we follow ("-" in container names). It must be a version number:
# docker-compose 1.x compares it with 1.21.0 to detect its legacy project names.
COMPOSE_VERSION = "2.20.2"

_RENAMED = {"pid": "pid_mode", "ipc": "ipc_mode", "uts": "uts_mode", "cpuset": "cpuset_cpus"}
_AS_DICT = ("sysctls", "storage_opt", "extra_hosts")


def container_name(project: str, service: ComposeService, number: int) -> str:
    """``<project>-<service>-<n>`` as docker compose v2 names it, unless the file fixes ``container_name``."""
    return service.container_name or f"{project}-{service.name}-{number}"


def number_from_name(name: str, project: str, service: str) -> int | None:
    """The replica number in a v2 (``p-s-1``) or v1 (``p_s_1``) name, for containers without the label."""
    match = re.fullmatch(rf"{re.escape(project)}[-_]{re.escape(service)}[-_](\d+)", name)
    return int(match.group(1)) if match else None


def project_labels(project: ComposeProject) -> dict[str, str]:
    return {PROJECT: project.name, VERSION: COMPOSE_VERSION}


def container_labels(
    project: ComposeProject, service: ComposeService, number: int, image_id: str
) -> dict[str, str]:
    labels = dict(service.labels)
    labels.update(
        {
            **project_labels(project),
            SERVICE: service.name,
            NUMBER: str(number),
            ONEOFF: "False",
            CONFIG_HASH: service.config_hash,
            WORKING_DIR: project.working_dir,
            CONFIG_FILES: ",".join(project.config_files),
            IMAGE: image_id,
        }
    )
    if service.depends_on:
        labels[DEPENDS_ON] = ",".join(f"{d.service}:{d.condition}:false" for d in service.depends_on)
    return labels


@dataclass(frozen=True)
class ContainerPlan:
    """create_container's keyword arguments (host_config as create_host_config's), and the networks to
    connect after the create, with connect_container_to_network's keyword arguments."""

    name: str
    create: dict[str, Any]
    host: dict[str, Any]
    extra_networks: tuple[tuple[str, dict[str, Any]], ...]


def container_plan(
    project: ComposeProject, service: ComposeService, number: int, image_id: str, network_mode: str = ""
) -> ContainerPlan:
    """``network_mode`` is the engine's form of a ``service:x`` mode (``container:<id>``), resolved by the caller."""
    volume_names = {v.key: v.name for v in project.volumes}
    binds, anonymous, tmpfs = [], [], {}
    for mount in service.volumes:
        if mount.type == "tmpfs":
            tmpfs[mount.target] = ""
        elif mount.type == "volume" and not mount.source:
            anonymous.append(mount.target)
        else:
            source = volume_names[mount.source] if mount.type == "volume" else mount.source
            mode = ",".join(("ro" if mount.read_only else "rw", *mount.options))
            binds.append(f"{source}:{mount.target}:{mode}")
    bindings: dict[str, list[tuple[str, int | None]]] = {}
    for port in service.ports:
        bindings.setdefault(f"{port.target}/{port.protocol}", []).append((port.host_ip, port.published))
    exposed = list(dict.fromkeys((p.target, p.protocol) for p in (*service.ports, *service.expose)))
    host = host_options(service)
    for path in host.pop("tmpfs", ()):
        target, _, options = str(path).partition(":")
        tmpfs[target] = options
    if service.restart != "no":
        name, _, retries = service.restart.partition(":")
        host["restart_policy"] = {"Name": name, **({"MaximumRetryCount": int(retries)} if retries else {})}
    if service.logging is not None and service.logging.driver:
        host["log_config"] = docker.types.LogConfig(
            type=service.logging.driver, config=dict(service.logging.options)
        )
    host.update(
        binds=binds or None,
        port_bindings=bindings or None,
        tmpfs=tmpfs or None,
        ulimits=[docker.types.Ulimit(name=u.name, soft=u.soft, hard=u.hard) for u in service.ulimits] or None,
    )
    networking: dict[str, Any] | None = None
    extra: list[tuple[str, dict[str, Any]]] = []
    if service.network_mode or network_mode:
        host["network_mode"] = network_mode or service.network_mode
    else:
        network_names = {n.key: n.name for n in project.networks}
        for index, net in enumerate(service.networks):
            endpoint: dict[str, Any] = {"aliases": [service.name, *net.aliases]}
            if net.ipv4_address:
                endpoint["ipv4_address"] = net.ipv4_address
            if net.ipv6_address:
                endpoint["ipv6_address"] = net.ipv6_address
            if index == 0:
                # Only one network can be given at create time, in the engine's own form.
                host["network_mode"] = network_names[net.key]
                addresses = {
                    k: v for k, v in (("IPv4Address", net.ipv4_address), ("IPv6Address", net.ipv6_address)) if v
                }
                raw: dict[str, Any] = {"Aliases": endpoint["aliases"]}
                if addresses:
                    raw["IPAMConfig"] = addresses
                networking = {"EndpointsConfig": {network_names[net.key]: raw}}
            else:
                extra.append((network_names[net.key], endpoint))
    name = container_name(project.name, service, number)
    create: dict[str, Any] = {
        "image": service.image,  # by name, as compose does: `docker ps` shows it
        "name": name,
        "command": list(service.command) if service.command is not None else None,
        "entrypoint": list(service.entrypoint) if service.entrypoint is not None else None,
        "environment": [f"{k}={v}" for k, v in service.environment] or None,
        "labels": container_labels(project, service, number, image_id),
        "ports": exposed or None,
        "volumes": anonymous or None,
        "hostname": service.hostname or None,
        "domainname": service.domainname or None,
        "working_dir": service.working_dir or None,
        "user": service.user or None,
        "stdin_open": service.stdin_open,
        "tty": service.tty,
        "stop_signal": service.stop_signal or None,
        "stop_timeout": service.stop_grace_period // 10**9 if service.stop_grace_period is not None else None,
        "healthcheck": _healthcheck(service),
        "platform": service.platform or None,
        "networking_config": networking,
        "detach": True,
    }
    return ContainerPlan(name, create, host, tuple(extra))


def host_options(service: ComposeService) -> dict[str, Any]:
    """The pass-through keys as create_host_config arguments."""
    options: dict[str, Any] = {}
    for key, value in service.host_options:
        if key == "cpus":
            options["nano_cpus"] = int(float(value) * 10**9)
        elif key in _AS_DICT:
            options[key] = dict(value)
        elif isinstance(value, tuple):
            options[_RENAMED.get(key, key)] = list(value)
        else:
            options[_RENAMED.get(key, key)] = value
    return options


def _healthcheck(service: ComposeService) -> docker.types.Healthcheck | None:
    check = service.healthcheck
    if check is None:
        return None
    return docker.types.Healthcheck(
        test=list(check.test) or None,
        interval=check.interval or None,
        timeout=check.timeout or None,
        retries=check.retries or None,
        start_period=check.start_period or None,
    )
