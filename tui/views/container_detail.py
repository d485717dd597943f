"""A container's inspect screen (environment masked until revealed).

Imported when opened: the containers view is on the start-up path, this screen is not.
"""

from __future__ import annotations

from typing import Any

from tui.adapters.docker_containers import inspect_text, masked_env
from tui.adapters.models import ContainerInfo
from tui.adapters.sanitize import clean_line
from tui.adapters.secrets import is_secret_name
from widgets.detail_screen import DetailScreen, Section


def inspect_screen(record: ContainerInfo, raw: dict[str, Any]) -> DetailScreen:
    return DetailScreen(f"container {record.name}", inspect_sections(record, raw))


def env_section(env: list[str]) -> Section:
    """Environment with secret-looking values masked; v on such a row reveals it, on this screen only."""
    hidden = {
        n: clean_line(item.partition("=")[2])
        for n, item in enumerate(env)
        if is_secret_name(item.partition("=")[0])
    }
    return Section("Env", columns=("NAME", "VALUE"), rows=tuple(masked_env(env)), hidden=hidden)


def inspect_sections(record: ContainerInfo, raw: dict[str, Any]) -> list[Section]:
    """Summary, environment (secrets masked), mounts, ports, networks, labels and the raw JSON."""
    config = raw.get("Config") or {}
    host = raw.get("HostConfig") or {}
    state = raw.get("State") or {}
    networks = (raw.get("NetworkSettings") or {}).get("Networks") or {}
    restart = (host.get("RestartPolicy") or {}).get("Name") or "no"
    summary = "\n".join(
        [
            f"name        {record.name}",
            f"id          {record.id}",
            f"image       {record.image} ({record.image_id.removeprefix('sha256:')[:12]})",
            f"state       {record.status}",
            f"started     {state.get('StartedAt', '')}",
            f"exit code   {state.get('ExitCode', '')}",
            f"command     {record.command}",
            f"hostname    {config.get('Hostname', '')}",
            f"restart     {restart}",
            f"compose     {record.compose_project or '-'} / {record.compose_service or '-'}",
        ]
    )
    text = inspect_text(raw)
    return [
        Section("Summary", text=summary),
        env_section(config.get("Env") or []),
        Section(
            "Mounts",
            columns=("TYPE", "SOURCE", "DESTINATION", "MODE"),
            rows=tuple(
                (
                    str(m.get("Type", "")),
                    str(m.get("Name") or m.get("Source", "")),
                    str(m.get("Destination", "")),
                    "rw" if m.get("RW") else "ro",
                )
                for m in raw.get("Mounts") or []
            ),
        ),
        Section("Ports", columns=("PORT",), rows=tuple((str(p),) for p in record.ports)),
        Section(
            "Networks",
            columns=("NETWORK", "IP", "ALIASES"),
            rows=tuple(
                (name, str(n.get("IPAddress", "")), ", ".join(n.get("Aliases") or []))
                for name, n in networks.items()
            ),
        ),
        Section("Labels", columns=("LABEL", "VALUE"), rows=record.labels),
        Section("JSON", text=text),
    ]
