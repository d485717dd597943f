"""Merging compose files (``-f a.yml -f b.yml``) and resolving ``extends``, with the Compose Specification's rules.

Mappings merge key by key, the later file winning. Keys that may be written as a list or a mapping
(environment, labels, depends_on, networks, ...) are made mappings first so that both forms merge alike.
``command``, ``entrypoint`` and ``healthcheck.test`` are replaced whole; ``volumes`` merge by container path;
other lists are appended without duplicates.
"""

from __future__ import annotations

import copy
import os
from typing import Any

LIST_OR_DICT = ("environment", "labels", "sysctls", "extra_hosts")
REPLACED = ("command", "entrypoint")


def as_mapping(value: Any) -> dict[str, Any]:
    """``["A=1", "B"]`` -> ``{"A": "1", "B": None}``; a mapping is returned as a copy."""
    if isinstance(value, dict):
        return dict(value)
    result: dict[str, Any] = {}
    for item in value or []:
        key, found, rest = str(item).partition("=")
        result[key] = rest if found else None
    return result


def normalize_service(service: dict[str, Any]) -> dict[str, Any]:
    """The merge-friendly form: list-or-mapping keys as mappings, ``build`` as a mapping."""
    result = dict(service)
    for key in LIST_OR_DICT:
        if key not in result:
            continue
        if key == "extra_hosts" and isinstance(result[key], list):
            # "host=ip" and "host:ip" are both accepted; an IPv6 address holds ":" itself.
            result[key] = {k: v for k, _, v in (_host_entry(str(e)) for e in result[key])}
        else:
            result[key] = as_mapping(result[key])
    if isinstance(result.get("depends_on"), list):
        result["depends_on"] = {name: {"condition": "service_started"} for name in result["depends_on"]}
    if isinstance(result.get("networks"), list):
        result["networks"] = dict.fromkeys(result["networks"])
    if isinstance(result.get("build"), str):
        result["build"] = {"context": result["build"]}
    if isinstance(result.get("build"), dict):
        build = dict(result["build"])
        for key in ("args", "labels"):
            if key in build:
                build[key] = as_mapping(build[key])
        result["build"] = build
    return result


def _host_entry(entry: str) -> tuple[str, str, str]:
    if "=" in entry:
        return entry.partition("=")
    return entry.partition(":")


def merge_service(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` applied on ``base`` (both normalised)."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        if key not in result or key in REPLACED or value is None:
            result[key] = copy.deepcopy(value)
        elif key == "volumes" and isinstance(value, list) and isinstance(result[key], list):
            result[key] = _merge_volumes(result[key], value)
        elif key == "healthcheck" and isinstance(value, dict) and isinstance(result[key], dict):
            result[key] = {**result[key], **value}
        elif key == "logging" and isinstance(value, dict) and isinstance(result[key], dict):
            same = value.get("driver") in (None, result[key].get("driver"))
            result[key] = merge_mapping(result[key], value) if same else copy.deepcopy(value)
        elif isinstance(value, dict) and isinstance(result[key], dict):
            result[key] = merge_mapping(result[key], value)
        elif isinstance(value, list) and isinstance(result[key], list):
            result[key] = result[key] + [v for v in value if v not in result[key]]
        else:
            result[key] = copy.deepcopy(value)
    return result


def merge_mapping(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge_mapping(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _mount_target(entry: Any) -> str:
    if isinstance(entry, dict):
        return str(entry.get("target", ""))
    parts = str(entry).split(":")
    return parts[1] if len(parts) > 1 and parts[1].startswith("/") else parts[0]


def _merge_volumes(base: list[Any], override: list[Any]) -> list[Any]:
    targets = {_mount_target(v) for v in override}
    return [v for v in base if _mount_target(v) not in targets] + copy.deepcopy(override)


def merge_files(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge whole (checked) files in order."""
    result: dict[str, Any] = {}
    for data in documents:
        for key, value in data.items():
            if key == "services":
                services = result.setdefault("services", {})
                for name, service in (value or {}).items():
                    service = normalize_service(service or {})
                    services[name] = merge_service(services[name], service) if name in services else service
            elif isinstance(value, dict) and isinstance(result.get(key), dict):
                result[key] = merge_mapping(result[key], value)
            else:
                result[key] = copy.deepcopy(value)
    return result


def rebase_paths(service: dict[str, Any], source_dir: str, project_dir: str) -> dict[str, Any]:
    """Make a service taken from another directory (``extends: {file: ../x.yml}``) keep pointing at its files."""
    if os.path.abspath(source_dir) == os.path.abspath(project_dir):
        return service

    def rebase(path: str) -> str:
        if path.startswith(("/", "~")) or "://" in path:
            return path
        return os.path.normpath(os.path.join(source_dir, path))

    result = dict(service)
    build = result.get("build")
    if isinstance(build, dict) and isinstance(build.get("context"), str):
        result["build"] = {**build, "context": rebase(build["context"])}
    env_file = result.get("env_file")
    if isinstance(env_file, str | list):
        entries = [env_file] if isinstance(env_file, str) else env_file
        result["env_file"] = [
            rebase(e) if isinstance(e, str) else {**e, "path": rebase(str(e.get("path", "")))} for e in entries
        ]
    volumes = []
    for entry in result.get("volumes") or []:
        if isinstance(entry, str) and entry.startswith("."):
            source, _, rest = entry.partition(":")
            entry = f"{rebase(source)}:{rest}" if rest else entry
        elif isinstance(entry, dict) and entry.get("type") == "bind" and isinstance(entry.get("source"), str):
            entry = {**entry, "source": rebase(entry["source"])}
        volumes.append(entry)
    if "volumes" in result:
        result["volumes"] = volumes
    return result
