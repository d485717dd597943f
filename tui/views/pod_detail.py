"""A pod's detail screens: describe (summary, containers, events, YAML) and its YAML.

Imported when one is opened: the pods view is on the path to the first screen of pods, these are not.
"""

from __future__ import annotations

from typing import Any

from tui.adapters.kube_pods import object_yaml
from tui.adapters.models import PodInfo
from tui.adapters.sanitize import clean_line
from widgets.detail_screen import DetailScreen, Section


def describe_screen(pod: PodInfo, raw: dict[str, Any], events: list[tuple[str, ...]]) -> DetailScreen:
    return DetailScreen(f"pod {pod.namespace}/{pod.name}", describe_sections(pod, raw, events))


def yaml_screen(pod: PodInfo, raw: dict[str, Any]) -> DetailScreen:
    return DetailScreen(f"pod {pod.namespace}/{pod.name}", [Section("YAML", text=object_yaml(raw))])


def describe_sections(pod: PodInfo, raw: dict[str, Any], events: list[tuple[str, ...]]) -> list[Section]:
    status = raw.get("status") or {}
    conditions = ", ".join(
        f"{c.get('type')}={c.get('status')}" for c in status.get("conditions") or [] if isinstance(c, dict)
    )
    summary = "\n".join(
        [
            f"name        {pod.name}",
            f"namespace   {pod.namespace}",
            f"status      {pod.status} (phase {pod.phase})",
            f"node        {pod.node or '-'}",
            f"ip          {pod.ip or '-'}",
            f"owner       {pod.owner or '-'}",
            f"restarts    {pod.restarts}",
            f"conditions  {clean_line(conditions)}",
            f"labels      {', '.join(f'{k}={v}' for k, v in pod.labels)}",
        ]
    )
    return [
        Section("Summary", text=summary),
        Section(
            "Containers",
            columns=("NAME", "STATE", "REASON", "READY", "RESTARTS"),
            rows=tuple((c.name, c.state, c.reason, str(c.ready), str(c.restarts)) for c in pod.containers),
        ),
        Section("Events", columns=("LAST SEEN", "TYPE", "REASON", "COUNT", "MESSAGE"), rows=tuple(events)),
        Section("YAML", text=object_yaml(raw)),
    ]
