"""The cluster at a glance: server version, API server checks, control-plane components, and the nodes with
their conditions, capacity and pods (the seed's "Kubernetes architecture" story)."""

from __future__ import annotations

from collections.abc import Callable

from tui.adapters.kube_health import Check, ClusterHealth
from tui.adapters.kube_records import NodeInfo
from widgets.detail_screen import Section


def _check_rows(checks: tuple[Check, ...]) -> tuple[tuple[str, str, str], ...]:
    return tuple((c.name, "ok" if c.healthy else "FAILING", c.detail) for c in checks)


def cluster_sections(
    context: str, health: ClusterHealth, nodes: list[NodeInfo], pods_on: Callable[[str], int | None]
) -> list[Section]:
    failing = [c.name for c in (*health.checks, *health.components) if not c.healthy]
    components = ", ".join(f"{c.name} {'ok' if c.healthy else 'FAILING'}" for c in health.components)
    api_ok = sum(c.healthy for c in health.checks)
    summary = [
        f"context        {context}",
        f"server         {health.version} {health.platform}".rstrip(),
        f"API checks     {api_ok} of {len(health.checks)} ok",
        f"components     {components or '-'}",
        f"nodes          {len(nodes)}, ready {sum(n.status == 'Ready' for n in nodes)}",
        f"failing        {', '.join(failing) or 'nothing'}",
    ]
    summary += [f"not available  {problem}" for problem in health.problems]
    node_rows = []
    for n in nodes:
        count = pods_on(n.name)
        node_rows.append(
            (
                n.name,
                n.status,
                ",".join(n.roles) or "<none>",
                f"{n.allocatable.cpu}/{n.capacity.cpu}",
                f"{n.allocatable.memory}/{n.capacity.memory}",
                f"{'?' if count is None else count}/{n.allocatable.pods}",
                ", ".join(f"{c.type}={c.status}" for c in n.conditions),
                n.version,
            )
        )
    return [
        Section("Summary", text="\n".join(summary)),
        Section("Control plane", columns=("COMPONENT", "HEALTH", "DETAIL"), rows=_check_rows(health.components)),
        Section("API server", columns=("CHECK", "HEALTH", "DETAIL"), rows=_check_rows(health.checks)),
        Section(
            "Nodes",
            columns=(
                "NAME",
                "STATUS",
                "ROLES",
                "CPU ALLOC/CAP",
                "MEMORY ALLOC/CAP",
                "PODS",
                "CONDITIONS",
                "VERSION",
            ),
            rows=tuple(node_rows),
        ),
    ]
