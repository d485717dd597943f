"""Turns one merged, checked service mapping into a ComposeService, resolving paths, env files and references.

Problems go to the reporter (the loader), which places them in the right file and line; a problem leaves a
usable default behind so that every problem of the file is found in one pass.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from typing import Any, Protocol

from tui.adapters.compose_errors import ComposeError, ComposeProblem
from tui.adapters.compose_interpolate import read_env_file
from tui.adapters.compose_records import (
    DEFAULT_NETWORK,
    BuildSpec,
    ComposeService,
    Dependency,
    Healthcheck,
    LoggingSpec,
    ServiceNetwork,
    Ulimit,
)
from tui.adapters.compose_schema import HOST_OPTIONS
from tui.adapters.compose_values import (
    MountSpec,
    PortSpec,
    parse_duration,
    parse_expose,
    parse_mount,
    parse_ports,
    parse_restart,
    parse_size,
)
from tui.adapters.compose_yaml import KeyPath

SIZE_OPTIONS = ("shm_size", "mem_limit", "mem_reservation", "memswap_limit")
LIST_OPTIONS = ("dns", "dns_search", "tmpfs")
NETWORK_MODES = ("bridge", "host", "none", "default")


class Reporter(Protocol):
    errors: list[ComposeProblem]

    def error(self, path: KeyPath, message: str) -> None: ...


def scalar_text(value: Any) -> str:
    """A YAML scalar as compose writes it into the engine's config: booleans lower case, null empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def pairs(value: Any) -> tuple[tuple[str, str], ...]:
    """A list-or-mapping of strings as sorted pairs (a bare list item maps to "")."""
    if not value:
        return ()
    if isinstance(value, list):
        return tuple(sorted((k, v) for k, _, v in (str(item).partition("=") for item in value)))
    return tuple(sorted((str(k), scalar_text(v)) for k, v in value.items()))


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((str(k), scalar_text(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(scalar_text(v) for v in value)
    return value


class ServiceBuilder:
    def __init__(
        self,
        project: str,
        project_dir: str,
        environment: Mapping[str, str],
        network_keys: set[str],
        volume_keys: set[str],
        reporter: Reporter,
    ) -> None:
        self.project = project
        self.project_dir = project_dir
        self.environment = environment
        self.network_keys = network_keys
        self.volume_keys = volume_keys
        self.reporter = reporter

    def error(self, path: KeyPath, message: str) -> None:
        self.reporter.error(path, message)

    def path(self, text: str) -> str:
        """A host path of the file made absolute: ``~`` is the home, relative is from the project directory."""
        return os.path.normpath(os.path.join(self.project_dir, os.path.expanduser(text)))

    def service(self, name: str, raw: dict[str, Any]) -> ComposeService:
        at: KeyPath = ("services", name)
        build = self.build(raw["build"], (*at, "build")) if raw.get("build") is not None else None
        image = str(raw.get("image") or "")
        if not image and build is None:
            self.error(at, f"services.{name}: needs 'image' or 'build'")
        scale = raw.get("scale", 1)
        if scale < 0:
            self.error((*at, "scale"), f"services.{name}.scale must be 0 or more")
        if raw.get("container_name") and scale > 1:
            self.error(
                (*at, "scale"), f"services.{name}: a fixed container_name allows one container, not {scale}"
            )
        restart, retries = parse_restart(raw.get("restart", "no"))
        grace = raw.get("stop_grace_period")
        logging = raw.get("logging")
        return ComposeService(
            name=name,
            image=image or f"{self.project}-{name}",
            build=build,
            command=self.words(raw.get("command"), (*at, "command")),
            entrypoint=self.words(raw.get("entrypoint"), (*at, "entrypoint")),
            environment=self.environment_of(raw, at),
            labels=pairs(raw.get("labels")),
            ports=tuple(p for entry in raw.get("ports") or [] for p in self.ports(entry, at)),
            expose=tuple(p for entry in raw.get("expose") or [] for p in parse_expose(entry)),
            volumes=tuple(self.mounts(raw.get("volumes") or [], at)),
            networks=self.networks(raw, at),
            network_mode=self.network_mode(raw, at),
            depends_on=tuple(
                Dependency(
                    str(k), str((v or {}).get("condition", "service_started")), (v or {}).get("required", True)
                )
                for k, v in (raw.get("depends_on") or {}).items()
            ),
            container_name=str(raw.get("container_name") or ""),
            hostname=str(raw.get("hostname") or ""),
            domainname=str(raw.get("domainname") or ""),
            working_dir=str(raw.get("working_dir") or ""),
            user=str(raw.get("user") if raw.get("user") is not None else ""),
            restart=f"{restart}:{retries}" if retries else restart,
            healthcheck=self.healthcheck(raw.get("healthcheck"), (*at, "healthcheck")),
            ulimits=tuple(self.ulimit(k, v) for k, v in sorted((raw.get("ulimits") or {}).items())),
            stdin_open=bool(raw.get("stdin_open")),
            tty=bool(raw.get("tty")),
            stop_signal=str(raw.get("stop_signal") or ""),
            stop_grace_period=parse_duration(grace) if grace is not None else None,
            scale=max(0, scale),
            logging=LoggingSpec(str(logging.get("driver") or ""), pairs(logging.get("options")))
            if logging
            else None,
            profiles=tuple(str(p) for p in raw.get("profiles") or []),
            pull_policy=str(raw.get("pull_policy") or "missing"),
            platform=str(raw.get("platform") or ""),
            host_options=tuple(sorted((k, self.option(k, raw[k])) for k in HOST_OPTIONS if k in raw)),
        )

    def words(self, value: Any, at: KeyPath) -> tuple[str, ...] | None:
        if value is None:
            return None
        if isinstance(value, list):
            return tuple(scalar_text(v) for v in value)
        try:
            return tuple(shlex.split(str(value)))
        except ValueError as error:
            self.error(at, f"{'.'.join(map(str, at))}: cannot split {value!r} into words ({error})")
            return ()

    def environment_of(self, raw: dict[str, Any], at: KeyPath) -> tuple[tuple[str, str], ...]:
        """env_file entries in order, then ``environment``; a bare KEY takes its value from portside's
        environment (and .env), and is left out when that does not set it either."""
        values: dict[str, str | None] = {}
        entries = raw.get("env_file") or []
        for entry in [entries] if isinstance(entries, str) else entries:
            path, required = (
                (entry, True) if isinstance(entry, str) else (entry["path"], entry.get("required", True))
            )
            full = self.path(str(path))
            if not os.path.isfile(full):
                if required:
                    self.error((*at, "env_file"), f"services.{at[1]}.env_file: {full} does not exist")
                continue
            try:
                values.update(read_env_file(full, self.environment))
            except ComposeError as error:
                self.reporter.errors.extend(error.problems)
        for key, value in (raw.get("environment") or {}).items():
            values[str(key)] = None if value is None else scalar_text(value)
        resolved = {k: v if v is not None else self.environment.get(k) for k, v in values.items()}
        return tuple(sorted((k, v) for k, v in resolved.items() if v is not None))

    def ports(self, entry: Any, at: KeyPath) -> list[PortSpec]:
        try:
            return parse_ports(entry)
        except ValueError as error:  # checked already; a merged value may still surprise
            self.error((*at, "ports", str(entry)), f"services.{at[1]}.ports: {error}")
            return []

    def mounts(self, entries: list[Any], at: KeyPath) -> list[MountSpec]:
        found = []
        for entry in entries:
            where: KeyPath = (*at, "volumes", entry if isinstance(entry, str) else "")
            try:
                mount = parse_mount(entry)
            except ValueError as error:
                self.error(where, f"services.{at[1]}.volumes: {error}")
                continue
            if mount.type == "bind":
                mount = MountSpec("bind", mount.target, self.path(mount.source), mount.read_only, mount.options)
            elif mount.type == "volume" and mount.source and mount.source not in self.volume_keys:
                self.error(
                    where,
                    f"services.{at[1]}.volumes: volume {mount.source!r} is not defined in the top-level volumes",
                )
            found.append(mount)
        return found

    def network_mode(self, raw: dict[str, Any], at: KeyPath) -> str:
        mode = str(raw.get("network_mode") or "")
        if not mode:
            return ""
        if raw.get("networks"):
            self.error((*at, "network_mode"), f"services.{at[1]}: network_mode and networks cannot both be set")
        kind, colon, target = mode.partition(":")
        if (
            (colon and kind not in ("service", "container"))
            or (colon and not target)
            or (not colon and mode not in NETWORK_MODES)
        ):
            self.error(
                (*at, "network_mode"),
                f"services.{at[1]}.network_mode: {mode!r} is not bridge, host, none, service:NAME or container:NAME",
            )
        return mode

    def networks(self, raw: dict[str, Any], at: KeyPath) -> tuple[ServiceNetwork, ...]:
        if raw.get("network_mode"):
            return ()
        wanted: dict[str, Any] = raw.get("networks") or {DEFAULT_NETWORK: None}
        found = []
        for key, spec in wanted.items():
            if key not in self.network_keys:
                self.error(
                    (*at, "networks", key),
                    f"services.{at[1]}.networks: network {key!r} is not defined in the top-level networks",
                )
                continue
            spec = spec or {}
            found.append(
                ServiceNetwork(
                    key=key,
                    aliases=tuple(str(a) for a in spec.get("aliases") or []),
                    ipv4_address=str(spec.get("ipv4_address") or ""),
                    ipv6_address=str(spec.get("ipv6_address") or ""),
                    priority=int(spec.get("priority") or 0),
                )
            )
        # The highest priority is the network the container is created on (then key order, as compose does).
        return tuple(sorted(found, key=lambda n: (-n.priority, n.key)))

    def build(self, raw: dict[str, Any], at: KeyPath) -> BuildSpec:
        context = str(raw.get("context") or ".")
        remote = "://" in context or context.startswith("git@")
        if not remote:
            context = self.path(context)
            if not os.path.isdir(context):
                self.error(
                    (*at, "context"), f"{'.'.join(map(str, at))}: the build context {context} is not a directory"
                )
        args = {k: v if v is not None else self.environment.get(k) for k, v in (raw.get("args") or {}).items()}
        shm = raw.get("shm_size")
        return BuildSpec(
            context=context,
            dockerfile=str(raw.get("dockerfile") or "Dockerfile"),
            args=tuple(sorted((str(k), scalar_text(v)) for k, v in args.items() if v is not None)),
            target=str(raw.get("target") or ""),
            labels=pairs(raw.get("labels")),
            network=str(raw.get("network") or ""),
            pull=bool(raw.get("pull")),
            no_cache=bool(raw.get("no_cache")),
            cache_from=tuple(str(c) for c in raw.get("cache_from") or []),
            extra_hosts=pairs(raw.get("extra_hosts")),
            shm_size=parse_size(shm) if shm is not None else None,
        )

    def healthcheck(self, raw: dict[str, Any] | None, at: KeyPath) -> Healthcheck | None:
        if raw is None:
            return None
        if raw.get("disable"):
            return Healthcheck(("NONE",))
        test = raw.get("test")
        words: tuple[str, ...] = ()
        if isinstance(test, str):
            words = ("CMD-SHELL", test)
        elif isinstance(test, list):
            words = tuple(scalar_text(t) for t in test)
            if words and words[0] not in ("NONE", "CMD", "CMD-SHELL"):
                self.error(
                    (*at, "test"), f"{'.'.join(map(str, at))}.test: a list must start with CMD, CMD-SHELL or NONE"
                )

        def duration(key: str) -> int:
            return parse_duration(raw[key]) if raw.get(key) is not None else 0

        return Healthcheck(
            test=words,
            interval=duration("interval"),
            timeout=duration("timeout"),
            start_period=duration("start_period"),
            retries=int(raw.get("retries") or 0),
        )

    @staticmethod
    def ulimit(name: str, value: Any) -> Ulimit:
        if isinstance(value, dict):
            return Ulimit(name, int(value["soft"]), int(value["hard"]))
        return Ulimit(name, int(value), int(value))

    @staticmethod
    def option(key: str, value: Any) -> Any:
        if key in SIZE_OPTIONS:
            return parse_size(value)
        if key == "cpus":
            return float(value)
        if key in LIST_OPTIONS and isinstance(value, str):
            return (value,)
        return _freeze(value)
