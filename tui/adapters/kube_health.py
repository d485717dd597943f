"""Control-plane health as far as the API exposes it: server version, the API server's own checks
(/livez and /readyz, verbose), and the component statuses of the scheduler, controller manager and etcd
(`/api/v1/componentstatuses`: deprecated since 1.19 but still served; absent or forbidden is said so).

Blocking: call from a thread worker. Each part fails on its own; the others are still reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.adapters.errors import BackendError
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.sanitize import clean_line


@dataclass(frozen=True)
class Check:
    name: str
    healthy: bool
    detail: str = ""


@dataclass(frozen=True)
class ClusterHealth:
    version: str
    platform: str
    checks: tuple[Check, ...]  # the API server's own, from /livez and /readyz
    components: tuple[Check, ...]  # scheduler, controller manager, etcd members
    problems: tuple[str, ...]  # what could not be read, and why


def parse_verbose_checks(endpoint: str, text: str) -> list[Check]:
    """``[+]etcd ok`` / ``[-]etcd failed: reason withheld`` lines, as returned with ?verbose."""
    checks = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(("[+]", "[-]")):
            name, _, rest = line[3:].partition(" ")
            checks.append(Check(f"{endpoint} {clean_line(name)}", line[1] == "+", clean_line(rest)))
    return checks


def _text(cluster: KubeCluster, path: str) -> str:
    response = cluster.request("GET", path, {"verbose": "true"}, stream=True, timeout=(5, 10))
    try:
        return bytes(response.read()).decode("utf-8", errors="replace")
    finally:
        response.release_conn()


def cluster_health(cluster: KubeCluster) -> ClusterHealth:
    problems: list[str] = []
    version, platform = "?", ""
    try:
        info = cluster.request("GET", "/version", timeout=(5, 10))
        version, platform = clean_line(str(info.get("gitVersion", "?"))), clean_line(str(info.get("platform", "")))
    except BackendError as error:
        problems.append(str(error))
    checks: list[Check] = []
    for endpoint in ("/livez", "/readyz"):
        try:
            checks += parse_verbose_checks(endpoint, _text(cluster, endpoint))
        except BackendError as error:
            problems.append(str(error))
    components: list[Check] = []
    try:
        listing = cluster.request("GET", "/api/v1/componentstatuses", timeout=(5, 15))
        for item in listing.get("items") or []:
            name = clean_line(str((item.get("metadata") or {}).get("name", "?")))
            for condition in item.get("conditions") or []:
                if condition.get("type") == "Healthy":
                    detail = condition.get("message") or condition.get("error") or ""
                    components.append(Check(name, condition.get("status") == "True", clean_line(str(detail))))
    except BackendError as error:
        problems.append(f"component statuses: {error}")
    return ClusterHealth(version, platform, tuple(checks), tuple(components), tuple(problems))
