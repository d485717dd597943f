"""Compose model: ``load_project(files)`` reads, interpolates, checks and merges compose files into records.

Every problem is a ``ComposeProblem`` (file, line, message); all errors found are raised together as one
``ComposeError`` (an ``InvalidInput``) before anything is built, so a bad file creates nothing. Warnings
(unsupported keys, unset variables) travel with the project in ``ComposeProject.warnings``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from tui.adapters.compose_build import ServiceBuilder, pairs
from tui.adapters.compose_errors import ComposeError, ComposeProblem
from tui.adapters.compose_interpolate import InterpolationError, Interpolator, read_env_file
from tui.adapters.compose_merge import merge_files, merge_service, normalize_service, rebase_paths
from tui.adapters.compose_records import (
    DEFAULT_NETWORK,
    BuildSpec,
    ComposeNetwork,
    ComposeProject,
    ComposeService,
    ComposeVolume,
    Dependency,
    Healthcheck,
    IpamConfig,
    LoggingSpec,
    ServiceNetwork,
    Ulimit,
    find_cycle,
    service_hash,
)
from tui.adapters.compose_schema import check_document, dotted
from tui.adapters.compose_values import MountSpec, PortSpec, normalize_project_name
from tui.adapters.compose_yaml import KeyPath, YamlDocument, read_compose_file

__all__ = [
    "BuildSpec",
    "ComposeError",
    "ComposeNetwork",
    "ComposeProblem",
    "ComposeProject",
    "ComposeService",
    "ComposeVolume",
    "Dependency",
    "Healthcheck",
    "IpamConfig",
    "LoggingSpec",
    "MountSpec",
    "PortSpec",
    "ServiceNetwork",
    "Ulimit",
    "load_project",
]

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


def default_files(directory: str | Path) -> list[Path]:
    """The file `docker compose` picks in ``directory`` (and its override), or [] when there is none."""
    for name in DEFAULT_FILES:
        path = Path(directory) / name
        if path.is_file():
            override = path.with_name(path.stem + ".override" + path.suffix)
            return [path, override] if override.is_file() else [path]
    return []


def load_project(
    files: Sequence[str | Path],
    *,
    project_name: str | None = None,
    environment: Mapping[str, str] | None = None,
    profiles: Sequence[str] = (),
    env_file: str | Path | None = None,
) -> ComposeProject:
    """Load one or more compose files (later ones override earlier ones) into a checked ComposeProject.

    ``environment`` defaults to this process's; the project directory's ``.env`` (or ``env_file``) fills in
    variables it does not set. The project name is ``project_name``, else COMPOSE_PROJECT_NAME, else the
    top-level ``name``, else the project directory's name; it is normalised as `docker compose` does.
    """
    if not files:
        raise ComposeError.at(".", 0, "no compose file given")
    return _Loader([os.path.abspath(f) for f in files], environment, env_file).load(project_name, tuple(profiles))


class _Loader:
    def __init__(
        self, files: list[str], environment: Mapping[str, str] | None, env_file: str | Path | None
    ) -> None:
        self.files = files
        self.project_dir = os.path.dirname(files[0])
        self.errors: list[ComposeProblem] = []
        self.warnings: list[ComposeProblem] = []
        self.cache: dict[str, YamlDocument] = {}
        base = dict(os.environ if environment is None else environment)
        dotenv_path = str(env_file) if env_file else os.path.join(self.project_dir, ".env")
        dotenv: dict[str, str | None] = {}
        if env_file or os.path.isfile(dotenv_path):
            dotenv = read_env_file(dotenv_path, base)
        # The process environment wins over .env, as in docker compose.
        self.environment: dict[str, str] = {**{k: v for k, v in dotenv.items() if v is not None}, **base}
        self.interpolator = Interpolator(self.environment)
        self.documents: list[YamlDocument] = []

    def load(self, project_name: str | None, profiles: tuple[str, ...]) -> ComposeProject:
        self.documents = [self.read(path) for path in self.files]
        self.raise_errors()
        for document in self.documents:
            services = (document.data or {}).get("services") or {}
            for name in list(services):
                services[name] = self.resolve_extends(document, name, ())
        self.raise_errors()
        merged = merge_files([d.data for d in self.documents])
        name = self.project_name(project_name, merged)
        project = self.build(name, merged, profiles)
        self.raise_errors()
        return project

    def raise_errors(self) -> None:
        if self.errors:
            raise ComposeError(self.errors)

    # ---- reading one file

    def read(self, path: str) -> YamlDocument:
        """Parse, interpolate and check one file (once per path); its problems are collected."""
        if path in self.cache:
            return self.cache[path]
        try:
            document = read_compose_file(path)
        except ComposeError as error:
            self.errors.extend(error.problems)
            document = YamlDocument(path, {})
        else:
            document.data = self.interpolate(document, document.data, ())
            report = check_document(document)
            self.errors.extend(report.errors)
            self.warnings.extend(report.warnings)
            if report.errors:
                document.data = {}
        self.cache[path] = document
        return document

    def interpolate(self, document: YamlDocument, value: Any, path: KeyPath) -> Any:
        if isinstance(value, dict):
            return {k: self.interpolate(document, v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            items = [self.interpolate(document, v, (*path, i)) for i, v in enumerate(value)]
            for index, item in enumerate(items):  # let later checks find an item by its final value
                if isinstance(item, str) and (*path, index) in document.lines:
                    document.lines.setdefault((*path, item), document.lines[(*path, index)])
            return items
        if not isinstance(value, str) or "$" not in value:
            return value
        unset_before = set(self.interpolator.unset)
        try:
            result = self.interpolator(value)
        except InterpolationError as error:
            self.errors.append(document.problem(path, f"{dotted(path)}: {error}"))
            return value
        for variable in sorted(self.interpolator.unset - unset_before):
            self.warnings.append(
                document.problem(path, f"variable {variable} is not set: it is replaced by an empty string")
            )
        return result

    # ---- extends

    def resolve_extends(self, document: YamlDocument, name: str, chain: tuple[tuple[str, str], ...]) -> Any:
        service = document.data["services"][name]
        if not isinstance(service, dict) or "extends" not in service:
            return service
        path: KeyPath = ("services", name, "extends")
        extends = service["extends"]
        extends = {"service": extends} if isinstance(extends, str) else extends
        if (document.file, name) in chain:
            cycle = " -> ".join(n for _, n in (*chain, (document.file, name)))
            self.errors.append(document.problem(path, f"{dotted(path)}: extends cycle: {cycle}"))
            return {}
        source = document
        if extends.get("file"):
            target = os.path.join(os.path.dirname(document.file), str(extends["file"]))
            if not os.path.isfile(target):
                self.errors.append(document.problem(path, f"{dotted(path)}: file {extends['file']!r} not found"))
                return {}
            source = self.read(os.path.abspath(target))
        base_name = str(extends["service"])
        if base_name not in (source.data or {}).get("services", {}):
            where = f" in {extends['file']}" if extends.get("file") else ""
            self.errors.append(document.problem(path, f"{dotted(path)}: service {base_name!r} not found{where}"))
            return {}
        base = self.resolve_extends(source, base_name, (*chain, (document.file, name)))
        if not isinstance(base, dict):
            return service
        base = rebase_paths(normalize_service(base), os.path.dirname(source.file), self.project_dir)
        own = normalize_service({k: v for k, v in service.items() if k != "extends"})
        return merge_service(base, own)

    # ---- locating problems in the merged data

    def problem(self, path: KeyPath, message: str) -> ComposeProblem:
        """A problem at ``path`` of the merged data, placed in the last file that says most about it."""
        best_depth, best = -1, self.documents[-1]
        for document in reversed(self.documents):
            for depth in range(len(path), 0, -1):
                if path[:depth] in document.lines:
                    if depth > best_depth:
                        best_depth, best = depth, document
                    break
        return best.problem(path, message)

    def error(self, path: KeyPath, message: str) -> None:
        self.errors.append(self.problem(path, message))

    # ---- the project

    def project_name(self, explicit: str | None, merged: dict[str, Any]) -> str:
        candidates = [
            (explicit, "the project name"),
            (self.environment.get("COMPOSE_PROJECT_NAME"), "COMPOSE_PROJECT_NAME"),
            (merged.get("name"), "name"),
            (os.path.basename(self.project_dir), "the project directory's name"),
        ]
        raw, origin = next(((str(v), o) for v, o in candidates if v not in (None, "")), ("", "the directory /"))
        name = normalize_project_name(raw)
        if not name:
            self.error(("name",), f"{origin} {raw!r} gives an empty project name (a-z 0-9 _ - are kept)")
            raise ComposeError(self.errors)
        return name

    def build(self, name: str, merged: dict[str, Any], profiles: tuple[str, ...]) -> ComposeProject:
        services_raw: dict[str, Any] = merged.get("services") or {}
        if not services_raw:
            self.error(("services",), "no services are defined")
            raise ComposeError(self.errors)
        networks = self.networks(name, merged.get("networks") or {})
        volumes = self.volumes(name, merged.get("volumes") or {})
        builder = ServiceBuilder(
            name, self.project_dir, self.environment, {n.key for n in networks}, {v.key for v in volumes}, self
        )
        services = [builder.service(key, raw) for key, raw in services_raw.items()]
        self.check_dependencies(services)
        active_names = {s.name for s in services if not s.profiles or set(s.profiles) & set(profiles)}
        active = [self.optional_dependencies(s, active_names) for s in services if s.name in active_names]
        self.raise_errors()
        network_names = {n.key: n.name for n in networks}
        volume_names = {v.key: v.name for v in volumes}
        hashed = tuple(replace(s, config_hash=service_hash(s, network_names, volume_names)) for s in active)
        # As compose does, only what the active services use is created.
        used_networks = {n.key for s in active for n in s.networks}
        used_volumes = {m.source for s in active for m in s.volumes if m.type == "volume"}
        return ComposeProject(
            name=name,
            working_dir=self.project_dir,
            config_files=tuple(self.files),
            services=hashed,
            networks=tuple(n for n in networks if n.key in used_networks),
            volumes=tuple(v for v in volumes if v.key in used_volumes),
            warnings=tuple(self.warnings),
        )

    def check_dependencies(self, services: list[ComposeService]) -> None:
        names = {s.name for s in services}
        for service in services:
            for dependency in (d.service for d in service.depends_on if d.required):
                if dependency not in names:
                    self.error(
                        ("services", service.name, "depends_on", dependency),
                        f"services.{service.name}.depends_on: service {dependency!r} is not defined",
                    )
        cycle = find_cycle({s.name: s.dependencies for s in services})
        if cycle:
            self.error(
                ("services", cycle[0], "depends_on", cycle[1]),
                f"services.{cycle[0]}.depends_on: dependency cycle: {' -> '.join(cycle)}",
            )

    def optional_dependencies(self, service: ComposeService, active: set[str]) -> ComposeService:
        """Drop (with a warning) ``required: false`` dependencies that are not there; a required one left out
        by its profiles is an error."""
        kept = []
        for dependency in service.depends_on:
            path: KeyPath = ("services", service.name, "depends_on", dependency.service)
            if dependency.service in active:
                kept.append(dependency)
            elif dependency.required:
                self.error(path, f"{dotted(path[:3])}: {dependency.service!r} is disabled by its profiles")
            else:
                self.warnings.append(
                    self.problem(path, f"{dotted(path[:3])}: optional {dependency.service!r} is not there")
                )
        shared = (
            service.network_mode.removeprefix("service:") if service.network_mode.startswith("service:") else ""
        )
        if shared and shared not in active:
            path = ("services", service.name, "network_mode")
            self.error(path, f"{dotted(path)}: service {shared!r} is not defined or disabled by its profiles")
        return replace(service, depends_on=tuple(kept))

    def networks(self, project: str, raw: dict[str, Any]) -> list[ComposeNetwork]:
        found = []
        definitions = dict(raw)
        if DEFAULT_NETWORK not in definitions:
            definitions[DEFAULT_NETWORK] = None
        for key, spec in definitions.items():
            spec = spec or {}
            external, name = _external(spec, key, project)
            ipam = spec.get("ipam") or {}
            found.append(
                ComposeNetwork(
                    key=key,
                    name=name,
                    external=external,
                    driver=str(spec.get("driver") or ""),
                    driver_opts=pairs(spec.get("driver_opts")),
                    internal=bool(spec.get("internal")),
                    attachable=bool(spec.get("attachable")),
                    enable_ipv6=bool(spec.get("enable_ipv6")),
                    labels=pairs(spec.get("labels")),
                    ipam_driver=str(ipam.get("driver") or ""),
                    ipam_config=tuple(
                        IpamConfig(
                            str(c.get("subnet") or ""), str(c.get("ip_range") or ""), str(c.get("gateway") or "")
                        )
                        for c in ipam.get("config") or []
                    ),
                    ipam_options=pairs(ipam.get("options")),
                )
            )
        return found

    def volumes(self, project: str, raw: dict[str, Any]) -> list[ComposeVolume]:
        found = []
        for key, spec in raw.items():
            spec = spec or {}
            external, name = _external(spec, key, project)
            found.append(
                ComposeVolume(
                    key=key,
                    name=name,
                    external=external,
                    driver=str(spec.get("driver") or ""),
                    driver_opts=pairs(spec.get("driver_opts")),
                    labels=pairs(spec.get("labels")),
                )
            )
        return found


def _external(spec: dict[str, Any], key: str, project: str) -> tuple[bool, str]:
    """(external?, the engine name): external ones keep their name, others are <project>_<key> unless named."""
    external = spec.get("external")
    if isinstance(external, dict):
        return True, str(external.get("name") or spec.get("name") or key)
    if external:
        return True, str(spec.get("name") or key)
    return False, str(spec.get("name") or f"{project}_{key}")
